"""One eye's closure episodes: stretches where its closure rises from rest past a start threshold.

Hysteresis on the closure (start threshold to reach, rest threshold to cross at both ends), with
stretches separated by less than ``merge_gap_s`` of return to rest merged, so a tonic spasm with
tremor on top is one episode while the twitches of a burst with real pauses stay separate. All
times are in seconds rather than frames, so the rules hold at 15 to 60 fps and with a variable
frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from hemispasm.analysis.checks import check_closure, check_params
from hemispasm.analysis.closure import Thresholds, closure_thresholds
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import (
    crossing_time,
    fill_short_gaps,
    frame_durations,
    median_frame_interval,
    runs,
    smooth,
)
from hemispasm.analysis.types import SIDES, Measurements, Side, SidePair


@dataclass(frozen=True)
class Episode:
    """One eye's closure episode, before the two eyes are compared.

    Times in seconds. ``sustained_s`` is the longest stretch above the start threshold (dips
    shorter than ``merge_gap_s`` bridged); ``area`` is the closure integrated over the episode
    (closure x seconds).
    """

    side: Side
    start_s: float
    end_s: float
    peak_s: float
    peak_closure: float
    sustained_s: float
    area: float
    held: bool = False
    """True for a closure held at least ``held_window_s`` (found on the held part of the
    closure: a tonic spasm, a smile, a look down); False for a brief one (a blink, a twitch)."""
    faint: bool = False
    """True for a brief closure that reached only ``burst_member_on_k`` times the eye's rest
    threshold, not its start threshold: counted only as one more twitch of a burst."""
    whole: bool = False
    """True for a closure found on the whole closure because neither its brief nor its held part
    alone reached the start threshold (one lasting about ``held_window_s``, which the split
    shares between the two); ``held`` then says whether it lasted that long."""

    @property
    def duration_s(self) -> float:
        """End minus start, in seconds."""
        return self.end_s - self.start_s


def detect_episodes(
    measurements: Measurements, closure: SidePair, params: AnalysisParams | None = None
) -> tuple[Episode, ...]:
    """Closure episodes of each eye, sorted by start time.

    An episode is a stretch where the (lightly smoothed) closure stays above the eye's rest
    threshold and somewhere reaches its start threshold; start and end are the interpolated
    crossings of the rest threshold. Episodes less than ``merge_gap_s`` apart are merged. Unusable
    gaps up to ``max_gap_fill_s`` are bridged. An episode whose true extent is unknown is dropped:
    one touching a longer unusable gap, and one touching the first or last frame of the video (it
    may have begun before the recording or gone on after it, so neither its duration nor whether
    it was tonic can be known).

    Parameters
    ----------
    measurements : Measurements
        Timestamps (T,), ``usable`` (T,) and apertures (for the noise level).
    closure : SidePair
        Output of :func:`compute_closure`, arrays of shape (T,).
    params : AnalysisParams, optional
        Defaults to ``AnalysisParams()``.

    Returns
    -------
    tuple of Episode
    """
    check_closure(closure, measurements)
    params = check_params(params)
    out: list[Episode] = []
    for side in SIDES:
        out.extend(_side_episodes(measurements, closure, side, params))
    return tuple(sorted(out, key=lambda e: (e.start_s, e.side)))


def detection_signal(
    measurements: Measurements, closure: SidePair, side: Side, params: AnalysisParams
) -> tuple[np.ndarray, np.ndarray]:
    """(filled, smoothed) closure of one eye as the event detection sees it, arrays (T,).

    Unusable frames are NaN; unusable gaps up to ``max_gap_fill_s`` are bridged linearly, then a
    Gaussian of ``smoothing_s`` is applied.
    """
    t = measurements.timestamps_s
    raw = np.where(measurements.usable, np.asarray(closure.side(side), dtype=np.float64), np.nan)
    filled = fill_short_gaps(t, raw, max_gap_s=params.max_gap_fill_s)
    return filled, smooth(t, filled, sigma_s=params.smoothing_s)


def split_fast_held(
    timestamps_s: np.ndarray, x: np.ndarray, *, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """(fast, held) parts of a closure signal, arrays (T,), with ``fast + held == x``.

    ``held`` is the grey-scale opening of ``x`` over ``window_s``: it follows ``x`` through every
    stretch at least that long (a smile narrowing the eye, a look down, a tonic spasm) and cuts
    off every narrower peak (a blink, a twitch), which is left in ``fast``. NaN stays NaN.

    Examples
    --------
    >>> t = np.arange(60) / 30.0
    >>> x = np.zeros(60); x[10:14] = 0.6; x[30:55] = 0.3
    >>> fast, held = split_fast_held(t, x, window_s=0.5)
    >>> float(fast[12]), float(held[12]), float(fast[40]), float(held[40])
    (0.6, 0.0, 0.0, 0.3)
    """
    finite = np.isfinite(x)
    dt = median_frame_interval(timestamps_s)
    size = max(1, round(window_s / dt)) if dt > 0 else 1
    size += 1 - size % 2
    eroded = minimum_filter1d(np.where(finite, x, np.inf), size, mode="nearest")
    eroded = np.where(np.isfinite(eroded), eroded, -np.inf)
    held = maximum_filter1d(eroded, size, mode="nearest")
    held = np.where(finite & np.isfinite(held), np.minimum(held, np.where(finite, x, 0.0)), np.nan)
    return x - held, held


def _side_episodes(
    measurements: Measurements, closure: SidePair, side: Side, params: AnalysisParams
) -> list[Episode]:
    t = measurements.timestamps_s
    thr = closure_thresholds(measurements, side, params)
    filled, smoothed = detection_signal(measurements, closure, side, params)
    fast, held = split_fast_held(t, smoothed, window_s=params.held_window_s)
    out = _hysteresis_episodes(t, fast, filled, smoothed, side, thr, params, held=False)
    out += _hysteresis_episodes(t, held, filled, smoothed, side, thr, params, held=True)
    for w in _hysteresis_episodes(t, smoothed, filled, smoothed, side, thr, params, held=False):
        if not any(w.start_s < e.end_s and e.start_s < w.end_s for e in out):
            out.append(replace(w, held=w.duration_s >= params.held_window_s, whole=True))
    low = replace(thr, on=min(thr.on, params.burst_member_on_k * thr.rest))
    for w in _hysteresis_episodes(t, fast, filled, smoothed, side, low, params, held=False):
        if not any(w.start_s < e.end_s and e.start_s < w.end_s for e in out):
            out.append(replace(w, faint=True))
    return out


def _hysteresis_episodes(
    t: np.ndarray,
    signal: np.ndarray,
    filled: np.ndarray,
    smoothed: np.ndarray,
    side: Side,
    thr: Thresholds,
    params: AnalysisParams,
    *,
    held: bool,
) -> list[Episode]:
    """Episodes of ``signal``: runs above the rest threshold that reach the start threshold,
    split at deep valleys and merged across short returns to rest. Peak, area and sustained
    time are read off the whole closure (``filled``, ``smoothed``)."""
    n = t.size
    finite = np.isfinite(signal)
    above = finite & (np.where(finite, signal, 0.0) >= thr.rest)

    # Runs above rest, joined across returns to rest shorter than merge_gap_s.
    joined: list[list[int]] = []
    for a, b in runs(above):
        if joined:
            pb = joined[-1][1]
            end = crossing_time(t, signal, pb - 1, pb, thr.rest)
            start = crossing_time(t, signal, a - 1, a, thr.rest)
            if start - end < params.merge_gap_s and finite[pb:a].all():
                joined[-1][1] = b
                continue
        joined.append([a, b])

    # (first frame, stop frame, start_s, end_s, touches an unusable gap)
    spans: list[tuple[int, int, float, float, bool]] = []
    for a0, b0 in joined:
        if np.max(signal[a0:b0]) < thr.on:
            continue
        pieces = _split_at_valleys(signal, a0, b0, thr.on - thr.rest)
        for k, (a, b) in enumerate(pieces):
            if k == 0:
                start = crossing_time(t, signal, a - 1, a, thr.rest) if a > 0 else float(t[a])
            else:
                start = float(t[a])
            if k == len(pieces) - 1:
                end = crossing_time(t, signal, b - 1, b, thr.rest) if b < n else float(t[b - 1])
            else:
                end = float(t[b])
            # Truncated: touches the video's first or last frame, or an unusable gap.
            gap = (k == 0 and (a == 0 or not finite[a - 1])) or (
                k == len(pieces) - 1 and (b == n or not finite[b])
            )
            spans.append((a, b, start, end, gap))

    durations = frame_durations(t)
    out = []
    for a, b, start, end, gap in spans:
        if gap:
            continue
        i = a + int(np.argmax(filled[a:b]))
        out.append(
            Episode(
                side=side,
                start_s=float(start),
                end_s=float(end),
                peak_s=float(t[i]),
                peak_closure=float(filled[i]),
                sustained_s=_longest_sustained(t, smoothed, a, b, thr.on, params.merge_gap_s),
                area=float(np.sum(filled[a:b] * durations[a:b])),
                held=held,
            )
        )
    return out


def _local_maxima(x: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of ``x`` (the first sample of a flat top), its ends included.

    (``scipy.signal.find_peaks`` does this too, but importing ``scipy.signal`` costs every
    analysing process about half a second and 60 MB.)

    Examples
    --------
    >>> _local_maxima(np.array([0.0, 2.0, 1.0, 3.0, 3.0, 0.0, 1.0]))
    array([1, 3, 6])
    """
    padded = np.concatenate([[-np.inf], x, [-np.inf]])
    rising = padded[1:-1] > padded[:-2]
    out = []
    for i in np.flatnonzero(rising):
        j = i
        while j + 1 < x.size and x[j + 1] == x[i]:
            j += 1
        if padded[j + 2] < x[i]:
            out.append(i)
    return np.asarray(out, dtype=np.intp)


