"""The README states the grade rules and exit codes the code actually uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.analysis.grading import estimate_grades
from hemispasm.analysis.types import Metrics
from hemispasm.cli import EXIT_CODES, EXIT_INTERNAL

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_it_opens_with_the_two_setup_commands() -> None:
    head = README[:400]
    assert "make demo" in head and "make test" in head


def _rules() -> list[str]:
    quiet = Metrics(
        affected_side=None,
        usable_duration_s=30.0,
        spasms_per_min=0.0,
        blinks_per_min=10.0,
        spasm_count=0,
        blink_count=5,
        tonic_spasm_count=0,
        pct_time_affected_eye_half_closed=0.0,
        mean_spasm_duration_s=None,
        longest_spasm_s=None,
        longest_tonic_spasm_s=None,
        region_involvement={},
        asymmetry_index=0.0,
    )
    g = estimate_grades(quiet)
    return [x.rule for x in (g.jankovic_severity, g.jankovic_frequency, g.smc_grade)]


@pytest.mark.parametrize("rule", _rules())
def test_it_documents_each_grade_rule_word_for_word(rule: str) -> None:
    assert rule in README


def test_it_has_no_placeholder_left() -> None:
    assert "MEASURED_FIGURES" not in README


def test_it_documents_the_internal_error_code() -> None:
    assert f"| {EXIT_INTERNAL} |" in README


@pytest.mark.parametrize(("error", "code"), list(EXIT_CODES.items()))
def test_it_documents_each_exit_code(error: type, code: int) -> None:
    assert f"| {code} |" in README and f"`{error.__name__}`" in README
