"""analyze_video(path, params) -> Analysis: composition of the stages, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import Event, Grades, Measurements, Metrics, Quality, SidePair
from hemispasm.video.info import VideoInfo


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything one analysis produced; the report stage turns it into files."""

    source: VideoInfo
    quality: Quality
    landmarks: Landmarks
    measurements: Measurements
    closure: SidePair
    events: tuple[Event, ...]
    metrics: Metrics
    grades: Grades
    params: AnalysisParams
    software: dict[str, str]
