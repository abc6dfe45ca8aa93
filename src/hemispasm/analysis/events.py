"""Signals to events: blinks versus spasms, from how the two eyes moved together.

The steps, all in seconds rather than frames so that they hold from 12 to 60 fps:

1. :func:`~hemispasm.analysis.closure.compute_closure` turns each eye's aperture into a closure
   against that eye's own open-eye level.
2. :func:`~hemispasm.analysis.episodes.detect_episodes` finds, per eye, the stretches where the
   closure rose from rest past a start threshold raised above that eye's own noise.
3. For each episode, :mod:`hemispasm.analysis.evidence` measures what the **other** eye did in the
   same moment: its rise above its own level just before, against its own noise and against what
   it rises in this video's clearly conjugate blinks (one eye often reads much weaker than the
   other: glasses, a slight turn, side light).
4. :func:`detect_events` decides:

   - the other eye moved too, and the closing was quick: a **blink** (both eyes, ``side`` "both"),
     however unequal the two eyes read; if afterwards one eye stays strongly closed for a while
     when the other has reopened, that is a spasm set off by the blink;
   - the other eye stayed at its own rest level and the closing was quick: a **spasm** of the
     closing eye (typed ``twitch``, ``partial``, ``burst`` or ``tonic``);
   - the closing was slow (a smile narrowing the eyes, looking down): neither, not reported.

   Every event carries a ``confidence`` (0-1), the ``evidence`` it rests on and a ``reason`` in
   words. Below ``min_spasm_fps`` a blink lasts one or two frames and the two eyes cannot be
   compared reliably: no spasm is reported at all (blinks still are).

References
----------
Normal blinks are conjugate, with no difference between the eyes; the blink-like spasms and lid
twitches of hemifacial spasm are one-sided and of lower amplitude and velocity than blinks
(high-speed video studies of HFS; see ``docs`` of the project's clinical notes).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from hemispasm.analysis.checks import check_params
from hemispasm.analysis.closure import Thresholds, closure_thresholds, compute_closure
from hemispasm.analysis.episodes import (
    Episode,
    detect_episodes,
    detection_signal,
    split_fast_held,
)
from hemispasm.analysis.evidence import EpisodeEvidence, episode_evidence, eye_gain
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.regions import RegionZ, peak_z, region_z_scores
from hemispasm.analysis.signals import median_frame_interval
from hemispasm.analysis.types import (
    SIDES,
    Event,
    EventType,
    Evidence,
    Measurements,
    Region,
    Side,
    SidePair,
    other_side,
)

FALLBACK_BLINK_PEAK = 0.6
"""An eye's typical complete-blink closure (as FaceMesh reads it) when the video has too few
clear blinks to learn it."""

LAGGING_EYE_MIN_RATIO = 0.2
"""A lagging eye's brief closure makes a blink only if it rose at least this fraction of the
leading eye's rise (FaceMesh reads a real blink's weaker eye down to about 0.35-0.4 of the other;
the other eye's flicker while one lid shuts alone reads about a tenth)."""


@dataclass(frozen=True)
class _Context:
    """What the decision needs about the video as a whole."""

    t: np.ndarray
    signal: dict[Side, np.ndarray]
    held: dict[Side, np.ndarray]
    """The held part of each eye's closure (see :func:`split_fast_held`)."""
    thresholds: dict[Side, Thresholds]
    gain: dict[Side, float]
    """Typical rise of this eye over the other's rise in a blink."""
    blink_peak: dict[Side, float]
    lag_tol_s: float
    fps: float
    z: RegionZ
    gaze_y: dict[Side, np.ndarray] | None
    """Each iris's up-down position in its eye (eye widths)."""
    lids: dict[Side, tuple[np.ndarray, np.ndarray]] | None
    """Each eye's (aperture, upper-lid height), both over its width."""


