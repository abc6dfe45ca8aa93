"""Accuracy bars of the analysis engine on synthetic videos with known ground truth.

Every video runs the whole pipeline: decoding, the real face model, measurements, events. Matching
rule: one-to-one within a kind, largest time overlap first, intervals widened by 0.1 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.synth.suite import (
    BAR_CASES,
    CONTROL_CASES,
    HEAD_MOTION_CASES,
    LOW_FPS_CASES,
    CaseRun,
    describe,
    pooled_score,
    run_case,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def bar_runs(synth_dir: Path) -> list[CaseRun]:
    return [run_case(case, synth_dir) for case in BAR_CASES]


@pytest.fixture(scope="session")
def control_runs(synth_dir: Path) -> list[CaseRun]:
    return [run_case(case, synth_dir) for case in CONTROL_CASES]


def test_spasm_events_reach_f1_095(bar_runs: list[CaseRun]) -> None:
    score = pooled_score(bar_runs, "spasm")
    assert score.f1 >= 0.95, f"spasm F1 {score.f1:.3f}\n{describe(bar_runs, 'spasm')}"


def test_blink_events_reach_f1_095(bar_runs: list[CaseRun]) -> None:
    score = pooled_score(bar_runs, "blink")
    assert score.f1 >= 0.95, f"blink F1 {score.f1:.3f}\n{describe(bar_runs, 'blink')}"


def test_every_matched_spasm_has_the_true_side(bar_runs: list[CaseRun]) -> None:
    assert pooled_score(bar_runs, "spasm").side_errors == ()


def test_the_affected_side_is_right_in_every_video(bar_runs: list[CaseRun]) -> None:
    wrong = [r.case.name for r in bar_runs if r.analysis.metrics.affected_side != r.case.side]
    assert wrong == []


def test_videos_of_blinks_and_head_motion_have_no_spasm(control_runs: list[CaseRun]) -> None:
    spasms = [
        (r.case.name, e.start_s)
        for r in control_runs
        for e in r.analysis.events
        if e.kind == "spasm"
    ]
    assert spasms == []
    assert all(r.analysis.metrics.affected_side is None for r in control_runs)
    assert pooled_score(control_runs, "blink").f1 >= 0.95, describe(control_runs, "blink")


def test_a_restless_head_gives_no_false_spasm_and_loses_none(synth_dir: Path) -> None:
    runs = [run_case(case, synth_dir) for case in HEAD_MOTION_CASES]
    controls = [r for r in runs if not r.case.spasms]
    assert [e for r in controls for e in r.analysis.events if e.kind == "spasm"] == []
    patients = [r for r in runs if r.case.spasms]
    assert pooled_score(patients, "spasm").f1 >= 0.95, describe(patients, "spasm")
    assert pooled_score(runs, "blink").f1 >= 0.95, describe(runs, "blink")
    assert all(r.analysis.metrics.affected_side == r.case.side for r in patients)


def test_it_degrades_gracefully_at_15_fps(synth_dir: Path) -> None:
    runs = [run_case(case, synth_dir) for case in LOW_FPS_CASES]
    assert pooled_score(runs, "spasm").f1 >= 0.8, describe(runs, "spasm")
    assert all(r.analysis.metrics.affected_side == r.case.side for r in runs)


def test_grades_are_labelled_as_estimates(bar_runs: list[CaseRun]) -> None:
    grades = bar_runs[0].analysis.grades
    assert "estimate" in grades.caveat.lower()
    assert grades.smc_grade.rule and grades.jankovic_severity.rule
