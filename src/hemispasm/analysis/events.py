"""Signals to events: blinks versus spasms, from the two eyes' closure episodes.

The steps, all in seconds rather than frames so that they hold at 15 to 60 fps:

1. :func:`~hemispasm.analysis.closure.compute_closure` turns each eye's aperture into a closure
   against that eye's own open-eye level, re-estimated over a sliding window (robust to slow
   drift, lighting, a change of distance).
2. :func:`~hemispasm.analysis.episodes.detect_episodes` finds, per eye, stretches where the
   closure rises from rest past a start threshold (hysteresis), and merges stretches separated by
   less than ``merge_gap_s`` of return to rest, so a tonic spasm with tremor on top is one episode
   while the twitches of a burst with real pauses stay separate.
3. :func:`detect_events` groups the two eyes' episodes that overlap in time: a group with one eye
   only, or with clearly unequal eyes, is a spasm of the eye that closed more; two eyes that start
   together and close alike are a blink. Conjugate (both-eye, symmetric) blinks versus one-sided,
   non-conjugate lid spasms is the distinction high-speed video studies of HFS report. Which
   regions moved with each event comes from :mod:`hemispasm.analysis.regions`.

``compute_closure``, ``closure_thresholds``, ``Thresholds``, ``Episode`` and ``detect_episodes``
are re-exported here for callers of the former single module.

References
----------
FaceMesh under-reads lid closure (about 0.67 of the true closure on our synthetic videos), so a full
closure reads about 0.6-0.7; the default thresholds assume that.
"""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.checks import check_params
from hemispasm.analysis.closure import Thresholds, closure_thresholds, compute_closure
from hemispasm.analysis.episodes import Episode, detect_episodes
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.regions import RegionZ, peak_z, region_z_scores
from hemispasm.analysis.signals import median_frame_interval
from hemispasm.analysis.types import SIDES, Event, Measurements, Region, Side, SidePair, other_side


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
    taken as a sympathetic movement or landmark leak); equal integrated closures go to the eye with
    the higher peak closure, then to the eye that started first, and when even those are equal both
    eyes' episodes are reported as spasms, so that mirroring the face mirrors the result. An event
    is tonic when its closure stayed above the start threshold for at least ``tonic_min_s`` (dips
    shorter than ``merge_gap_s`` bridged). Regions: ``"eye"`` always; ``"brow"``, ``"cheek"``,
    ``"mouth"`` when that region's robust z-score on the event's side reached ``region_z_min``
    during the event and exceeded the other side's by ``region_z_margin`` (for a blink: reached
    ``region_z_min`` on both sides). The cheek and mouth scores count only the spasm's direction
    (cheek raised, mouth corner pulled up and out; see :mod:`hemispasm.analysis.regions`); the brow
    counts either way. Episodes cut off by the start or end of the video or by an unusable stretch
    are not reported (see :func:`~hemispasm.analysis.episodes.detect_episodes`).

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
    z = region_z_scores(measurements, params)
    events: list[Event] = []
    for group in _overlap_groups(episodes):
        by_side = {s: [e for e in group if e.side == s] for s in SIDES}
        left, right = by_side["left"], by_side["right"]
        if len(left) == 1 and len(right) == 1 and _symmetric(left[0], right[0], lag_tol, params):
            events.append(_blink(left[0], right[0], t, z, params))
            continue
        for side in _spasm_sides(by_side):
            events.extend(_spasm(e, t, z, params) for e in by_side[side])
    return tuple(sorted(events, key=lambda e: (e.start_s, e.side)))


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
    z: RegionZ,
    params: AnalysisParams,
) -> Event:
    top = left if left.peak_closure >= right.peak_closure else right
    start, end = min(left.start_s, right.start_s), max(left.end_s, right.end_s)
    frames = (t >= start) & (t <= end)
    regions: list[Region] = ["eye"]
    for region, per_side in z.items():
        if min(peak_z(per_side[s], frames) for s in SIDES) >= params.region_z_min:
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
    z: RegionZ,
    params: AnalysisParams,
) -> Event:
    other = other_side(episode.side)
    frames = (t >= episode.start_s) & (t <= episode.end_s)
    regions: list[Region] = ["eye"]
    for region, per_side in z.items():
        same = peak_z(per_side[episode.side], frames)
        if same >= params.region_z_min and same >= peak_z(per_side[other], frames) + (
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


def _spasm_sides(by_side: dict[Side, list[Episode]]) -> tuple[Side, ...]:
    """The eye(s) whose episodes are the group's spasms: larger area, then peak, then earlier."""

    def key(side: Side) -> tuple[bool, float, float, float]:
        eps = by_side[side]
        return (
            bool(eps),
            sum(e.area for e in eps),
            max((e.peak_closure for e in eps), default=0.0),
            -min((e.start_s for e in eps), default=np.inf),
        )

    left, right = key("left"), key("right")
    if left == right:
        return SIDES
    return ("left",) if left > right else ("right",)


__all__ = [
    "Episode",
    "Thresholds",
    "closure_thresholds",
    "compute_closure",
    "detect_episodes",
    "detect_events",
]
