"""The README states the grade rules and exit codes the code actually uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.analysis.grading import estimate_grades
from hemispasm.cli import EXIT_CODES, EXIT_INTERNAL
from tests.analysis.test_grading import NONE as NO_SPASMS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_it_opens_with_the_two_setup_commands() -> None:
    head = README[:400]
    assert "make demo" in head and "make test" in head


def _rules() -> list[str]:
    g = estimate_grades(NO_SPASMS)  # the rule texts do not depend on the metrics
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
