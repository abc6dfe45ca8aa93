"""The standard synthetic evaluation suite: fixed cases, analysed end to end, scored against truth.

Used by the accuracy tests (tests/test_accuracy.py) and by ``benchmarks/accuracy.py``, which prints
the figures quoted in the README. Seeds are fixed, so a change in a figure is a change in the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hemispasm.analysis.evaluation import KindScore, match_events
from hemispasm.analysis.types import Event, EventKind, Side
from hemispasm.pipeline import Analysis, analyze_video
from hemispasm.synth.generate import make_synthetic_video


@dataclass(frozen=True)
class SuiteCase:
    """One synthetic video of the suite."""

    seed: int
    side: Side
    fps: float
    size: tuple[int, int]
    duration_s: float = 30.0
    spasms: bool = True
    head_motion: float = 1.0

    @property
    def name(self) -> str:
        """A folder-safe name that says what the video is."""
        w, h = self.size
        kind = "spasm" if self.spasms else "control"
        moving = "" if self.head_motion == 1.0 else f"-motion{self.head_motion:g}"
        return f"{kind}-s{self.seed}-{self.side}-{self.fps:g}fps-{w}x{h}{moving}"


# The bar: several seeds, both sides, 24/30/60 fps and two resolutions.
BAR_CASES: tuple[SuiteCase, ...] = (
    SuiteCase(101, "left", 24, (640, 480)),
    SuiteCase(102, "right", 24, (1280, 720)),
    SuiteCase(103, "right", 30, (640, 480)),
    SuiteCase(104, "left", 30, (1280, 720)),
    SuiteCase(105, "left", 60, (640, 480), duration_s=20),
    SuiteCase(106, "right", 60, (1280, 720), duration_s=20),
    SuiteCase(107, "left", 30, (640, 480)),
    SuiteCase(108, "right", 30, (640, 480)),
)
# Only normal blinks and head motion: no spasm may be reported.
CONTROL_CASES: tuple[SuiteCase, ...] = (
    SuiteCase(201, "left", 30, (640, 480), spasms=False),
    SuiteCase(202, "right", 60, (1280, 720), duration_s=20, spasms=False),
)
# A restless head (about 9 deg yaw, 11 deg roll, 13 % zoom, up to 25 deg/s): turns and nods
# must not look like spasms, and spasms must still be found.
HEAD_MOTION_CASES: tuple[SuiteCase, ...] = (
    SuiteCase(203, "left", 30, (640, 480), spasms=False, head_motion=3.0),
    SuiteCase(109, "left", 30, (640, 480), head_motion=3.0),
    SuiteCase(110, "right", 30, (640, 480), head_motion=3.0),
)
# Below the supported frame rates: must degrade gracefully, not fail.
LOW_FPS_CASES: tuple[SuiteCase, ...] = (SuiteCase(301, "right", 15, (640, 480)),)


@dataclass(frozen=True, eq=False)
class CaseRun:
    """A suite case after generation and analysis."""

    case: SuiteCase
    truth: tuple[Event, ...]
    analysis: Analysis

    def score(self, kind: EventKind) -> KindScore:
        """This video's matching figures for one event kind."""
        return match_events(self.analysis.events, self.truth, kind=kind)


def run_case(case: SuiteCase, root: Path, *, workers: int = 2) -> CaseRun:
    """Generate the case's video under ``root`` and analyse it with the full pipeline."""
    synth = make_synthetic_video(
        root / case.name,
        seed=case.seed,
        side=case.side,
        fps=case.fps,
        size=case.size,
        duration_s=case.duration_s,
        spasms=case.spasms,
        head_motion=case.head_motion,
    )
    analysis = analyze_video(synth.video_path, workers=workers, use_cache=False)
    return CaseRun(case=case, truth=tuple(synth.truth.events), analysis=analysis)


def pooled_score(runs: Sequence[CaseRun], kind: EventKind) -> KindScore:
    """Matching figures of one kind, pooled over several videos (counts added, then F1)."""
    scores = [r.score(kind) for r in runs]
    return KindScore(
        kind=kind,
        matches=tuple(m for s in scores for m in s.matches),
        false_positives=tuple(e for s in scores for e in s.false_positives),
        false_negatives=tuple(e for s in scores for e in s.false_negatives),
    )


def describe(runs: Sequence[CaseRun], kind: EventKind) -> str:
    """One line per video naming its misses, for a failing test's message."""
    lines = []
    for r in runs:
        s = r.score(kind)
        fp = [(round(e.start_s, 2), e.side) for e in s.false_positives]
        fn = [(round(e.start_s, 2), e.side) for e in s.false_negatives]
        lines.append(f"{r.case.name}: matched {len(s.matches)}, false {fp}, missed {fn}")
    return "\n".join(lines)