def detect_events(
    measurements: Measurements, closure: SidePair, params: AnalysisParams | None = None
) -> tuple[Event, ...]:
    """Blinks and spasms, sorted by start time.

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
        Each with ``type``, ``confidence``, ``evidence`` and ``reason``. An episode's other eye
        *moved* when its rise reached ``co_move_noise_k`` of its own noise standard deviations and
        ``co_move_min_ratio`` of the rise this video's blinks give it (see
        :mod:`hemispasm.analysis.evidence`), or when it began a brief closure of its own while this
        eye was closing (a blink whose weak eye lagged). A closing is *quick* when it reached 80 %
        of its peak at ``min_closing_speed_per_s`` or faster. Regions: ``"eye"`` always; ``"brow"``,
        ``"cheek"``, ``"mouth"`` when that region's robust z-score on the event's side reached
        ``region_z_min`` during the event and exceeded the other side's by ``region_z_margin`` (for
        a blink: reached ``region_z_min`` on both sides). Episodes cut off by the start or end of
        the video or by an unusable stretch are not reported.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the closure arrays do not have the shape (T,) of the measurements.
    """
    episodes = detect_episodes(measurements, closure, params)
    params = check_params(params)
    ctx = _context(measurements, closure, episodes, params)
    faint = tuple(e for e in episodes if e.faint)
    episodes = tuple(e for e in episodes if not e.faint)
    brief = tuple(e for e in episodes if not e.held)
    held = tuple(e for e in episodes if e.held)
    evidence = {e: _evidence(ctx, e, params) for e in episodes + faint}
    moved = {
        e: _other_moved(ctx, ev, params) or _other_began(e, ev, episodes + faint, ctx, params)
        for e, ev in evidence.items()
    }
    count_spasms = ctx.fps >= params.min_spasm_fps

    events: list[Event] = []
    used: set[Episode] = set()
    for left, right in _pairs(brief, moved, evidence, ctx):
        used |= {left, right}
        speed = max(evidence[left].closing_speed_per_s, evidence[right].closing_speed_per_s)
        if speed < params.min_closing_speed_per_s:
            continue  # both lids drifting down together, slowly: not a blink
        events.append(_blink_of_pair(ctx, evidence[left], evidence[right], params))
        if count_spasms:
            for x, y in ((left, right), (right, left)):
                linger = _lingering(ctx, evidence[x], evidence[y], params)
                if linger is not None:
                    events.append(linger)
    small: list[Episode] = []
    for e in brief:
        if e in used:
            continue
        if moved[e]:
            if evidence[e].closing_speed_per_s >= params.min_closing_speed_per_s:
                events.append(_blink_of_one_episode(ctx, evidence[e], params))
        elif count_spasms and _may_be_spasm(ctx, evidence[e], params):
            events.append(_spasm(ctx, evidence[e], params))
        elif count_spasms and _may_be_spasm(ctx, evidence[e], params, in_burst=True):
            small.append(e)
    if count_spasms:
        small += [
            e
            for e in faint
            if not moved[e] and _may_be_spasm(ctx, evidence[e], params, in_burst=True)
        ]
    # A smaller one-sided closure close to a spasm of the same eye is one more twitch of its
    # burst, unless it falls within a blink (whose own uneven reopening it may be).
    near = params.burst_max_gap_s
    events += [
        _spasm(ctx, evidence[e], params)
        for e in small
        if any(
            x.kind == "spasm"
            and x.side == e.side
            and x.start_s - near < e.end_s
            and e.start_s < x.end_s + near
            for x in events
        )
        and not any(
            x.kind == "blink" and x.start_s < e.end_s and e.start_s < x.end_s for x in events
        )
    ]
    held_spasms: list[Event] = []
    blink_starts = [x.start_s for x in events if x.kind == "blink"]
    for e in held:
        ev = evidence[e]
        if not count_spasms or ev.closing_s > max(params.spasm_max_closing_s, 2.0 / ctx.fps):
            continue  # slow: a smile narrowing the eye or a look down, neither blink nor spasm
        began_with_blink = any(abs(b - ev.onset_s) <= 2 * ctx.lag_tol_s for b in blink_starts)
        if not moved[e] and not began_with_blink:
            if _may_be_spasm(ctx, ev, params):
                held_spasms.append(_spasm(ctx, ev, params))
            continue
        after = _held_after(ctx, e, ev, params)
        if after is not None:
            held_spasms.append(_spasm_after_blink(ctx, e, after, ev, params))
    # A held spasm's sudden onset can also show as a brief closure of the same eye: one event.
    events = [
        x
        for x in events
        if not any(
            x.kind == "spasm" and x.side == h.side and x.start_s < h.end_s and h.start_s < x.end_s
            for h in held_spasms
        )
    ]
    events = _merge_overlapping_blinks(sorted(events, key=lambda e: e.start_s))
    events = _type_bursts(sorted(events + held_spasms, key=lambda e: (e.start_s, e.side)), params)
    return tuple(events)


