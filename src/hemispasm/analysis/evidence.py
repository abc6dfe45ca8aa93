"""How both eyes moved around one eye's closure episode: the evidence a blink-or-spasm call uses.

A blink closes both lids together, even when FaceMesh reads one of them much weaker (glasses
rims, a slight turn, side light, a smaller eye). A spasm closes one lid while the other stays at
its own rest level. So for each episode of one eye this module measures, in the same moment:

- each eye's *rise*: its highest closure while the episode's eye closes, minus its own level just
  before (so an eye already part-closed by a smile is judged from where it was);
- each rise in units of that eye's own frame-to-frame closure noise;
- when the other eye started to move, and how fast the episode's eye closed.

It also learns, from the video's clearly conjugate blinks, how strongly one eye reads against the
other (:func:`eye_gain`), so that a weak-reading eye's small but real movement still counts.

References
----------
Normal blinks are conjugate; the blink-like spasms of HFS are not (high-speed video studies of
HFS: non-conjugate lid closures in most patients, lower in amplitude and velocity than blinks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemispasm.analysis.episodes import Episode
from hemispasm.analysis.types import Side, other_side

PRE_WINDOW_S = 0.25
"""The level an eye starts from is read over this long before the episode starts (s)."""

GAZE_PRE_WINDOW_S = 0.1
"""Where the other eye was looking before an episode is read over this long before it (s)."""

PRE_PERCENTILE = 25.0
"""... as this percentile, so a stray high frame does not lift it."""

RECENT_S = 0.05
"""The other eye's level before an episode is never read below its lowest closure from this
long before the onset tolerance up to the onset (s): an eye already narrowing slowly (a smile) is
judged from where it had got to, while the tail of a blink just before still counts as open."""

RISE_FRACTION = 0.8
"""Closing speed is the rise to this fraction of the peak over the time it took."""


@dataclass(frozen=True)
class EyeMotion:
    """How one eye moved in a time window (closures as FaceMesh reads them, 0-1).

    ``rise`` is the highest closure in the window minus ``level_before``; ``z`` that rise over the
    eye's noise; ``onset_s`` when the closure first rose past ``level_before`` plus the eye's
    noise floor (None if it never did).
    """

    level_before: float
    rise: float
    z: float
    onset_s: float | None
    drift: float = 0.0
    """How far ``level_before`` lies above the low percentile of the 0.25 s before: what the eye
    had narrowed just before (a smile setting in), not counted in ``rise``."""


@dataclass(frozen=True)
class EpisodeEvidence:
    """One eye's episode and what the other eye did in the same moment."""

    episode: Episode
    own: EyeMotion
    other: EyeMotion
    closing_speed_per_s: float
    """The episode's closing speed: its rise to 80 % of the peak over the time it took."""
    closing_s: float
    """How long the episode's eye took to close from 20 % to 80 % of its rise (s)."""
    upper_lid_share: float | None
    """How much of the eye's narrowing was its upper lid coming down (1: all of it; 0: the lower
    lid rose, as when a smile lifts the cheek); None without the lid signals."""
    other_gaze_shift: float
    """How far the other eye's iris moved up or down while this eye closed, in eye widths (0
    without gaze signals): the eyes looking somewhere else take the lids with them."""
    onset_s: float
    """Where the episode's sudden closing began (its start, or later when a slow narrowing
    came first)."""
    closed_s: float
    """When the sudden closing reached 80 % of its rise (s): the end of the closing movement,
    which for a held closure may be long before its peak."""


def level_before(
    t: np.ndarray, c: np.ndarray, start_s: float, *, floor_span: tuple[float, float] | None = None
) -> float:
    """An eye's closure just before ``start_s``: a low percentile of the preceding 0.25 s, or,
    with ``floor_span``, the eye's lowest closure within that span when that is higher (an eye
    that was slowly narrowing is judged from where it had got to, not from where it began)."""
    pre = (t >= start_s - PRE_WINDOW_S) & (t < start_s) & np.isfinite(c)
    if pre.sum() == 0:
        return 0.0
    level = float(np.percentile(c[pre], PRE_PERCENTILE))
    if floor_span is not None:
        span = (t >= floor_span[0]) & (t <= floor_span[1]) & np.isfinite(c)
        if span.any():
            level = max(level, float(c[span].min()))
    return level


