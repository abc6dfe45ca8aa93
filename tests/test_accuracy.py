"""Accuracy on realistic synthetic videos with known ground truth (held-back seeds, slow).

Every video runs the whole pipeline: generation, decoding, the real face model, measurements,
events. Matching rule: one-to-one within a kind, largest time overlap first, intervals widened by
0.1 s. The cases are a part of the held-back seeds of ``hemispasm.synth.suite`` (the full set and
the development seeds are in ``benchmarks/accuracy.py``; figures in the README). The thresholds
below are the figures measured on these seeds with a small margin, so that a change that makes
the analysis worse fails here; issue 10's own bars (spasm F1 0.97, partial recall 0.9) are not
met on the full held-back set, as the README says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.synth.suite import (
    HELD_BACK_CONTROL_CASES,
    HELD_BACK_SPASM_CASES,
    CaseRun,
    describe,
    pooled_score,
    run_case,
)

pytestmark = pytest.mark.slow

PATIENT_SEEDS = (7003, 7005, 7006, 7009)  # 24, 30, 30 (720p) and 60 fps
CONTROL_SEEDS = (8003, 8004, 8006)  # 15, 24 and 30 fps


@pytest.fixture(scope="session")
def patients(synth_dir: Path) -> list[CaseRun]:
    cases = [c for c in HELD_BACK_SPASM_CASES if c.seed in PATIENT_SEEDS]
    return [run_case(case, synth_dir) for case in cases]


@pytest.fixture(scope="session")
def controls(synth_dir: Path) -> list[CaseRun]:
    cases = [c for c in HELD_BACK_CONTROL_CASES if c.seed in CONTROL_SEEDS]
    return [run_case(case, synth_dir) for case in cases]


def test_spasms_are_found_with_f1_of_at_least_093(patients: list[CaseRun]) -> None:
    score = pooled_score(patients, "spasm")
    assert score.f1 >= 0.93, f"spasm F1 {score.f1:.3f}\n{describe(patients, 'spasm')}"


def test_every_matched_spasm_has_the_true_side(patients: list[CaseRun]) -> None:
    assert pooled_score(patients, "spasm").side_errors == ()


def test_the_affected_side_is_right_in_every_patient_video(patients: list[CaseRun]) -> None:
    wrong = [r.case.name for r in patients if r.analysis.metrics.affected_side != r.case.side]
    assert wrong == []


def test_blinks_are_found_with_f1_of_at_least_095(patients: list[CaseRun]) -> None:
    score = pooled_score(patients, "blink")
    assert score.f1 >= 0.95, f"blink F1 {score.f1:.3f}\n{describe(patients, 'blink')}"


def test_healthy_faces_get_no_side_and_at_most_one_false_spasm(controls: list[CaseRun]) -> None:
    # Issue 10's bar is no spasm at all on the controls. It is not met: on these held-back seeds
    # one 15 fps control (8003) gets one single-frame "partial spasm" at 20.0 s. This test holds
    # the line where it is; the README reports the shortfall.
    spasms = [
        (r.case.name, round(e.start_s, 2), e.side)
        for r in controls
        for e in r.analysis.events
        if e.kind == "spasm"
    ]
    assert len(spasms) <= 1, spasms
    assert all(r.analysis.metrics.affected_side is None for r in controls)
    assert pooled_score(controls, "blink").f1 >= 0.9, describe(controls, "blink")


def test_every_event_says_how_sure_it_is_and_why(patients: list[CaseRun]) -> None:
    for r in patients:
        for e in r.analysis.events:
            assert e.confidence is not None and 0.0 <= e.confidence <= 1.0
            assert e.evidence is not None and e.reason
            assert e.type in (
                ("twitch", "partial", "burst", "tonic")
                if e.kind == "spasm"
                else (
                    "complete",
                    "incomplete",
                )
            )


def test_grades_are_labelled_as_estimates(patients: list[CaseRun]) -> None:
    grades = patients[0].analysis.grades
    assert "estimate" in grades.caveat.lower()
    assert grades.smc_grade.rule and grades.jankovic_severity.rule