def _merge_overlapping_blinks(events: list[Event]) -> list[Event]:
    """One blink where two overlap (each eye's brief closure seen as its own blink when the two
    did not begin within the lag tolerance): the first, extended to the later end."""
    out: list[Event] = []
    for e in events:
        last = next((x for x in reversed(out) if x.kind == "blink"), None)
        if e.kind == "blink" and last is not None and e.start_s < last.end_s:
            i = out.index(last)
            out[i] = replace(last, end_s=max(last.end_s, e.end_s))
            continue
        out.append(e)
    return out


# --- the video as a whole -----------------------------------------------------------------------


def _context(
    measurements: Measurements,
    closure: SidePair,
    episodes: tuple[Episode, ...],
    params: AnalysisParams,
) -> _Context:
    t = measurements.timestamps_s
    dt = median_frame_interval(t)
    signal = {s: detection_signal(measurements, closure, s, params)[1] for s in SIDES}
    held = {s: split_fast_held(t, signal[s], window_s=params.held_window_s)[1] for s in SIDES}
    thresholds = {s: closure_thresholds(measurements, s, params) for s in SIDES}
    lag_tol = max(params.blink_max_onset_lag_s, 1.5 * dt)
    ctx = _Context(
        t=t,
        signal=signal,
        held=held,
        thresholds=thresholds,
        gain={"left": 1.0, "right": 1.0},
        blink_peak=dict.fromkeys(SIDES, FALLBACK_BLINK_PEAK),
        lag_tol_s=lag_tol,
        fps=1.0 / dt if dt > 0 else 0.0,
        z=region_z_scores(measurements, params),
        gaze_y=None
        if measurements.gaze_y is None
        else {s: measurements.gaze_y.side(s) for s in SIDES},
        lids=None
        if measurements.upper_lid is None
        else {s: (measurements.aperture.side(s), measurements.upper_lid.side(s)) for s in SIDES},
    )
    # Learn how the eyes read against each other from clear, quick, simultaneous closures.
    pairs: list[tuple[float, float]] = []
    peaks: dict[Side, list[float]] = {s: [] for s in SIDES}
    lefts = [e for e in episodes if e.side == "left" and not e.held]
    rights = [e for e in episodes if e.side == "right" and not e.held]
    for a in lefts:
        for b in rights:
            if abs(a.start_s - b.start_s) > lag_tol or abs(a.peak_s - b.peak_s) > 2 * lag_tol:
                continue
            ea, eb = _evidence(ctx, a, params), _evidence(ctx, b, params)
            clear = min(ea.own.z, eb.own.z) >= 2 * params.co_move_noise_k
            quick = min(ea.closing_speed_per_s, eb.closing_speed_per_s) >= (
                params.min_closing_speed_per_s
            )
            if clear and quick:
                pairs.append((ea.own.rise, eb.own.rise))
                peaks["left"].append(a.peak_closure)
                peaks["right"].append(b.peak_closure)
    right_over_left = eye_gain(pairs)
    gain: dict[Side, float] = {"right": right_over_left, "left": 1.0}
    blink_peak = {
        s: float(np.percentile(peaks[s], 75)) if len(peaks[s]) >= 3 else FALLBACK_BLINK_PEAK
        for s in SIDES
    }
    return replace(ctx, gain=gain, blink_peak=blink_peak)


