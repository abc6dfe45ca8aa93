"""Signals to events: each eye's closure, its closure episodes, and blinks versus spasms.

The steps, all in seconds rather than frames so that they hold at 15 to 60 fps:

1. :func:`compute_closure` turns each eye's aperture into a closure against that eye's own open-eye
   level, re-estimated over a sliding window (robust to slow drift, lighting, a change of distance).
2. :func:`detect_episodes` finds, per eye, stretches where the closure rises from rest past a start
   threshold (hysteresis), and merges stretches separated by less than ``merge_gap_s`` of return to
   rest, so a tonic spasm with tremor on top is one episode while the twitches of a burst with real
   pauses stay separate.
3. :func:`detect_events` groups the two eyes' episodes that overlap in time: a group with one eye
   only, or with clearly unequal eyes, is a spasm of the eye that closed more; two eyes that start
   together and close alike are a blink. Conjugate (both-eye, symmetric) blinks versus one-sided,
   non-conjugate lid spasms is the distinction high-speed video studies of HFS report.

References
----------
FaceMesh under-reads lid closure (about 0.67 of the true closure on our synthetic videos), so a full
closure reads about 0.6-0.7; the default thresholds assume that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemispasm.analysis.checks import check_closure, check_params, check_type
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import (
    MAD_TO_SD,
    crossing_time,
    diff_noise_sd,
    fill_short_gaps,
    frame_durations,
    median_frame_interval,
    rolling_level,
    runs,
    smooth,
)
from hemispasm.analysis.types import SIDES, Event, Measurements, Region, Side, SidePair

_MAX_REST = 0.45
_MAX_ON = 0.9
_REGION_SIGNALS: tuple[tuple[Region, str], ...] = (
    ("brow", "brow"),
    ("cheek", "cheek"),
    ("mouth", "mouth_corner"),
)


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


def detect_episodes(
    measurements: Measurements, closure: SidePair, params: AnalysisParams | None = None
) -> tuple[Episode, ...]:
    """Closure episodes of each eye, sorted by start time.

    An episode is a stretch where the (lightly smoothed) closure stays above the eye's rest
    threshold and somewhere reaches its start threshold; start and end are the interpolated
    crossings of the rest threshold. Episodes less than ``merge_gap_s`` apart are merged. Unusable
    gaps up to ``max_gap_fill_s`` are bridged; an episode touching a longer unusable gap is dropped
    (its true extent is unknown).

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


def detect_events(
    measurements: Measurements, closure: SidePair, params: AnalysisParams | None = None
) -> tuple[Event, ...]:
    """Blinks and spasms, sorted by start time.

    Episodes of the two eyes that overlap in time form a group. A group is a **blink** (side
    ``"both"``) when it holds exactly one episode per eye, the onsets are within
    ``blink_max_onset_lag_s`` (at least one frame interval), the smaller peak closure is at least
    ``blink_min_peak_ratio`` of the larger and the shorter episode lasts at least
    ``blink_min_duration_ratio`` of the longer. Otherwise every episode of the eye with the larger
    integrated closure in the group is a **spasm** of that side (the other eye's smaller closure is
    taken as a sympathetic movement or landmark leak). An event is tonic when its closure stayed
    above the start threshold for at least ``tonic_min_s`` (dips shorter than ``merge_gap_s``
    bridged). Regions: ``"eye"`` always; ``"brow"``, ``"cheek"``, ``"mouth"`` when that region's
    robust z-score on the event's side reached ``region_z_min`` during the event and exceeded the
    other side's by ``region_z_margin`` (for a blink: reached ``region_z_min`` on both sides).

    Parameters
    ----------
    measurements : Measurements
        Per-frame signals, arrays of shape (T,).
    closure : SidePair
        Output of :func:`compute_closure`, arrays of shape (T,).
    params : AnalysisParams, optional
        Defaults to ``AnalysisParams()``.

    Returns
    -------
    tuple of Event

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the closure arrays do not have the shape (T,) of the measurements.
    """
    episodes = detect_episodes(measurements, closure, params)
    params = check_params(params)
    t = measurements.timestamps_s
    lag_tol = max(params.blink_max_onset_lag_s, median_frame_interval(t))
    z = _region_z_scores(measurements, params)
    events: list[Event] = []
    for group in _overlap_groups(episodes):
        by_side = {s: [e for e in group if e.side == s] for s in SIDES}
        left, right = by_side["left"], by_side["right"]
        if len(left) == 1 and len(right) == 1 and _symmetric(left[0], right[0], lag_tol, params):
            events.append(_blink(left[0], right[0], t, z, params))
            continue
        area = {s: sum(e.area for e in by_side[s]) for s in SIDES}
        side: Side = "left" if area["left"] >= area["right"] else "right"
        if not by_side[side]:
            side = "right" if side == "left" else "left"
        events.extend(_spasm(e, t, z, params) for e in by_side[side])
    return tuple(sorted(events, key=lambda e: (e.start_s, e.side)))


