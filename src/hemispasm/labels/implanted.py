"""A labelled real video with one side's spasms put in, and its truth: the labelled blinks plus
the spasms (see :mod:`hemispasm.synth.implant`). Used by ``benchmarks/real_with_spasms.py`` and
``tests/test_real_with_spasms.py``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemispasm.analysis.evaluation import outside_spans
from hemispasm.analysis.types import Event, Side
from hemispasm.labels.format import LabelFile
from hemispasm.pipeline import analyze_video
from hemispasm.synth.implant import collect_donors, implant_spasms, plan_spasms

RATE_PER_MIN = 18.0
"""Spasm events per minute put in (fewer where the video's own blinks leave no room)."""


@dataclass(frozen=True)
class ImplantedVideo:
    """The copy with spasms, the side they are on, and the truth to score it against."""

    path: Path
    side: Side
    truth: tuple[Event, ...]
    """Labelled blinks and the spasms put in, outside the excluded spans, in time order."""
    excluded: tuple[tuple[float, float], ...]


def side_of_seed(seed: int) -> Side:
    """Odd seeds put the spasms on the left, even ones on the right."""
    return "left" if seed % 2 else "right"


def implanted_copy(
    video: Path, labels: LabelFile, dst: Path, *, seed: int, cache_dir: Path | None = None
) -> ImplantedVideo:
    """Write ``dst`` (unless it is there already) from the labelled ``video``: spasms of one side
    (:func:`side_of_seed`) put in where its labels leave room, each frame's eye replaced by the
    same eye from the video's own blinks."""
    original = analyze_video(video, use_cache=True, cache_dir=cache_dir)
    lm = original.landmarks
    excluded = labels.excluded_spans()
    events = labels.truth()
    side = side_of_seed(seed)
    schedule = plan_spasms(
        times_s=lm.timestamps_s,
        valid=lm.valid,
        blocked=[(e.start_s, e.end_s) for e in events] + list(excluded),
        side=side,
        rng=np.random.default_rng(seed),
        rate_per_min=RATE_PER_MIN,
    )
    if not dst.exists():
        blinks = [(e.start_s, e.end_s) for e in events if e.kind == "blink"]
        donors = collect_donors(video, landmarks=lm, closure=original.closure, spans=blinks)
        implant_spasms(
            video, dst, landmarks=lm, schedule=schedule, donors=donors, closure=original.closure
        )
    truth = tuple(sorted((*events, *schedule.events), key=lambda e: e.start_s))
    return ImplantedVideo(
        path=dst, side=side, truth=outside_spans(truth, excluded), excluded=excluded
    )