def _split_at_valleys(x: np.ndarray, a: int, b: int, min_drop: float) -> list[tuple[int, int]]:
    """Split the run ``x[a:b]`` at deep valleys: where the closure falls from a peak and rises
    to another peak, each by at least ``min_drop`` and by half the lower of the two peaks (two
    closures in a row that did not quite reach rest between; a tonic spasm's tremor is far
    shallower). Returns (first, stop) frame ranges; a valley frame starts the next piece."""
    seg = x[a:b]
    peaks = _local_maxima(seg)
    pieces: list[tuple[int, int]] = []
    first = 0
    if peaks.size < 2:
        return [(a, b)]
    top = int(peaks[0])
    for q in peaks[1:]:
        q = int(q)
        v = top + int(np.argmin(seg[top : q + 1]))
        lower = min(seg[top], seg[q])
        drop = lower - seg[v]
        if drop >= min_drop and drop >= 0.5 * lower:
            pieces.append((a + first, a + v))
            first, top = v, q
        elif seg[q] > seg[top]:
            top = q
    pieces.append((a + first, b))
    return pieces


def _longest_sustained(
    t: np.ndarray, x: np.ndarray, a: int, b: int, level: float, bridge_s: float
) -> float:
    """Longest time ``x[a:b]`` stays at or above ``level``, bridging dips shorter than bridge_s."""
    n = t.size
    stretches: list[list[float]] = []
    for i, j in runs(x[a:b] >= level):
        i, j = i + a, j + a
        s = crossing_time(t, x, i - 1, i, level) if i > 0 else float(t[i])
        e = crossing_time(t, x, j - 1, j, level) if j < n else float(t[j - 1])
        if stretches and s - stretches[-1][1] < bridge_s:
            stretches[-1][1] = e
        else:
            stretches.append([s, e])
    return max((e - s for s, e in stretches), default=0.0)