def _evidence(ctx: _Context, e: Episode, params: AnalysisParams) -> EpisodeEvidence:
    noise = {s: ctx.thresholds[s].noise_sd for s in SIDES}
    floor = {s: max(params.co_move_noise_k * noise[s], 0.02) for s in SIDES}
    return episode_evidence(
        ctx.t,
        ctx.signal,
        e,
        noise_sd=noise,
        noise_floor=floor,
        lag_tol_s=ctx.lag_tol_s,
        gaze_y=ctx.gaze_y,
        own_closure=ctx.held[e.side] if e.held and not e.whole else None,
        lids=ctx.lids,
    )


def _expected_other_rise(ctx: _Context, ev: EpisodeEvidence) -> float:
    side = ev.episode.side
    return ctx.gain[other_side(side)] / ctx.gain[side] * ev.own.rise


def _co_move_threshold(ctx: _Context, ev: EpisodeEvidence, params: AnalysisParams) -> float:
    other = other_side(ev.episode.side)
    noise = ctx.thresholds[other].noise_sd
    # The other eye need not rise more than the closing eye did, whatever the blinks say: one
    # eye reading stronger in blinks must not make the other's real movement look too small.
    expected = min(_expected_other_rise(ctx, ev), ev.own.rise)
    return max(params.co_move_noise_k * noise, params.co_move_min_ratio * expected, 0.02)


def _other_moved(ctx: _Context, ev: EpisodeEvidence, params: AnalysisParams) -> bool:
    return ev.other.rise >= _co_move_threshold(ctx, ev, params)


def _other_began(
    e: Episode,
    ev: EpisodeEvidence,
    episodes: tuple[Episode, ...],
    ctx: _Context,
    params: AnalysisParams,
) -> bool:
    """The other eye began a brief closure of its own while this one was closing (by its peak;
    for a held closure, by the time it had closed 80 % of the way, as a blink seconds into a
    tonic spasm is not how it began), peaking
    within this one, and rose clearly above its own noise and by at least
    ``LAGGING_EYE_MIN_RATIO`` of this eye's rise: a blink whose weaker eye lagged (as FaceMesh
    read it) more than the onset tolerance, not one lid closing alone. A flicker of the other eye
    a few hundredths high while this lid shuts (FaceMesh reading one eye partly from the other)
    is not that."""
    until = ev.closed_s if e.held else e.peak_s
    noise = ctx.thresholds[other_side(e.side)].noise_sd
    need = max(params.co_move_noise_k * noise, LAGGING_EYE_MIN_RATIO * ev.own.rise, 0.02)
    return any(
        o.side != e.side
        and not o.held
        and ev.onset_s - ctx.lag_tol_s <= o.start_s <= until + ctx.lag_tol_s
        and e.start_s <= o.peak_s <= e.end_s
        and o.peak_closure - ev.other.level_before >= need
        for o in episodes
    )


def _pairs(
    episodes: tuple[Episode, ...],
    moved: dict[Episode, bool],
    evidence: dict[Episode, EpisodeEvidence],
    ctx: _Context,
) -> list[tuple[Episode, Episode]]:
    """Left and right episodes that began together and of which the stronger (:func:`_stronger`)
    saw the other eye move, one-to-one, nearest starts first. The weaker one always sees the
    stronger move; a lid that shuts while the other eye wobbles a little is not a blink."""
    candidates = []
    for a in episodes:
        if a.side != "left":
            continue
        for b in episodes:
            if b.side != "right":
                continue
            lag = abs(a.start_s - b.start_s)
            if lag <= ctx.lag_tol_s and moved[_stronger(ctx, a, b, evidence)]:
                candidates.append((lag, a.start_s, a, b))
    candidates.sort(key=lambda c: (c[0], c[1]))
    taken: set[Episode] = set()
    out = []
    for _, _, a, b in candidates:
        if a in taken or b in taken:
            continue
        taken |= {a, b}
        out.append((a, b))
    return out


def _stronger(
    ctx: _Context, a: Episode, b: Episode, evidence: dict[Episode, EpisodeEvidence]
) -> Episode:
    """Of two episodes of opposite eyes, the one that rose more against its own eye's blinks."""
    ra = evidence[a].own.rise / max(ctx.blink_peak[a.side], 1e-3)
    rb = evidence[b].own.rise / max(ctx.blink_peak[b.side], 1e-3)
    return a if ra >= rb else b


