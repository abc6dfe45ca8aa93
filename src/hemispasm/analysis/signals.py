"""Small pure helpers over per-frame signals sampled at (possibly variable) frame times.

Every helper takes times in seconds, works on copies and returns new float64 arrays; NaN marks a
missing sample. They are written in seconds rather than frame counts so that the same parameters
work at 15, 24, 30 or 60 fps and on variable-frame-rate phone videos.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

MAD_TO_SD = 1.4826
"""Median absolute deviation to standard deviation, for normally distributed noise."""


def median_frame_interval(timestamps_s: np.ndarray) -> float:
    """Median time between consecutive frames (s); 1/30 s when there are fewer than two frames."""
    if timestamps_s.size < 2:
        return 1.0 / 30.0
    return float(np.median(np.diff(timestamps_s)))


def frame_durations(timestamps_s: np.ndarray) -> np.ndarray:
    """Time each frame stands for (s), shape (T,).

    The interval to the next frame, capped at three median intervals (a dropped stretch is not
    credited to the frame before it); the last frame gets the median interval.
    """
    n = timestamps_s.size
    if n == 0:
        return np.zeros(0)
    dt = median_frame_interval(timestamps_s)
    out = np.full(n, dt)
    if n > 1:
        out[:-1] = np.minimum(np.diff(timestamps_s), 3.0 * dt)
    return out


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of the True runs of a boolean array (T,)."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def fill_short_gaps(timestamps_s: np.ndarray, x: np.ndarray, *, max_gap_s: float) -> np.ndarray:
    """Linear interpolation over NaN gaps lasting at most ``max_gap_s``.

    A gap lasts from its first missing frame to the next present one. Gaps at the ends of the
    signal, and longer gaps, stay NaN.
    """
    out = np.array(x, dtype=np.float64)
    for a, b in runs(~np.isfinite(out)):
        if a == 0 or b == out.size:
            continue
        t0, t1 = timestamps_s[a - 1], timestamps_s[b]
        if t1 - timestamps_s[a] > max_gap_s + 1e-9:
            continue
        frac = (timestamps_s[a:b] - t0) / (t1 - t0)
        out[a:b] = out[a - 1] + frac * (out[b] - out[a - 1])
    return out


def smooth(timestamps_s: np.ndarray, x: np.ndarray, *, sigma_s: float) -> np.ndarray:
    """Gaussian smoothing with standard deviation ``sigma_s``, separately within each finite run.

    The kernel width in frames is ``sigma_s`` over the median frame interval; below half a frame
    the signal is returned unchanged.
    """
    out = np.array(x, dtype=np.float64)
    sigma_frames = sigma_s / median_frame_interval(timestamps_s)
    if sigma_frames < 0.5:
        return out
    for a, b in runs(np.isfinite(out)):
        if b - a >= 2:
            out[a:b] = gaussian_filter1d(out[a:b], sigma_frames, mode="nearest")
    return out


def rolling_level(
    timestamps_s: np.ndarray,
    x: np.ndarray,
    *,
    window_s: float,
    step_s: float,
    percentile: float,
    open_band: float | None = None,
    min_samples: int = 5,
) -> np.ndarray:
    """A slowly varying level of ``x`` (T,): a percentile over a centred window, interpolated.

    The level is computed at anchor times every ``step_s`` over the samples within ``window_s / 2``
    of the anchor, then linearly interpolated to every frame (held constant past the first and last
    anchors). Anchors with fewer than ``min_samples`` finite samples are skipped. With
    ``open_band``, the level is the median of the samples at or above ``(1 - open_band)`` times the
    percentile (used for the open-eye aperture: the eye at rest rather than at its widest).

    Returns NaN everywhere when no anchor has enough samples.
    """
    n = timestamps_s.size
    out = np.full(n, np.nan)
    ok = np.isfinite(x)
    if n == 0 or not ok.any():
        return out
    t_ok = timestamps_s[ok]
    x_ok = np.asarray(x, dtype=np.float64)[ok]
    t0, t1 = float(timestamps_s[0]), float(timestamps_s[-1])
    anchors = np.arange(t0, t1 + step_s, step_s)
    lo = np.searchsorted(t_ok, anchors - window_s / 2.0, side="left")
    hi = np.searchsorted(t_ok, anchors + window_s / 2.0, side="right")
    levels = np.full(anchors.size, np.nan)
    need = min(min_samples, x_ok.size)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        if b - a < need:
            continue
        vals = x_ok[a:b]
        level = float(np.percentile(vals, percentile))
        if open_band is not None:
            level = float(np.median(vals[vals >= (1.0 - open_band) * level]))
        levels[i] = level
    good = np.isfinite(levels)
    if not good.any():
        return out
    return np.interp(timestamps_s, anchors[good], levels[good])


_Q25_ABS_NORMAL = 0.31863936396437514
"""The 25th percentile of |Z| for a standard normal Z."""


def diff_noise_sd(x: np.ndarray) -> float:
    """Robust standard deviation of white frame-to-frame noise in ``x`` (0.0 if too few samples).

    The 25th percentile of ``|x[t+1] - x[t]|`` over consecutive finite samples, scaled to a
    standard deviation of ``x`` for Gaussian noise: insensitive to slow changes and to events
    even when they touch up to about half of the differences (at 8-10 fps a video with frequent
    blinks has a blink in a quarter of its frame pairs, which inflates a median).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(diff_noise_sd(rng.normal(0.0, 0.01, 20000)), 3)
    0.01
    """
    d = np.diff(np.asarray(x, dtype=np.float64))
    d = d[np.isfinite(d)]
    if d.size < 3:
        return 0.0
    return float(np.percentile(np.abs(d), 25.0) / (_Q25_ABS_NORMAL * np.sqrt(2.0)))


def crossing_time(timestamps_s: np.ndarray, x: np.ndarray, i: int, j: int, level: float) -> float:
    """Time where ``x`` crosses ``level`` between frames ``i`` and ``j``, linearly interpolated.

    Falls back to the time of frame ``j`` when either sample is missing or they are equal.
    """
    xi, xj = x[i], x[j]
    if not (np.isfinite(xi) and np.isfinite(xj)) or xi == xj:
        return float(timestamps_s[j])
    frac = float(np.clip((level - xi) / (xj - xi), 0.0, 1.0))
    return float(timestamps_s[i] + frac * (timestamps_s[j] - timestamps_s[i]))