def eye_motion(
    t: np.ndarray,
    c: np.ndarray,
    *,
    start_s: float,
    window: tuple[float, float],
    noise_sd: float,
    noise_floor: float,
    floor_span: tuple[float, float] | None = None,
) -> EyeMotion:
    """How an eye's closure ``c`` moved in ``window`` relative to its level before ``start_s``.

    Parameters
    ----------
    t, c : ndarray, shape (T,)
        Timestamps (s) and the eye's closure (NaN where unusable).
    start_s : float
        The level before is read just before this time.
    window : (float, float)
        Where to look for the rise (s, inclusive).
    noise_sd : float
        The eye's frame-to-frame closure noise (standard deviation).
    noise_floor : float
        A rise must exceed the level before by this much to count as the eye's onset.
    floor_span : (float, float), optional
        Passed to :func:`level_before`.
    """
    before = level_before(t, c, start_s, floor_span=floor_span)
    drift = before - level_before(t, c, start_s) if floor_span is not None else 0.0
    inside = (t >= window[0]) & (t <= window[1]) & np.isfinite(c)
    if not inside.any():
        return EyeMotion(level_before=before, rise=0.0, z=0.0, onset_s=None, drift=drift)
    values = c[inside]
    rise = max(0.0, float(values.max()) - before)
    above = np.flatnonzero(values - before > noise_floor)
    onset = float(t[inside][above[0]]) if above.size else None
    return EyeMotion(
        level_before=before, rise=rise, z=rise / max(noise_sd, 1e-3), onset_s=onset, drift=drift
    )


@dataclass(frozen=True)
class Closing:
    """When and how fast an episode's eye closed: from the last time it was below 20 % of its
    rise (``from_s``) to the first time it reached 80 % (``to_s``), before its peak."""

    from_s: float
    to_s: float
    speed_per_s: float

    @property
    def duration_s(self) -> float:
        """The 20-80 % rise time (s)."""
        return self.to_s - self.from_s


def closing(
    t: np.ndarray, c: np.ndarray, episode: Episode, before: float, peak: float | None = None
) -> Closing:
    """How the episode's eye closed from ``before`` towards ``peak`` (its peak closure unless
    given): a slow drift before a sudden closure does not count, only the last 20-80 % rise
    before the peak does."""
    span = (episode.peak_closure if peak is None else peak) - before
    inside = (t >= episode.start_s) & (t <= episode.peak_s) & np.isfinite(c)
    ti, ci = t[inside], c[inside]
    if ti.size == 0:
        return Closing(from_s=episode.start_s, to_s=episode.peak_s, speed_per_s=0.0)
    reached = np.flatnonzero(ci >= before + RISE_FRACTION * span)
    k = int(reached[0]) if reached.size else ti.size - 1
    t_reach = float(ti[k])
    low = np.flatnonzero(ci[:k] < before + (1.0 - RISE_FRACTION) * span)
    t_low = float(ti[low[-1]]) if low.size else episode.start_s
    elapsed = max(t_reach - t_low, 1e-3)
    return Closing(
        from_s=t_low,
        to_s=t_reach,
        speed_per_s=float((2 * RISE_FRACTION - 1.0) * span / elapsed),
    )


def gaze_shift(
    t: np.ndarray,
    gaze_y: np.ndarray,
    *,
    start_s: float,
    window: tuple[float, float],
) -> float:
    """Largest distance the iris moved up or down in ``window`` from where it was just before
    ``start_s`` (the median of the preceding ``GAZE_PRE_WINDOW_S``, or of the last frame before
    it), in the units of ``gaze_y`` (eye widths, along the face's up-down axis).

    Only the vertical movement counts: the upper lid follows the eye up and down (a look down
    lowers it), but not sideways, and FaceMesh shifts one iris sideways when the other eye
    shuts. The reference is taken close to ``start_s``: a look elsewhere that ended before the
    lid began to move did not take the lid with it.
    """
    known = np.isfinite(gaze_y)
    before = np.flatnonzero((t >= start_s - PRE_WINDOW_S) & (t < start_s) & known)
    inside = (t >= window[0]) & (t <= window[1]) & known
    if before.size == 0 or not inside.any():
        return 0.0
    recent = before[t[before] >= start_s - GAZE_PRE_WINDOW_S]
    pre = recent if recent.size else before[-1:]
    return float(np.max(np.abs(gaze_y[inside] - np.median(gaze_y[pre]))))


