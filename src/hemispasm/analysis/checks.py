"""Argument checks shared by the analysis stages: the wrong kind is a TypeError, naming it."""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.params import AnalysisParams, InvalidParameterTypeError
from hemispasm.analysis.types import SIDES, Measurements, SidePair


def check_params(params: AnalysisParams | None) -> AnalysisParams:
    """``params``, or the defaults when None; TypeError for anything else."""
    if params is None:
        return AnalysisParams()
    if not isinstance(params, AnalysisParams):
        raise InvalidParameterTypeError(
            f"params must be an AnalysisParams, but got {type(params).__name__}"
        )
    return params


def check_type(name: str, value: object, expected: type) -> None:
    """TypeError naming ``name`` unless ``value`` is an instance of ``expected``."""
    if not isinstance(value, expected):
        raise InvalidParameterTypeError(
            f"{name} must be a {expected.__name__}, but got {type(value).__name__}"
        )


def check_closure(closure: SidePair, measurements: Measurements) -> None:
    """TypeError or ValueError unless ``closure`` is a SidePair of arrays shaped (T,)."""
    check_type("measurements", measurements, Measurements)
    check_type("closure", closure, SidePair)
    n = measurements.n_frames
    for side in SIDES:
        shape = np.shape(closure.side(side))
        if shape != (n,):
            raise ValueError(f"closure.{side} must have shape ({n},), but got {shape}")