# --- blinks -------------------------------------------------------------------------------------


def _blink_of_pair(
    ctx: _Context, ev_l: EpisodeEvidence, ev_r: EpisodeEvidence, params: AnalysisParams
) -> Event:
    """The blink of a left and a right brief closure that began together."""
    strong = ev_l if ev_l.own.rise >= ev_r.own.rise else ev_r
    weak = ev_r if strong is ev_l else ev_l
    return _blink_event(
        ctx,
        start=min(ev_l.episode.start_s, ev_r.episode.start_s),
        end=max(ev_l.episode.end_s, ev_r.episode.end_s),
        strong=strong,
        weak_rise=weak.own.rise,
        weak_lag=weak.episode.start_s - strong.episode.start_s,
        params=params,
    )


def _blink_of_one_episode(ctx: _Context, ev: EpisodeEvidence, params: AnalysisParams) -> Event:
    """A blink seen as an episode in one eye only: the other eye moved too, but too weakly (as
    FaceMesh read it) to pass its own start threshold."""
    lag = None if ev.other.onset_s is None else ev.other.onset_s - ev.episode.start_s
    return _blink_event(
        ctx,
        start=ev.episode.start_s,
        end=ev.episode.end_s,
        strong=ev,
        weak_rise=ev.other.rise,
        weak_lag=lag,
        params=params,
    )


def _blink_event(
    ctx: _Context,
    *,
    start: float,
    end: float,
    strong: EpisodeEvidence,
    weak_rise: float,
    weak_lag: float | None,
    params: AnalysisParams,
) -> Event:
    side = strong.episode.side
    other = other_side(side)
    expected = _expected_other_rise(ctx, strong)
    noise = ctx.thresholds[other].noise_sd
    evidence = Evidence(
        closing_rise=strong.own.rise,
        other_rise=weak_rise,
        expected_other_rise=expected,
        closing_z=strong.own.z,
        other_z=weak_rise / max(noise, 1e-3),
        onset_lag_s=weak_lag,
    )
    ratio = weak_rise / expected if expected > 0 else 1.0
    floor = params.co_move_min_ratio
    confidence = float(np.clip((ratio - floor) / (0.7 - floor), 0.0, 1.0))
    confidence = 0.5 + 0.5 * confidence
    frames = (ctx.t >= start) & (ctx.t <= end)
    regions: list[Region] = ["eye"]
    for region, per_side in ctx.z.items():
        if min(peak_z(per_side[s], frames) for s in SIDES) >= params.region_z_min:
            regions.append(region)
    complete = strong.episode.peak_closure >= params.partial_fraction * ctx.blink_peak[side]
    return Event(
        kind="blink",
        side="both",
        start_s=start,
        end_s=end,
        peak_s=strong.episode.peak_s,
        peak_closure=strong.episode.peak_closure,
        tonic=False,
        regions=tuple(regions),
        type="complete" if complete else "incomplete",
        confidence=confidence,
        evidence=evidence,
        reason=(
            f"both eyes closed together: the {other} eye rose {weak_rise:.2f} "
            f"({ratio:.0%} of what it rises in this video's blinks) as the {side} eye rose "
            f"{strong.own.rise:.2f}"
        ),
    )


