"""Each eye's closure against its own open-eye level, and the thresholds that eye uses.

FaceMesh under-reads lid closure (about 0.67 of the true closure on our synthetic videos), so a full
closure reads about 0.6-0.7; the default thresholds assume that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemispasm.analysis.checks import check_params, check_type
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import diff_noise_sd, rolling_level
from hemispasm.analysis.types import SIDES, Measurements, Side, SidePair

_MAX_REST = 0.45
_MAX_ON = 0.9


@dataclass(frozen=True)
class Thresholds:
    """The closure thresholds one eye actually used (the parameters, raised above its noise)."""

    rest: float
    on: float
    noise_sd: float


def compute_closure(measurements: Measurements, params: AnalysisParams | None = None) -> SidePair:
    """Each eye's closure relative to its own open-eye aperture.

    The open-eye aperture of an eye is re-estimated every ``baseline_step_s`` over a centred
    window of ``baseline_window_s``: the ``baseline_percentile`` of the aperture marks an open
    eye, and the median of the apertures within ``baseline_open_band`` below it is the eye at rest.
    Closure is ``1 - aperture / open_aperture``, clipped to [0, 1].

    Parameters
    ----------
    measurements : Measurements
        ``aperture`` (T,) per side and ``usable`` (T,).
    params : AnalysisParams, optional
        Defaults to ``AnalysisParams()``.

    Returns
    -------
    SidePair
        float64 arrays of shape (T,): 0 = open as at rest, 1 = aperture zero; NaN where the frame is
        unusable.

    Raises
    ------
    TypeError
        If ``measurements`` is not a :class:`Measurements` or ``params`` not an AnalysisParams.

    Examples
    --------
    >>> import numpy as np
    >>> from hemispasm.analysis.types import SidePair
    >>> t = np.arange(300) / 30.0
    >>> a = np.full(300, 0.3)
    >>> a[100:106] = 0.1
    >>> nan = np.full(300, np.nan)
    >>> m = Measurements(t, SidePair(a, a), SidePair(nan, nan), SidePair(nan, nan),
    ...                  SidePair(nan, nan), nan, nan, nan, np.ones(300, bool), np.ones(300, bool))
    >>> c = compute_closure(m)
    >>> float(c.left[0]), round(float(c.left[103]), 3)
    (0.0, 0.667)
    """
    check_type("measurements", measurements, Measurements)
    params = check_params(params)
    t = measurements.timestamps_s
    out: dict[Side, np.ndarray] = {}
    for side in SIDES:
        aperture = np.where(measurements.usable, measurements.aperture.side(side), np.nan)
        level = rolling_level(
            t,
            aperture,
            window_s=params.baseline_window_s,
            step_s=params.baseline_step_s,
            percentile=params.baseline_percentile,
            open_band=params.baseline_open_band,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            closure = np.where(level > 0, 1.0 - aperture / level, np.nan)
        closure = np.clip(closure, 0.0, 1.0)
        closure.setflags(write=False)
        out[side] = closure
    return SidePair(left=out["left"], right=out["right"])


def closure_thresholds(
    measurements: Measurements, side: Side, params: AnalysisParams | None = None
) -> Thresholds:
    """Rest and start thresholds of one eye: the parameters, raised above that eye's noise.

    The noise is the robust frame-to-frame noise of the aperture over its open level (90th
    percentile); rest is at least ``closure_noise_k`` noise standard deviations, and the start
    threshold at least twice the rest threshold.
    """
    params = check_params(params)
    aperture = np.where(measurements.usable, measurements.aperture.side(side), np.nan)
    noise = 0.0
    if np.isfinite(aperture).sum() >= 3:
        open_level = float(np.nanpercentile(aperture, 90))
        if open_level > 0:
            noise = diff_noise_sd(aperture) / open_level
    rest = min(max(params.closure_rest, params.closure_noise_k * noise), _MAX_REST)
    on = min(max(params.closure_on, 2.0 * rest), _MAX_ON)
    return Thresholds(rest=rest, on=on, noise_sd=noise)
