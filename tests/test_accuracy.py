"""Accuracy bars of the analysis engine on synthetic videos with known ground truth.

Every video runs the whole pipeline: decoding, the real face model, measurements, events. Seeds are
fixed, so a change in a figure is a change in the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from hemispasm.analysis.evaluation import KindScore, match_events
from hemispasm.analysis.types import Event
from hemispasm.pipeline import Analysis, analyze_video
from hemispasm.synth.generate import SynthResult, make_synthetic_video

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Case:
    seed: int
    side: str
    fps: float
    size: tuple[int, int]
    duration_s: float = 30.0
    spasms: bool = True

    @property
    def name(self) -> str:
        w, h = self.size
        kind = "spasm" if self.spasms else "control"
        return f"{kind}-s{self.seed}-{self.side}-{self.fps:g}fps-{w}x{h}"


# Several seeds, both sides, 24/30/60 fps and two resolutions.
BAR_CASES = [
    Case(101, "left", 24, (640, 480)),
    Case(102, "right", 24, (1280, 720)),
    Case(103, "right", 30, (640, 480)),
    Case(104, "left", 30, (1280, 720)),
    Case(105, "left", 60, (640, 480), duration_s=20),
    Case(106, "right", 60, (1280, 720), duration_s=20),
    Case(107, "left", 30, (640, 480)),
    Case(108, "right", 30, (640, 480)),
]
CONTROL = Case(201, "left", 30, (640, 480), spasms=False)
LOW_FPS = Case(301, "right", 15, (640, 480))


@dataclass(frozen=True)
class Run:
    case: Case
    synth: SynthResult
    analysis: Analysis

    @property
    def truth(self) -> tuple[Event, ...]:
        return tuple(Event.from_dict(e) for e in self.synth.truth["events"])


def _run(case: Case, root: Path) -> Run:
    synth = make_synthetic_video(
        root / case.name,
        seed=case.seed,
        side=case.side,
        fps=case.fps,
        size=case.size,
        duration_s=case.duration_s,
        spasms=case.spasms,
    )
    return Run(case, synth, analyze_video(synth.video_path, workers=2))


@pytest.fixture(scope="session")
def bar_runs(synth_dir: Path) -> list[Run]:
    return [_run(case, synth_dir) for case in BAR_CASES]


def _pooled(runs: list[Run], kind: str) -> KindScore:
    scores = [match_events(r.analysis.events, r.truth, kind=kind) for r in runs]  # type: ignore[arg-type]
    return KindScore(
        kind=kind,  # type: ignore[arg-type]
        matches=tuple(m for s in scores for m in s.matches),
        false_positives=tuple(e for s in scores for e in s.false_positives),
        false_negatives=tuple(e for s in scores for e in s.false_negatives),
    )


def _describe(runs: list[Run], kind: str) -> str:
    lines = []
    for r in runs:
        s = match_events(r.analysis.events, r.truth, kind=kind)  # type: ignore[arg-type]
        lines.append(
            f"{r.case.name}: tp={len(s.matches)} fp={[(e.start_s, e.side) for e in s.false_positives]}"
            f" fn={[(e.start_s, e.side) for e in s.false_negatives]}"
        )
    return "\n".join(lines)


def test_spasm_events_reach_f1_095(bar_runs: list[Run]) -> None:
    score = _pooled(bar_runs, "spasm")
    assert score.f1 >= 0.95, f"spasm F1 {score.f1:.3f}\n{_describe(bar_runs, 'spasm')}"


def test_blink_events_reach_f1_095(bar_runs: list[Run]) -> None:
    score = _pooled(bar_runs, "blink")
    assert score.f1 >= 0.95, f"blink F1 {score.f1:.3f}\n{_describe(bar_runs, 'blink')}"


def test_every_matched_spasm_has_the_true_side(bar_runs: list[Run]) -> None:
    assert _pooled(bar_runs, "spasm").side_errors == ()


def test_the_affected_side_is_right_in_every_video(bar_runs: list[Run]) -> None:
    wrong = [r.case.name for r in bar_runs if r.analysis.metrics.affected_side != r.case.side]
    assert wrong == []


def test_a_video_of_blinks_and_head_motion_has_no_spasm(synth_dir: Path) -> None:
    run = _run(CONTROL, synth_dir)
    spasms = [e for e in run.analysis.events if e.kind == "spasm"]
    assert spasms == []
    assert run.analysis.metrics.affected_side is None
    assert match_events(run.analysis.events, run.truth, kind="blink").f1 >= 0.9


def test_it_degrades_gracefully_at_15_fps(synth_dir: Path) -> None:
    run = _run(LOW_FPS, synth_dir)
    spasm = match_events(run.analysis.events, run.truth, kind="spasm")
    assert spasm.f1 >= 0.8, _describe([run], "spasm")
    assert run.analysis.metrics.affected_side == LOW_FPS.side
