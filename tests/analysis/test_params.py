"""AnalysisParams: frozen, keyword-only, validated with the parameter named in the message."""

from __future__ import annotations

import dataclasses

import pytest

from hemispasm.analysis.params import AnalysisParams, InvalidParameterTypeError
from hemispasm.errors import InvalidParameterError


def test_the_defaults_are_valid_and_recorded_as_floats() -> None:
    d = AnalysisParams().to_dict()
    assert d["merge_gap_s"] == 0.03
    assert all(isinstance(v, float) for v in d.values())


def test_it_is_frozen_and_keyword_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        AnalysisParams().merge_gap_s = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        AnalysisParams(0.1)  # type: ignore[misc]


def test_it_rejects_a_string_as_a_type_error() -> None:
    with pytest.raises(TypeError, match="closure_on must be a number, but got 'high'"):
        AnalysisParams(closure_on="high")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterTypeError):
        AnalysisParams(tonic_min_s=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"merge_gap_s": -0.1}, r"merge_gap_s must be >= 0, but got -0.1"),
        ({"baseline_percentile": 120.0}, r"baseline_percentile must be in \[50, 100\]"),
        ({"closure_on": 1.0}, r"closure_on must be in \(0, 1\), but got 1.0"),
        ({"baseline_window_s": 0.0}, r"baseline_window_s must be in \(0, inf\]"),
        ({"tonic_min_s": float("nan")}, r"tonic_min_s must be finite"),
        ({"closure_rest": 0.3, "closure_on": 0.2}, r"closure_rest must be below closure_on"),
    ],
)
def test_it_rejects_impossible_values(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        AnalysisParams(**kwargs)
    with pytest.raises(ValueError, match=message):
        AnalysisParams(**kwargs)
