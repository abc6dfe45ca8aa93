"""analyze_video(path, params) -> Analysis: composition of the stages, nothing else."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from hemispasm import __version__
from hemispasm.analysis.events import compute_closure, detect_events
from hemispasm.analysis.faces import check_face_presence, check_usable_time
from hemispasm.analysis.grading import estimate_grades
from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.measurements import compute_measurements
from hemispasm.analysis.metrics import compute_metrics, compute_quality
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import Event, Grades, Measurements, Metrics, Quality, SidePair
from hemispasm.errors import VideoTooShortError
from hemispasm.landmarks.cache import CacheKey, load_cached, save_cached
from hemispasm.landmarks.extract import extract_landmarks
from hemispasm.landmarks.mediapipe_backend import BACKEND_NAME, backend_version
from hemispasm.video.info import VideoInfo
from hemispasm.video.reader import probe_video

ProgressFn = Callable[[int, int], None]
log = logging.getLogger(__name__)


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


def analyze_video(
    path: Path,
    params: AnalysisParams | None = None,
    *,
    mirrored: bool = False,
    workers: int = 2,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> Analysis:
    """Measure the spasms in one face video.

    Raises the specific :class:`~hemispasm.errors.HemispasmError` subclass for each kind of bad
    input (not a video, too short, no face, several faces, ...).
    """
    params = params or AnalysisParams()
    info = probe_video(path, mirrored=mirrored)
    if info.duration_known:  # some browser recordings do not say; checked after decoding
        _check_duration(info.path, info.duration_s, params)
    key = CacheKey(
        video_sha256=info.sha256,
        backend_name=BACKEND_NAME,
        backend_version=backend_version(),
        mirrored=mirrored,
        max_side=None,
    )
    landmarks = load_cached(key, cache_dir=cache_dir) if use_cache else None
    if landmarks is None:
        landmarks = extract_landmarks(
            info.path, info=info, mirrored=mirrored, workers=workers, progress=progress
        )
        if use_cache:
            try:
                save_cached(landmarks, key, cache_dir=cache_dir)
            except OSError as error:  # a cache failure must never fail an analysis
                log.warning("landmark cache not written: %s", error)
    elif progress is not None:
        progress(landmarks.n_frames, landmarks.n_frames)
    info = _decoded_extent(info, landmarks)
    _check_duration(info.path, landmarks.duration_s, params)
    check_face_presence(landmarks, params, label=str(info.path))
    analysis = analyze_landmarks(info, landmarks, params)
    check_usable_time(analysis.metrics.usable_duration_s, params, label=str(info.path))
    return analysis


def analyze_landmarks(info: VideoInfo, landmarks: Landmarks, params: AnalysisParams) -> Analysis:
    """The pure part of an analysis: landmarks in, measurements, events and grades out."""
    measurements = compute_measurements(landmarks, params)
    closure = compute_closure(measurements, params)
    events = detect_events(measurements, closure, params)
    metrics = compute_metrics(measurements, closure, events, params)
    quality = compute_quality(landmarks, measurements, params)
    if info.duration_declared_s is not None:
        quality = replace(
            quality,
            warnings=(
                f"the file declares {info.duration_declared_s:.1f} s but only "
                f"{info.duration_s:.1f} s of it could be decoded (probably cut short while "
                "uploading or copying); everything here is about the part that decoded",
                *quality.warnings,
            ),
        )
    return Analysis(
        source=info,
        quality=quality,
        landmarks=landmarks,
        measurements=measurements,
        closure=closure,
        events=events,
        metrics=metrics,
        grades=estimate_grades(metrics, params),
        params=params,
        software={
            "version": __version__,
            "landmark_model": f"{BACKEND_NAME} {backend_version()}",
        },
    )


TRUNCATION_TOLERANCE_S = 1.0
"""Decoded frames may end this much (or 5 %) before the declared duration without comment."""


def _decoded_extent(info: VideoInfo, landmarks: Landmarks) -> VideoInfo:
    """``info`` with the duration and frame count that decoded, remembering what the container
    declared when the decoded frames end well before it (a file cut short)."""
    decoded = landmarks.duration_s
    declared = info.duration_s
    short = info.duration_known and declared - decoded > max(
        TRUNCATION_TOLERANCE_S, 0.05 * declared
    )
    if not short:
        return info
    log.warning("%s: declares %.1f s, decodes %.1f s", info.path, declared, decoded)
    return replace(
        info, duration_s=decoded, frames=landmarks.n_frames, duration_declared_s=declared
    )


def _check_duration(path: Path, duration_s: float, params: AnalysisParams) -> None:
    if duration_s < params.min_video_s:
        raise VideoTooShortError(
            f"{path}: video is {duration_s:.1f} s long; at least {params.min_video_s:g} s is needed"
        )