def upper_lid_share(
    t: np.ndarray, aperture: np.ndarray, upper: np.ndarray, *, start_s: float, end_s: float
) -> float | None:
    """The share of an eye's narrowing from ``start_s`` to ``end_s`` made by its upper lid.

    ``aperture`` is the lid gap and ``upper`` the upper lid's height above the corner line, both
    over the eye's width. The narrowing is read at the frame of the smallest aperture in the
    window, against the medians of the 0.25 s before ``start_s``. None when it cannot be read
    (no frames, or the aperture did not shrink).
    """
    pre = (t >= start_s - PRE_WINDOW_S) & (t < start_s) & np.isfinite(aperture) & np.isfinite(upper)
    win = (t >= start_s) & (t <= end_s) & np.isfinite(aperture) & np.isfinite(upper)
    if not pre.any() or not win.any():
        return None
    i = np.flatnonzero(win)[int(np.argmin(aperture[win]))]
    narrowing = float(np.median(aperture[pre]) - aperture[i])
    if narrowing <= 0:
        return None
    return float(np.clip((np.median(upper[pre]) - upper[i]) / narrowing, -1.0, 2.0))


def episode_evidence(
    t: np.ndarray,
    closure: dict[Side, np.ndarray],
    episode: Episode,
    *,
    noise_sd: dict[Side, float],
    noise_floor: dict[Side, float],
    lag_tol_s: float,
    gaze_y: dict[Side, np.ndarray] | None = None,
    own_closure: np.ndarray | None = None,
    lids: dict[Side, tuple[np.ndarray, np.ndarray]] | None = None,
) -> EpisodeEvidence:
    """What both eyes did while ``episode``'s eye closed: from just before its start until it
    had closed most of the way.

    ``own_closure``, when given, is what the episode's own rise and the peak its closing heads
    for are read from (the held part of the closure for a held episode, so that a blink on top of
    a tonic spasm or a look down is not taken for the held closure).

    The other eye is looked at from ``lag_tol_s`` before the sudden closing began to
    ``lag_tol_s`` after the episode's eye reached 80 % of its peak (a blink's eyes start and
    close within a frame or so of each other; what the other eye does later in a long closure
    is not part of the same movement).
    """
    side = episode.side
    other = other_side(side)
    c = closure[side]
    peak = None
    if own_closure is not None:
        inside = (t >= episode.start_s) & (t <= episode.end_s) & np.isfinite(own_closure)
        peak = float(own_closure[inside].max()) if inside.any() else None
    # Where the sudden closing began: found from the level at the episode's start, then read
    # again from the level just before that closing (a smile may have raised it slowly first),
    # until it stays put.
    onset = episode.start_s
    for _ in range(3):  # converges on the last sudden rise before the peak
        how = closing(t, c, episode, level_before(t, c, onset), peak)
        if how.from_s <= onset:
            break
        onset = how.from_s
    own = eye_motion(
        t,
        c if own_closure is None else own_closure,
        start_s=onset,
        window=(onset, episode.peak_s),
        noise_sd=noise_sd[side],
        noise_floor=noise_floor[side],
    )
    moved = eye_motion(
        t,
        closure[other],
        start_s=onset - lag_tol_s,
        window=(onset - lag_tol_s, how.to_s + lag_tol_s),
        noise_sd=noise_sd[other],
        noise_floor=noise_floor[other],
        floor_span=(onset - lag_tol_s - RECENT_S, onset),
    )
    window = (onset - lag_tol_s, how.to_s + lag_tol_s)
    shift = (
        0.0 if gaze_y is None else gaze_shift(t, gaze_y[other], start_s=window[0], window=window)
    )
    share = None if lids is None else upper_lid_share(t, *lids[side], start_s=onset, end_s=how.to_s)
    return EpisodeEvidence(
        episode=episode,
        own=own,
        other=moved,
        closing_speed_per_s=how.speed_per_s,
        closing_s=how.duration_s,
        upper_lid_share=share,
        other_gaze_shift=shift,
        onset_s=onset,
        closed_s=how.to_s,
    )


def eye_gain(pairs: list[tuple[float, float]], *, min_pairs: int = 3) -> float:
    """How strongly the right eye reads against the left in this video's blinks.

    Parameters
    ----------
    pairs : list of (left rise, right rise)
        Rises of the two eyes in clearly conjugate blinks.
    min_pairs : int
        With fewer pairs the eyes are taken to read alike (1.0).

    Returns
    -------
    float
        The median of right over left, kept within [0.25, 4].

    Examples
    --------
    >>> eye_gain([(0.6, 0.3), (0.5, 0.26), (0.62, 0.3)])
    0.5
    """
    ratios = [r / left for left, r in pairs if left > 0 and r > 0]
    if len(ratios) < min_pairs:
        return 1.0
    return float(np.clip(np.median(ratios), 0.25, 4.0))
