"""The standard synthetic evaluation suite: fixed cases, analysed end to end, scored against truth.

Used by the accuracy tests (tests/test_accuracy.py) and by ``benchmarks/accuracy.py``, which prints
the figures quoted in the README. Seeds are fixed, so a change in a figure is a change in the code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hemispasm.analysis.evaluation import KindScore, match_events
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import Event, EventKind, Side
from hemispasm.pipeline import Analysis, analyze_video
from hemispasm.synth.generate import (
    TRUTH_NAME,
    VIDEO_STEM,
    load_truth_events,
    make_synthetic_video,
)


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


def _cases(first_seed: int, spasms: bool, plan: Sequence[tuple[float, tuple[int, int], float]]):
    """Cases with consecutive seeds from ``first_seed``, sides alternating, one per plan entry
    (fps, size, head motion)."""
    sides: tuple[Side, Side] = ("left", "right")
    return tuple(
        SuiteCase(first_seed + i, sides[i % 2], fps, size, spasms=spasms, head_motion=motion)
        for i, (fps, size, motion) in enumerate(plan)
    )


VGA, HD = (640, 480), (1280, 720)
_SPASM_PLAN = (
    (15, VGA, 1.0),
    (18, HD, 1.5),
    (24, VGA, 1.0),
    (24, HD, 2.0),
    (30, VGA, 1.0),
    (30, HD, 1.0),
    (30, VGA, 2.5),
    (30, VGA, 1.5),
    (60, VGA, 1.0),
    (60, HD, 2.0),
)
_CONTROL_PLAN = (
    (6, VGA, 1.0),
    (8, HD, 1.5),
    (15, VGA, 2.0),
    (24, VGA, 1.0),
    (30, HD, 2.5),
    (30, VGA, 1.0),
    (60, VGA, 1.5),
)

# Realistic videos (blinks unequal between the eyes, expressions, glasses, side light, several
# faces; see hemispasm.synth.schedule and .expressions). Development seeds may be looked at and
# tuned on; held-back seeds are only ever scored, never tuned on, and reported apart. Seeds
# 5001-5010 and 6001-6007 were the held-back range until 2026-12-07; once their misses had been
# looked at they became development seeds, as did a set of 15 and 18 fps videos (3001-3010,
# 3501-3506) made to study low frame rates. The held-back seeds are 7001-7010 and 8001-8007,
# drawn and scored once when the decision of 2026-12-07 was settled, and 9001-9010 and
# 9501-9507, drawn after one more change that was then undone.
_LOW_FPS_PLAN = tuple(
    (fps, size, motion)
    for fps in (15, 18)
    for size, motion in ((VGA, 1.0), (HD, 1.5), (VGA, 2.0), (VGA, 1.0), (HD, 1.0))
)
DEV_SPASM_CASES = (
    _cases(1001, True, _SPASM_PLAN)
    + _cases(5001, True, _SPASM_PLAN)
    + _cases(3001, True, _LOW_FPS_PLAN)
)
DEV_CONTROL_CASES = (
    _cases(2001, False, _CONTROL_PLAN)
    + _cases(6001, False, _CONTROL_PLAN)
    + _cases(3501, False, _LOW_FPS_PLAN[:6])
)
HELD_BACK_SPASM_CASES = _cases(7001, True, _SPASM_PLAN) + _cases(9001, True, _SPASM_PLAN)
HELD_BACK_CONTROL_CASES = _cases(8001, False, _CONTROL_PLAN) + _cases(9501, False, _CONTROL_PLAN)
MIN_SPASM_FPS = AnalysisParams().min_spasm_fps
"""Below this frame rate spasms are not counted (see hemispasm.analysis.events)."""


@dataclass(frozen=True, eq=False)
class CaseRun:
    """A suite case after generation and analysis."""

    case: SuiteCase
    truth: tuple[Event, ...]
    analysis: Analysis

    def score(self, kind: EventKind) -> KindScore:
        """This video's matching figures for one event kind."""
        return match_events(self.analysis.events, self.truth, kind=kind)


def run_case(
    case: SuiteCase,
    root: Path,
    *,
    workers: int = 2,
    use_cache: bool = False,
    reuse: bool = False,
) -> CaseRun:
    """Generate the case's video under ``root`` and analyse it with the full pipeline.

    With ``reuse``, a video already in its folder from an earlier run of the same case (its
    truth.json names the same seed, side, frame rate and size) is analysed again as it is.
    """
    folder = root / case.name
    if reuse and _made_before(case, folder):
        analysis = analyze_video(folder / f"{VIDEO_STEM}.mp4", workers=workers, use_cache=use_cache)
        return CaseRun(case=case, truth=load_truth_events(folder / TRUTH_NAME), analysis=analysis)
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
    analysis = analyze_video(synth.video_path, workers=workers, use_cache=use_cache)
    return CaseRun(case=case, truth=tuple(synth.truth.events), analysis=analysis)


def _made_before(case: SuiteCase, folder: Path) -> bool:
    try:
        truth = json.loads((folder / TRUTH_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    same = (truth.get("seed"), truth.get("side"), truth.get("fps"), truth.get("spasms")) == (
        case.seed,
        case.side,
        float(case.fps),
        case.spasms,
    )
    return same and (folder / f"{VIDEO_STEM}.mp4").is_file()


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
