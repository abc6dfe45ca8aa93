"""estimate_grades: documented, monotone rules."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemispasm.analysis.grading import CAVEAT, estimate_grades
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import Grades, Metrics

NONE = Metrics(
    affected_side=None,
    usable_duration_s=60.0,
    spasms_per_min=0.0,
    blinks_per_min=15.0,
    spasm_count=0,
    blink_count=15,
    tonic_spasm_count=0,
    pct_time_affected_eye_half_closed=0.0,
    mean_spasm_duration_s=None,
    longest_spasm_s=None,
    longest_tonic_spasm_s=None,
    region_involvement={"eye": 0.0, "brow": 0.0, "cheek": 0.0, "mouth": 0.0},
    asymmetry_index=0.0,
)


def spasms(**kw) -> Metrics:
    base = dict(
        affected_side="left",
        spasm_count=10,
        spasms_per_min=10.0,
        mean_spasm_duration_s=0.3,
        longest_spasm_s=0.5,
        max_spasm_peak_closure=0.4,
        pct_time_affected_eye_half_closed=2.0,
        region_involvement={"eye": 1.0, "brow": 0.0, "cheek": 0.0, "mouth": 0.0},
        asymmetry_index=0.8,
    )
    base.update(kw)
    return replace(NONE, **base)


def values(g: Grades) -> tuple:
    return (
        g.jankovic_severity.value,
        g.jankovic_frequency.value,
        g.jankovic_total.value,
        g.smc_grade.value,
    )


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        (NONE, (0, 0, 0, None)),
        (replace(NONE, blinks_per_min=40.0), (1, 1, 2, None)),
        (spasms(), (2, 2, 4, "I")),
        (spasms(max_spasm_peak_closure=0.6), (3, 2, 5, "I")),
        (
            spasms(longest_spasm_s=1.5, tonic_spasm_count=1, tonic_spasms_per_min=0.5),
            (3, 3, 6, "I"),
        ),
        (
            spasms(
                pct_time_affected_eye_half_closed=30.0,
                longest_spasm_s=3.0,
                tonic_spasm_count=1,
                tonic_spasms_per_min=0.5,
            ),
            (4, 3, 7, "I"),
        ),
        # Long from rest to rest (slow ramps) but never sustained closed: not tonic, so not 3.
        (spasms(longest_spasm_s=1.5), (2, 2, 4, "I")),
        (spasms(pct_time_affected_eye_half_closed=60.0, longest_spasm_s=3.0), (4, 4, 8, "I")),
        (
            spasms(region_involvement={"eye": 1.0, "brow": 0.0, "cheek": 0.5, "mouth": 0.3}),
            (2, 2, 4, "II"),
        ),
        (
            spasms(tonic_spasm_count=3, tonic_spasms_per_min=3.0, longest_spasm_s=2.0),
            (3, 3, 6, "III"),
        ),
    ],
)
def test_known_answers(metrics: Metrics, expected: tuple) -> None:
    assert values(estimate_grades(metrics)) == expected


def test_every_estimate_carries_its_rule_and_the_caveat() -> None:
    g = estimate_grades(spasms())
    assert g.caveat == CAVEAT and "not replace" in CAVEAT
    for est in (g.jankovic_severity, g.jankovic_frequency, g.jankovic_total, g.smc_grade):
        assert len(est.rule) > 20
    assert "IV" in g.smc_grade.rule
    assert "50%" in g.jankovic_frequency.rule


def test_the_rules_quote_the_parameters_in_use() -> None:
    g = estimate_grades(spasms(), AnalysisParams(severe_closed_pct=40.0))
    assert "40%" in g.jankovic_severity.rule


_SMC = {None: 0, "I": 1, "II": 2, "III": 3}

metric_values = st.fixed_dictionaries(
    {
        "spasm_count": st.integers(0, 50),
        "blinks_per_min": st.floats(0, 60),
        "pct": st.floats(0, 100),
        "longest": st.floats(0, 10),
        "peak": st.floats(0, 1),
        "tonic_rate": st.floats(0, 5),
        "cheek": st.floats(0, 1),
        "mouth": st.floats(0, 1),
    }
)


def build(v: dict) -> Metrics:
    n = v["spasm_count"]
    if n == 0:
        return replace(NONE, blinks_per_min=v["blinks_per_min"])
    tonic = v["tonic_rate"] > 0 and v["longest"] >= 1.0
    return spasms(
        spasm_count=n,
        blinks_per_min=v["blinks_per_min"],
        pct_time_affected_eye_half_closed=v["pct"],
        longest_spasm_s=v["longest"],
        max_spasm_peak_closure=v["peak"],
        tonic_spasm_count=int(tonic),
        tonic_spasms_per_min=v["tonic_rate"] if tonic else 0.0,
        region_involvement={"eye": 1.0, "brow": 0.0, "cheek": v["cheek"], "mouth": v["mouth"]},
    )


def scores(g: Grades) -> tuple[int, int, int, int]:
    return (
        int(g.jankovic_severity.value),  # type: ignore[arg-type]
        int(g.jankovic_frequency.value),  # type: ignore[arg-type]
        int(g.jankovic_total.value),  # type: ignore[arg-type]
        _SMC[g.smc_grade.value],  # type: ignore[index]
    )


@settings(max_examples=200, deadline=None)
@given(v=metric_values, more=metric_values)
def test_more_closure_or_more_spasms_never_lowers_a_grade(v: dict, more: dict) -> None:
    bigger = {k: max(v[k], more[k]) for k in v}
    low, high = scores(estimate_grades(build(v))), scores(estimate_grades(build(bigger)))
    assert all(h >= lo for h, lo in zip(high, low, strict=True)), (v, bigger, low, high)


def test_it_rejects_the_wrong_argument_types() -> None:
    with pytest.raises(TypeError, match="metrics must be a Metrics, but got dict"):
        estimate_grades({})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="params must be an AnalysisParams, but got int"):
        estimate_grades(NONE, 3)  # type: ignore[arg-type]