def _lingering(
    ctx: _Context, ev_x: EpisodeEvidence, ev_y: EpisodeEvidence, params: AnalysisParams
) -> Event | None:
    """A spasm of eye x that a blink set off: after the other eye y has reopened most of the way
    (below 40 % of its rise), x stays closed above ``after_blink_level_fraction`` of its own rise
    for at least ``linger_min_s``. A healthy eye that reopens slowly lingers much lower (10-20 %
    closed, a third of its blink or less), so it is not taken for this."""
    x, y = ev_x.episode, ev_y.episode
    if not _other_open(ctx, x.side, ev_y.own.level_before, params):
        return None
    cy, cx = ctx.signal[y.side], ctx.signal[x.side]
    open_y = ev_y.own.level_before + 0.4 * ev_y.own.rise
    later = (ctx.t > y.peak_s) & (ctx.t <= x.end_s) & (np.nan_to_num(cy, nan=1.0) <= open_y)
    if not later.any():
        return None
    t_open = float(ctx.t[np.flatnonzero(later)[0]])
    level = ev_x.own.level_before + params.after_blink_level_fraction * ev_x.own.rise
    if level < ctx.thresholds[x.side].on:
        return None
    closed = (ctx.t >= t_open) & (ctx.t <= x.end_s) & (np.nan_to_num(cx, nan=0.0) >= level)
    if not closed.any() or not closed[np.flatnonzero(ctx.t >= t_open)[0]]:
        return None
    stays = _sustained(ctx, x.side, t_open, x.end_s, level, params)
    if stays < max(params.linger_min_s, 2.0 / ctx.fps) - 1e-6:
        return None
    inside = (ctx.t >= t_open) & (ctx.t <= x.end_s) & np.isfinite(cx)
    i = int(np.argmax(np.where(inside, cx, -np.inf)))
    return _spasm_event(
        ctx,
        side=x.side,
        start=t_open,
        end=x.end_s,
        peak_s=float(ctx.t[i]),
        peak_closure=float(cx[i]),
        sustained_s=stays,
        ev=ev_x,
        other_margin=1.0,
        params=params,
        reason=(
            f"a blink closed both eyes; the {y.side} eye reopened while the {x.side} eye stayed "
            f"closed for {stays:.2f} s more"
        ),
    )


def _held_after(
    ctx: _Context, e: Episode, ev: EpisodeEvidence, params: AnalysisParams
) -> tuple[float, float, float] | None:
    """For a held closure that began with both eyes (a blink): (start, end, held seconds) if its
    eye stayed strongly closed for at least ``after_blink_min_s`` once the other eye had
    reopened after that blink; None if it did not."""
    other = other_side(e.side)
    if not _other_open(ctx, e.side, ev.other.level_before, params):
        return None
    c_other = np.nan_to_num(ctx.signal[other], nan=1.0)
    first = (ctx.t >= ev.onset_s - ctx.lag_tol_s) & (ctx.t <= ev.onset_s + 0.5)
    if not first.any():
        return None
    i_peak = int(np.argmax(np.where(first, c_other, -np.inf)))
    back_level = ev.other.level_before + ctx.thresholds[other].rest
    later = (ctx.t > ctx.t[i_peak]) & (ctx.t <= e.end_s) & (c_other <= back_level)
    if not later.any():
        return None
    t_back = float(ctx.t[np.flatnonzero(later)[0]])
    level = max(
        params.after_blink_min_level,
        params.after_blink_level_fraction * e.peak_closure,
        ctx.thresholds[e.side].on,
    )
    c = np.nan_to_num(ctx.signal[e.side], nan=0.0)
    from_back = np.flatnonzero(ctx.t >= t_back)
    if from_back.size == 0 or c[from_back[0]] < level:
        return None
    stays = _sustained(ctx, e.side, t_back, e.end_s, level, params)
    if stays < params.after_blink_min_s:
        return None
    return ev.onset_s, e.end_s, float(t_back - ev.onset_s + stays)


# --- spasms -------------------------------------------------------------------------------------