# --- episodes -------------------------------------------------------------------------------------


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
        gap = (a > 0 and not finite[a - 1]) or (b < n and not finite[b])
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


# --- blink or spasm -----------------------------------------------------------------------------


def _overlap_groups(episodes: tuple[Episode, ...]) -> list[list[Episode]]:
    groups: list[list[Episode]] = []
    group_end = -np.inf
    for e in sorted(episodes, key=lambda e: e.start_s):
        if groups and e.start_s < group_end:
            groups[-1].append(e)
            group_end = max(group_end, e.end_s)
        else:
            groups.append([e])
            group_end = e.end_s
    return groups


def _ratio(a: float, b: float) -> float:
    high = max(a, b)
    return 1.0 if high <= 0 else min(a, b) / high


def _symmetric(left: Episode, right: Episode, lag_tol: float, params: AnalysisParams) -> bool:
    return (
        abs(left.start_s - right.start_s) <= lag_tol
        and _ratio(left.peak_closure, right.peak_closure) >= params.blink_min_peak_ratio
        and _ratio(left.duration_s, right.duration_s) >= params.blink_min_duration_ratio
    )


def _blink(
    left: Episode,
    right: Episode,
    t: np.ndarray,
    z: dict[Region, dict[Side, np.ndarray]],
    params: AnalysisParams,
) -> Event:
    top = left if left.peak_closure >= right.peak_closure else right
    start, end = min(left.start_s, right.start_s), max(left.end_s, right.end_s)
    frames = (t >= start) & (t <= end)
    regions: list[Region] = ["eye"]
    for region, per_side in z.items():
        if min(_peak_z(per_side[s], frames) for s in SIDES) >= params.region_z_min:
            regions.append(region)
    return Event(
        kind="blink",
        side="both",
        start_s=start,
        end_s=end,
        peak_s=top.peak_s,
        peak_closure=top.peak_closure,
        tonic=max(left.sustained_s, right.sustained_s) >= params.tonic_min_s,
        regions=tuple(regions),
    )


def _spasm(
    episode: Episode,
    t: np.ndarray,
    z: dict[Region, dict[Side, np.ndarray]],
    params: AnalysisParams,
) -> Event:
    other: Side = "right" if episode.side == "left" else "left"
    frames = (t >= episode.start_s) & (t <= episode.end_s)
    regions: list[Region] = ["eye"]
    for region, per_side in z.items():
        same = _peak_z(per_side[episode.side], frames)
        if same >= params.region_z_min and same >= _peak_z(per_side[other], frames) + (
            params.region_z_margin
        ):
            regions.append(region)
    return Event(
        kind="spasm",
        side=episode.side,
        start_s=episode.start_s,
        end_s=episode.end_s,
        peak_s=episode.peak_s,
        peak_closure=episode.peak_closure,
        tonic=episode.sustained_s >= params.tonic_min_s,
        regions=tuple(regions),
    )


# --- regions --------------------------------------------------------------------------------------


def _region_z_scores(
    measurements: Measurements, params: AnalysisParams
) -> dict[Region, dict[Side, np.ndarray]]:
    """|robust z-score| (T,) of each region signal against its rolling median and its own noise."""
    t = measurements.timestamps_s
    out: dict[Region, dict[Side, np.ndarray]] = {}
    for region, attribute in _REGION_SIGNALS:
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
            out[region][side] = np.abs(dev) / sd
    return out


def _peak_z(z: np.ndarray, frames: np.ndarray) -> float:
    vals = z[frames]
    vals = vals[np.isfinite(vals)]
    return float(vals.max()) if vals.size else 0.0
