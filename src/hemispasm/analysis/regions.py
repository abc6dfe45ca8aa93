"""Which face regions moved: robust z-scores of the brow, cheek and mouth-corner signals.

Each region signal is compared with its own rolling median and scaled by its own robust noise.
The score is signed towards the movement a hemifacial spasm makes, so that only that movement
counts as spread: the cheek is raised (its signal, the cheek's height below the eye, gets
smaller) and the mouth corner is pulled up and out (its signal gets larger). The brow may be
lowered (orbicularis) or raised (frontalis) in a spasm, so its score is the absolute deviation.
"""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import MAD_TO_SD, rolling_level
from hemispasm.analysis.types import SIDES, Measurements, Region, Side, SidePair

REGION_SIGNALS: tuple[tuple[Region, str, int], ...] = (
    ("brow", "brow", 0),
    ("cheek", "cheek", -1),
    ("mouth", "mouth_corner", 1),
)
"""(region, Measurements attribute, sign): +1 or -1 scores the deviation in that direction as
movement (the opposite direction scores negative); 0 scores its absolute value."""

RegionZ = dict[Region, dict[Side, np.ndarray]]


def region_z_scores(measurements: Measurements, params: AnalysisParams) -> RegionZ:
    """Robust z-score of each region signal, per side, signed as in :data:`REGION_SIGNALS`.

    Parameters
    ----------
    measurements : Measurements
        ``brow``, ``cheek``, ``mouth_corner`` and ``usable``, arrays of shape (T,).
    params : AnalysisParams
        Uses ``baseline_window_s``, ``baseline_step_s`` (the rolling median) and
        ``region_noise_floor_iod`` (the smallest noise a signal is given).

    Returns
    -------
    dict
        ``{region: {side: z}}`` with float64 arrays of shape (T,), NaN where unusable; large and
        positive where the region made the spasm's movement.
    """
    t = measurements.timestamps_s
    out: RegionZ = {}
    for region, attribute, sign in REGION_SIGNALS:
        pair: SidePair = getattr(measurements, attribute)
        out[region] = {}
        for side in SIDES:
            x = np.where(measurements.usable, pair.side(side), np.nan)
            level = rolling_level(
                t,
                x,
                window_s=params.baseline_window_s,
                step_s=params.baseline_step_s,
                percentile=50.0,
            )
            dev = x - level
            sd = params.region_noise_floor_iod
            if np.isfinite(dev).any():
                mad = float(np.nanmedian(np.abs(dev - np.nanmedian(dev))))
                sd = max(sd, MAD_TO_SD * mad)
            out[region][side] = (np.abs(dev) if sign == 0 else sign * dev) / sd
    return out


def peak_z(z: np.ndarray, frames: np.ndarray) -> float:
    """Largest finite ``z`` over the boolean mask ``frames`` (T,), at least 0 (no movement)."""
    vals = z[frames]
    vals = vals[np.isfinite(vals)]
    return max(0.0, float(vals.max())) if vals.size else 0.0