def _may_be_spasm(
    ctx: _Context, ev: EpisodeEvidence, params: AnalysisParams, *, in_burst: bool = False
) -> bool:
    """A one-sided closure counts as a spasm unless it is one that healthy lids make: the other
    eye was itself half shut or more (``max_other_level_fraction``; a face crying or squeezing
    its eyes), the other eye's iris moved up or down (the lids follow the eyes), the lid came down
    slowly (a smile or a squint narrowing one eye more than the other: over
    ``spasm_max_closing_s``, or for a brief closure, at less than
    ``min_spasm_closing_rate_per_s`` of the eye's own blinks a second, even as one more twitch of
    a burst: a real face's sag beside a spasm is not one), or the closure is
    smaller than ``min_spasm_fraction`` of the eye's own blinks (lids wobble that much when a
    face smiles, laughs or talks), or it was made mostly by the lower lid rising rather than the
    upper lid coming down (``min_upper_lid_share``; a smile narrows the eye from below). A
    closure held half a second or more must also reach ``min_held_spasm_fraction`` of a blink
    (an uneven smile or squint narrows one eye about a third of a blink for seconds), unless it
    came on suddenly (within ``sudden_closing_s``, at ``min_closing_speed_per_s`` or faster)
    while the other eye stayed well within its own noise and at rest (not narrowed a moment
    before, as in a squint whose two sides set in a little apart): a partial tonic spasm. A
    closure found only on the whole signal (about ``held_window_s`` long) must have closed
    quickly too. ``in_burst`` asks whether it may be one more twitch of a burst
    (``burst_member_fraction``)."""
    if ev.other_gaze_shift >= params.gaze_shift_max:
        return False
    if not _other_open(ctx, ev.episode.side, ev.other.level_before, params):
        return False
    if ev.closing_s > max(params.spasm_max_closing_s, 2.0 / ctx.fps):
        return False
    share = ev.upper_lid_share
    if share is not None and share < params.min_upper_lid_share:
        return False
    if ev.episode.whole and ev.closing_speed_per_s < params.min_closing_speed_per_s:
        return False  # a lid easing down over a third of a second, as when the eyes look away
    rate = ev.closing_speed_per_s / max(ctx.blink_peak[ev.episode.side], 1e-3)
    if not ev.episode.held and rate < params.min_spasm_closing_rate_per_s:
        return False  # a lid sagging a little, slowly, as a face softens or smiles
    sudden = (
        ev.closing_s <= max(params.sudden_closing_s, 1.5 / ctx.fps)
        and ev.closing_speed_per_s >= params.min_closing_speed_per_s
        and ev.other.rise + ev.other.drift < 0.5 * _co_move_threshold(ctx, ev, params)
    )
    if ev.episode.held and not sudden:
        return ev.own.rise >= params.min_held_spasm_fraction * ctx.blink_peak[ev.episode.side]
    fraction = params.burst_member_fraction if in_burst else params.min_spasm_fraction
    return ev.own.rise >= fraction * ctx.blink_peak[ev.episode.side]


def _other_open(ctx: _Context, side: Side, other_level: float, params: AnalysisParams) -> bool:
    """The eye opposite ``side`` was open (its closure ``other_level`` below
    ``max_other_level_fraction`` of its blinks'), as hemifacial spasm leaves it."""
    other = other_side(side)
    return other_level < params.max_other_level_fraction * ctx.blink_peak[other]


def _spasm(ctx: _Context, ev: EpisodeEvidence, params: AnalysisParams) -> Event:
    e = ev.episode
    threshold = _co_move_threshold(ctx, ev, params)
    half = ev.own.level_before + 0.5 * ev.own.rise
    return _spasm_event(
        ctx,
        side=e.side,
        start=ev.onset_s,
        end=e.end_s,
        peak_s=e.peak_s,
        peak_closure=e.peak_closure,
        sustained_s=_sustained(ctx, e.side, ev.onset_s, e.end_s, half, params),
        ev=ev,
        other_margin=1.0 - ev.other.rise / threshold,
        params=params,
        reason=(
            f"the {e.side} eye closed by {ev.own.rise:.2f} ({ev.own.z:.0f} times its own noise) "
            f"while the {other_side(e.side)} eye stayed at its own rest level (it moved "
            f"{ev.other.rise:.2f}, {ev.other.z:.1f} times its noise; a blink would have moved it "
            f"about {_expected_other_rise(ctx, ev):.2f})"
        ),
    )


def _spasm_after_blink(
    ctx: _Context,
    e: Episode,
    after: tuple[float, float, float],
    ev: EpisodeEvidence,
    params: AnalysisParams,
) -> Event:
    start, end, held = after
    c = ctx.signal[e.side]
    inside = (ctx.t >= start) & (ctx.t <= end) & np.isfinite(c)
    i = int(np.argmax(np.where(inside, c, -np.inf)))
    half = ev.own.level_before + 0.5 * ev.own.rise
    return _spasm_event(
        ctx,
        side=e.side,
        start=start,
        end=end,
        peak_s=float(ctx.t[i]),
        peak_closure=float(c[i]),
        sustained_s=_sustained(ctx, e.side, start, end, half, params),
        ev=ev,
        other_margin=1.0,
        params=params,
        reason=(
            f"a blink closed both eyes, then the {e.side} eye stayed closed (for {held:.1f} s in "
            f"all) after the {other_side(e.side)} eye had reopened"
        ),
    )


