"""One eye's closure episodes: stretches where its closure rises from rest past a start threshold.

Hysteresis on the closure (start threshold to reach, rest threshold to cross at both ends), with
stretches separated by less than ``merge_gap_s`` of return to rest merged, so a tonic spasm with
tremor on top is one episode while the twitches of a burst with real pauses stay separate. All
times are in seconds rather than frames, so the rules hold at 15 to 60 fps and with a variable
frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemispasm.analysis.checks import check_closure, check_params
from hemispasm.analysis.closure import closure_thresholds
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import crossing_time, fill_short_gaps, frame_durations, runs, smooth
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


def _side_episodes(
    measurements: Measurements, closure: SidePair, side: Side, params: AnalysisParams
) -> list[Episode]:
    t = measurements.timestamps_s
    n = t.size
    thr = closure_thresholds(measurements, side, params)
    raw = np.where(measurements.usable, np.asarray(closure.side(side), dtype=np.float64), np.nan)
    filled = fill_short_gaps(t, raw, max_gap_s=params.max_gap_fill_s)
    smoothed = smooth(t, filled, sigma_s=params.smoothing_s)
    finite = np.isfinite(smoothed)
    above = finite & (np.where(finite, smoothed, 0.0) >= thr.rest)

    # (first frame, stop frame, start_s, end_s, touches an unusable gap)
    spans: list[list] = []
    for a, b in runs(above):
        if np.max(smoothed[a:b]) < thr.on:
            continue
        start = crossing_time(t, smoothed, a - 1, a, thr.rest) if a > 0 else float(t[a])
        end = crossing_time(t, smoothed, b - 1, b, thr.rest) if b < n else float(t[b - 1])
        # Truncated: touches the video's first or last frame, or an unusable gap.
        gap = a == 0 or b == n or not finite[a - 1] or not finite[b]
        if spans and start - spans[-1][3] < params.merge_gap_s and finite[spans[-1][1] : a].all():
            spans[-1][1], spans[-1][3] = b, end
            spans[-1][4] = spans[-1][4] or gap
        else:
            spans.append([a, b, start, end, gap])

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
            )
        )
    return out


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