def _spasm_event(
    ctx: _Context,
    *,
    side: Side,
    start: float,
    end: float,
    peak_s: float,
    peak_closure: float,
    sustained_s: float,
    ev: EpisodeEvidence,
    other_margin: float,
    params: AnalysisParams,
    reason: str,
) -> Event:
    other = other_side(side)
    frames = (ctx.t >= start) & (ctx.t <= end)
    regions: list[Region] = ["eye"]
    for region, per_side in ctx.z.items():
        same = peak_z(per_side[side], frames)
        if same >= params.region_z_min and same >= peak_z(per_side[other], frames) + (
            params.region_z_margin
        ):
            regions.append(region)
    tonic = sustained_s >= params.tonic_min_s
    partial = peak_closure < params.partial_fraction * ctx.blink_peak[side]
    kind: EventType = "tonic" if tonic else "partial" if partial else "twitch"
    strength = float(np.clip(ev.own.z / (4.0 * params.co_move_noise_k), 0.0, 1.0))
    one_sided = float(np.clip(other_margin, 0.0, 1.0))
    confidence = float(np.clip(0.3 + 0.7 * one_sided * np.sqrt(strength), 0.0, 1.0))
    return Event(
        kind="spasm",
        side=side,
        start_s=start,
        end_s=end,
        peak_s=peak_s,
        peak_closure=peak_closure,
        tonic=tonic,
        regions=tuple(regions),
        type=kind,
        confidence=confidence,
        evidence=Evidence(
            closing_rise=ev.own.rise,
            other_rise=ev.other.rise,
            expected_other_rise=_expected_other_rise(ctx, ev),
            closing_z=ev.own.z,
            other_z=ev.other.z,
            onset_lag_s=None if ev.other.onset_s is None else ev.other.onset_s - ev.episode.start_s,
        ),
        reason=reason,
    )


def _sustained(
    ctx: _Context, side: Side, start: float, end: float, level: float, params: AnalysisParams
) -> float:
    """Longest time between ``start`` and ``end`` the eye's closure stayed at or above ``level``,
    dips shorter than ``merge_gap_s`` bridged (s)."""
    c = ctx.signal[side]
    inside = (ctx.t >= start) & (ctx.t <= end)
    above = inside & (np.nan_to_num(c, nan=0.0) >= level)
    longest, run_start, last = 0.0, None, None
    for i in np.flatnonzero(above):
        t = float(ctx.t[i])
        if run_start is None or last is None or t - last > params.merge_gap_s + 1.5 / ctx.fps:
            run_start = t
        last = t
        longest = max(longest, last - run_start + 1.0 / ctx.fps)
    return longest


def _type_bursts(events: list[Event], params: AnalysisParams) -> list[Event]:
    """Non-tonic spasms of one side less than ``burst_max_gap_s`` apart are a clonic burst: each
    becomes type ``burst``; repeating in one eye also raises their confidence a little."""
    out = list(events)
    for side in SIDES:
        idx = [i for i, e in enumerate(out) if e.kind == "spasm" and e.side == side and not e.tonic]
        in_burst: set[int] = set()
        for i, j in itertools.pairwise(idx):
            if out[j].start_s - out[i].end_s < params.burst_max_gap_s:
                in_burst |= {i, j}
        for i in in_burst:
            e = out[i]
            confidence = min(1.0, (e.confidence or 0.0) + 0.1)
            out[i] = replace(
                e,
                type="burst",
                confidence=confidence,
                reason=e.reason + "; one of several in a row (a clonic burst)",
            )
    return out


__all__ = [
    "Episode",
    "Thresholds",
    "closure_thresholds",
    "compute_closure",
    "detect_episodes",
    "detect_events",
]
