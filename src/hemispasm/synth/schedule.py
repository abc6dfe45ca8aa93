"""Ground-truth schedule of a synthetic video: blinks and spasms as real faces make them.

Pure numpy: a seeded :class:`numpy.random.Generator` in, frozen records out.

Blinks are not identical in the two eyes, because real ones, as FaceMesh reads them, are not:

- one eye may read much weaker than the other (glasses rims, a slight turn, side light, a smaller
  eye): the weaker eye's closure is drawn at 0.4-1 of the other's, per video and per blink;
- the eyes start up to one frame apart;
- one eye may reopen slowly, lingering part-closed for 0.15-0.4 s;
- some blinks are incomplete (the lids stop half way), and some come in bursts of two or three.

Spasms are one-sided, of four types: a ``twitch`` (one brisk closure, full or partial), a
``partial`` closure (35-60 %, up to most of a second), a ``burst`` (clonic: 3-8 twitches in a
row, each its own event of type ``burst``) and a ``tonic`` spasm (held 1-4 s with a 4-8 Hz tremor).
Some start during a blink (a blink that sets off a spasm, as blinking often does in HFS). Most pull
the same-side cheek and mouth corner. The other eye may twitch very slightly with a spasm
(at most 0.03 of closure).

Events never overlap except a blink and the spasm it sets off. Expressions (smiling, talking,
looking down) are drawn by :mod:`hemispasm.synth.expressions` and are not events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from hemispasm.analysis.types import (
    SIDES,
    Event,
    EventKind,
    EventSide,
    EventType,
    Region,
    Side,
    SidePair,
)
from hemispasm.errors import InvalidParameterError
from hemispasm.synth.pulses import EVENT_THRESHOLD, Pulse, pulse_lasting, threshold_width

LEAD_IN_S = 1.0
"""No event starts (leaves rest) before this time."""

LEAD_OUT_S = 0.5
"""No event is still in progress this close to the end of the video."""

MIN_REST_S = 0.4
"""Rest between two distinct event groups (pulse end to next pulse start)."""

BURST_GAP_S = (0.1, 0.35)
"""Rest between the twitches of one clonic burst."""

BLINK_BURST_GAP_S = (0.08, 0.25)
"""Rest between the blinks of a blink burst."""

TWITCH_DURATION_S = (0.08, 0.3)
BLINK_DURATION_S = (0.1, 0.4)
PARTIAL_DURATION_S = (0.15, 0.8)
TONIC_DURATION_S = (1.0, 4.0)
PARTIAL_PEAK = (0.35, 0.6)
"""True closure of a partial spasm: the range the issue's bar names."""
FULL_PEAK = (0.85, 1.0)
BLINK_PEAK = (0.9, 1.0)
INCOMPLETE_BLINK_PEAK = (0.4, 0.7)
TONIC_LEVEL = (0.75, 0.92)
TREMOR_HZ = (4.0, 8.0)
SPASM_RATE_PER_MIN = (6.0, 20.0)
BLINK_RATE_PER_MIN = (8.0, 22.0)
WEAK_EYE_RATIO = (0.4, 1.0)
"""The weaker eye's closure in a blink, as a fraction of the stronger eye's."""
MAX_ONSET_LAG_S = 0.04
"""The eyes of a blink start at most this far apart (and never more than one frame)."""
MAX_LEAK = 0.03
"""Largest closure of the other eye during a spasm (a slight sympathetic movement)."""

SPASM_GROUP_MIX: dict[str, float] = {
    "twitch": 0.3,
    "partial": 0.2,
    "burst": 0.2,
    "tonic": 0.15,
    "after_blink": 0.15,
}
"""How often each kind of spasm group is drawn."""


@dataclass(frozen=True)
class Happening:
    """One true event and the pulses that draw it.

    A blink has a pulse for each eye; a spasm one for its side and, optionally, a slight pulse of
    the other eye (``leak``). Cheek, mouth and brow on the spasm's side follow its closure times
    their gains. ``group`` numbers the events of one burst alike.
    """

    kind: EventKind
    type: EventType
    side: EventSide
    left: Pulse | None
    right: Pulse | None
    cheek_gain: float = 0.0
    mouth_gain: float = 0.0
    brow_gain: float = 0.0
    group: int = 0

    def pulse(self, side: Side) -> Pulse | None:
        """The pulse of one eye, or None."""
        return self.left if side == "left" else self.right

    @property
    def pulses(self) -> tuple[Pulse, ...]:
        """The pulses that exist, left first."""
        return tuple(p for p in (self.left, self.right) if p is not None)

    @property
    def t0_s(self) -> float:
        """When the first eye leaves rest."""
        return min(p.t0_s for p in self.pulses)

    @property
    def t1_s(self) -> float:
        """When the last eye is back at rest."""
        return max(p.t1_s for p in self.pulses)

    def stretched(self, extra_s: float) -> Happening:
        """The same event with its pulses held ``extra_s`` longer at their peak."""
        return replace(
            self,
            left=None
            if self.left is None
            else replace(self.left, hold_s=self.left.hold_s + extra_s),
            right=None
            if self.right is None
            else replace(self.right, hold_s=self.right.hold_s + extra_s),
        )

    def shifted(self, dt_s: float) -> Happening:
        """The same event ``dt_s`` later."""
        return replace(
            self,
            left=None if self.left is None else self.left.shifted(self.left.t0_s + dt_s),
            right=None if self.right is None else self.right.shifted(self.right.t0_s + dt_s),
        )

    def to_event(self) -> Event:
        """The ground-truth record: from the first eye's threshold crossing to the last's.

        A spasm's extent is its own side's; the other eye's slight leak does not count.
        """
        sides: tuple[Side, ...] = SIDES if self.side == "both" else (self.side,)
        marks = [p.crossings() for s in sides if (p := self.pulse(s)) is not None]
        marks = [m for m in marks if np.isfinite(m[0])]
        start = min(m[0] for m in marks)
        end = max(m[1] for m in marks)
        top = max(marks, key=lambda m: m[3])
        regions: list[Region] = ["eye"]
        if self.brow_gain > 0.0:
            regions.append("brow")
        if self.cheek_gain > 0.0:
            regions.append("cheek")
        if self.mouth_gain > 0.0:
            regions.append("mouth")
        return Event(
            kind=self.kind,
            side=self.side,
            start_s=start,
            end_s=end,
            peak_s=top[2],
            peak_closure=top[3],
            tonic=self.type == "tonic",
            regions=tuple(regions),
            type=self.type,
        )


@dataclass(frozen=True, eq=False)
class Activations:
    """Per-time activations (0-1) of each region of each side, float64 arrays of shape (T,).

    ``jaw`` (T,) opens the mouth (talking). ``lid_lift`` lifts the lower lids (a smile's cheeks
    narrowing the eyes from below) beyond what the spasms' cheek activation does.
    """

    times_s: np.ndarray
    closure: SidePair
    cheek: SidePair
    mouth: SidePair
    brow: SidePair
    jaw: np.ndarray
    lid_lift: SidePair


@dataclass(frozen=True)
class Schedule:
    """Every event of one synthetic video, in time order, and the look of its blinks."""

    duration_s: float
    side: Side
    spasms: bool
    happenings: tuple[Happening, ...]

    @property
    def events(self) -> tuple[Event, ...]:
        """Ground-truth events, in time order of their start."""
        return tuple(sorted((h.to_event() for h in self.happenings), key=lambda e: e.start_s))

    def activations(self, times_s: ArrayLike) -> Activations:
        """Closure, cheek, mouth and brow activation of both sides at ``times_s`` (seconds)."""
        t = np.asarray(times_s, dtype=np.float64).reshape(-1)
        acc = {
            name: {"left": np.zeros_like(t), "right": np.zeros_like(t)}
            for name in ("closure", "cheek", "mouth", "brow")
        }
        for h in self.happenings:
            for side in SIDES:
                p = h.pulse(side)
                if p is None:
                    continue
                inside = (t > p.t0_s) & (t < p.t1_s)
                if not inside.any():
                    continue
                c = np.zeros_like(t)
                c[inside] = p.closure(t[inside])
                acc["closure"][side] += c
                if h.kind == "spasm" and side == h.side:
                    acc["cheek"][side] += h.cheek_gain * c
                    acc["mouth"][side] += h.mouth_gain * c
                    acc["brow"][side] += h.brow_gain * c

        def pair(name: str) -> SidePair:
            return SidePair(
                left=np.clip(acc[name]["left"], 0.0, 1.0),
                right=np.clip(acc[name]["right"], 0.0, 1.0),
            )

        zero = np.zeros_like(t)
        return Activations(
            times_s=t,
            closure=pair("closure"),
            cheek=pair("cheek"),
            mouth=pair("mouth"),
            brow=pair("brow"),
            jaw=zero,
            lid_lift=SidePair(left=zero, right=zero),
        )


# --- blinks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlinkStyle:
    """How one video's blinks differ between the eyes (drawn once per video)."""

    weak_eye: Side
    weak_ratio: float
    """Typical closure of the weaker eye over the stronger one's, in (0.4, 1]."""
    slow_reopening_p: float
    incomplete_p: float
    burst_p: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> BlinkStyle:
        """A video's blink style: often one eye reads clearly weaker."""
        asymmetric = rng.random() < 0.6
        ratio = rng.uniform(0.45, 0.85) if asymmetric else rng.uniform(0.85, 1.0)
        return cls(
            weak_eye=SIDES[int(rng.integers(2))],
            weak_ratio=float(ratio),
            slow_reopening_p=float(rng.uniform(0.1, 0.45)),
            incomplete_p=float(rng.uniform(0.05, 0.3)),
            burst_p=float(rng.uniform(0.0, 0.15)),
        )


def _blink(rng: np.random.Generator, style: BlinkStyle, frame_s: float) -> Happening:
    """One blink: both eyes, the weaker one scaled, up to a frame apart, maybe slow to reopen."""
    incomplete = rng.random() < style.incomplete_p
    level = float(rng.uniform(*(INCOMPLETE_BLINK_PEAK if incomplete else BLINK_PEAK)))
    duration = float(rng.uniform(*BLINK_DURATION_S))
    rise_fraction = float(rng.uniform(0.3, 0.4))
    base = pulse_lasting(duration, level=level, rise_fraction=rise_fraction)
    ratio = float(np.clip(style.weak_ratio * rng.uniform(0.9, 1.1), WEAK_EYE_RATIO[0], 1.0))
    if incomplete:
        ratio = max(ratio, 0.6)
    lag = float(rng.uniform(-1.0, 1.0)) * min(frame_s, MAX_ONSET_LAG_S)
    strong = base
    weak = base.scaled(ratio).shifted(max(0.0, lag))
    strong = strong.shifted(max(0.0, -lag))
    if rng.random() < style.slow_reopening_p:
        # One eye (either) lingers part-closed before it is back at rest.
        slow_weak = rng.random() < 0.5
        target = weak if slow_weak else strong
        tail = float(rng.uniform(0.15, 0.4)) * target.level
        tail = min(max(tail, 0.12), 0.3, 0.8 * target.level)
        target = replace(
            target,
            tail_level=tail,
            tail_s=float(rng.uniform(0.15, 0.4)),
            tail_fall_s=float(rng.uniform(0.1, 0.25)),
        )
        weak, strong = (target, strong) if slow_weak else (weak, target)
    left, right = (weak, strong) if style.weak_eye == "left" else (strong, weak)
    return Happening(
        kind="blink",
        type="incomplete" if incomplete else "complete",
        side="both",
        left=left,
        right=right,
    )


# --- spasms -------------------------------------------------------------------------------------


def _spasm(
    rng: np.random.Generator, side: Side, type_: EventType, pulse: Pulse, *, group: int = 0
) -> Happening:
    """A one-sided spasm around ``pulse``, with its region involvement and a possible leak."""
    involves_face = rng.random() < 0.75
    cheek = float(rng.uniform(0.6, 1.0)) if involves_face else 0.0
    mouth = float(rng.uniform(0.6, 1.0)) if involves_face else 0.0
    brow = float(rng.uniform(0.6, 1.0)) if pulse.level >= 0.8 and rng.random() < 0.5 else 0.0
    leak = None
    if rng.random() < 0.3:
        leak = pulse.scaled(float(rng.uniform(0.01, MAX_LEAK)) / pulse.level)
    left, right = (pulse, leak) if side == "left" else (leak, pulse)
    return Happening(
        kind="spasm",
        type=type_,
        side=side,
        left=left,
        right=right,
        cheek_gain=cheek,
        mouth_gain=mouth,
        brow_gain=brow,
        group=group,
    )


def _twitch_pulse(rng: np.random.Generator, *, partial: bool | None = None) -> Pulse:
    full = rng.random() < 0.5 if partial is None else not partial
    level = float(rng.uniform(*(FULL_PEAK if full else PARTIAL_PEAK)))
    duration = float(rng.uniform(*TWITCH_DURATION_S))
    return pulse_lasting(duration, level=level, rise_fraction=float(rng.uniform(0.35, 0.5)))


def _partial_pulse(rng: np.random.Generator) -> Pulse:
    """A partial closure: 35-60 %, 0.15-0.8 s above threshold, sometimes held a while."""
    level = float(rng.uniform(*PARTIAL_PEAK))
    duration = float(rng.uniform(*PARTIAL_DURATION_S))
    rise = float(rng.uniform(0.05, 0.15))
    fall = float(rng.uniform(0.08, 0.2))
    hold = max(0.0, duration - threshold_width(rise, fall, level))
    tremor = float(rng.uniform(0.0, 0.04)) if hold > 0.3 else 0.0
    return Pulse(
        t0_s=0.0,
        rise_s=rise,
        hold_s=hold,
        fall_s=fall,
        level=level,
        tremor_amp=tremor,
        tremor_hz=float(rng.uniform(*TREMOR_HZ)),
        tremor_phase=float(rng.uniform(0, 2 * np.pi)),
    )


def _tonic_pulse(rng: np.random.Generator) -> Pulse:
    level = float(rng.uniform(*TONIC_LEVEL))
    rise = float(rng.uniform(0.1, 0.3))
    fall = float(rng.uniform(0.15, 0.4))
    target = float(rng.uniform(TONIC_DURATION_S[0] + 0.1, TONIC_DURATION_S[1]))
    return Pulse(
        t0_s=0.0,
        rise_s=rise,
        hold_s=max(0.4, target - threshold_width(rise, fall, level)),
        fall_s=fall,
        level=level,
        tremor_amp=float(rng.uniform(0.03, min(0.1, 1.0 - level))),
        tremor_hz=float(rng.uniform(*TREMOR_HZ)),
        tremor_phase=float(rng.uniform(0, 2 * np.pi)),
    )


def _spasm_group(
    rng: np.random.Generator,
    side: Side,
    style: BlinkStyle,
    frame_s: float,
    group: int,
    *,
    with_blinks: bool = True,
) -> list[Happening]:
    """One group of spasms laid out from time 0: a twitch, a partial closure, a clonic burst, a
    tonic spasm, or (``with_blinks``) a blink that sets off a tonic spasm or a burst."""
    names = [n for n in SPASM_GROUP_MIX if with_blinks or n != "after_blink"]
    weights = np.array([SPASM_GROUP_MIX[n] for n in names])
    kind = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if kind == "twitch":
        return [_spasm(rng, side, "twitch", _twitch_pulse(rng))]
    if kind == "partial":
        return [_spasm(rng, side, "partial", _partial_pulse(rng))]
    if kind == "tonic":
        return [_spasm(rng, side, "tonic", _tonic_pulse(rng))]
    if kind == "burst":
        return _burst(rng, side, int(rng.integers(3, 9)), 0.0, group)
    # A blink that sets off a spasm 0.05-0.15 s after it begins. A spasm wholly hidden inside the
    # blink could not be seen by anyone, so the first one outlasts the blink by 0.15 s or more.
    blink = _blink(rng, style, frame_s)
    start = blink.t0_s + float(rng.uniform(0.05, 0.15))
    if rng.random() < 0.5:
        return [blink, _spasm(rng, side, "tonic", _tonic_pulse(rng).shifted(start))]
    burst = _burst(rng, side, int(rng.integers(2, 6)), start, group)
    overhang = burst[0].t1_s - blink.t1_s
    if overhang < 0.15:
        stretch = 0.15 - overhang
        burst = [burst[0].stretched(stretch)] + [h.shifted(stretch) for h in burst[1:]]
    return [blink, *burst]


def draw_spasm_group(
    rng: np.random.Generator, side: Side, *, group: int = 0, frame_interval_s: float = 1.0 / 30
) -> list[Happening]:
    """One group of one-sided spasms (a twitch, a partial closure, a clonic burst or a tonic
    spasm, as often as in :func:`make_schedule`) laid out from time 0, with no blink in it.

    For putting spasms into a real video, whose own blinks are already there.
    """
    if side not in ("left", "right"):
        raise InvalidParameterError(f"side must be 'left' or 'right', but got {side!r}")
    style = BlinkStyle.draw(rng)
    return _spasm_group(rng, side, style, frame_interval_s, group, with_blinks=False)


def _burst(
    rng: np.random.Generator, side: Side, n: int, t0_s: float, group: int
) -> list[Happening]:
    out: list[Happening] = []
    t = t0_s
    for _ in range(n):
        p = _twitch_pulse(rng).shifted(t)
        out.append(_spasm(rng, side, "burst", p, group=group))
        t = p.t1_s + float(rng.uniform(*BURST_GAP_S))
    return out


def _blink_group(rng: np.random.Generator, style: BlinkStyle, frame_s: float) -> list[Happening]:
    """One blink, or a burst of two or three in quick succession."""
    n = int(rng.integers(2, 4)) if rng.random() < style.burst_p else 1
    out: list[Happening] = []
    t = 0.0
    for _ in range(n):
        b = _blink(rng, style, frame_s)
        b = b.shifted(t - b.t0_s)
        out.append(b)
        t = b.t1_s + float(rng.uniform(*BLINK_BURST_GAP_S))
    return out


def _span(group: list[Happening]) -> tuple[float, float]:
    return min(h.t0_s for h in group), max(h.t1_s for h in group)


def make_schedule(
    *,
    duration_s: float,
    side: Side = "left",
    spasms: bool = True,
    rng: np.random.Generator,
    frame_interval_s: float = 1.0 / 30.0,
    style: BlinkStyle | None = None,
) -> Schedule:
    """Draw the ground-truth schedule of a synthetic video.

    Parameters
    ----------
    duration_s : float
        Video length in seconds (at least 3).
    side : {"left", "right"}
        The subject's affected side (spasms happen on it only).
    spasms : bool
        False gives a control schedule: a healthy face's blinks only.
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives the same schedule.
    frame_interval_s : float
        The video's frame interval; the eyes of a blink start at most one frame apart.
    style : BlinkStyle, optional
        How the blinks differ between the eyes; drawn from ``rng`` when not given.

    Returns
    -------
    Schedule
        Event groups in time order: about 6-20 spasm events and 8-22 blinks per minute, none
        before ``LEAD_IN_S`` or within ``LEAD_OUT_S`` of the end, separated by rest.

    Examples
    --------
    >>> s = make_schedule(duration_s=30.0, side="left", rng=np.random.default_rng(0))
    >>> all(e.side in ("left", "both") for e in s.events)
    True
    """
    if not (np.isfinite(duration_s) and duration_s >= 3.0):
        raise InvalidParameterError(f"duration_s must be a number >= 3, but got {duration_s!r}")
    if side not in ("left", "right"):
        raise InvalidParameterError(f"side must be 'left' or 'right', but got {side!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, but got {type(rng).__name__}")
    if not (np.isfinite(frame_interval_s) and frame_interval_s > 0):
        raise InvalidParameterError(f"frame_interval_s must be > 0, but got {frame_interval_s!r}")
    style = style or BlinkStyle.draw(rng)

    minutes = duration_s / 60.0
    groups: list[list[Happening]] = []
    if spasms:
        n_spasm = round(rng.uniform(*SPASM_RATE_PER_MIN) * minutes)
        count = 0
        while count < n_spasm:
            g = _spasm_group(rng, side, style, frame_interval_s, len(groups) + 1)
            groups.append(g)
            count += sum(h.kind == "spasm" for h in g)
    n_blink = round(rng.uniform(*BLINK_RATE_PER_MIN) * minutes)
    count = 0
    while count < n_blink:
        g = _blink_group(rng, style, frame_interval_s)
        groups.append(g)
        count += len(g)
    order = rng.permutation(len(groups))
    laid = [groups[i] for i in order]

    def length(g: list[Happening]) -> float:
        a, b = _span(g)
        return b - a

    # Drop groups (blinks half the time, so spasm density holds) until all fit with rest between.
    window = duration_s - LEAD_IN_S - LEAD_OUT_S
    while laid and sum(length(g) for g in laid) + MIN_REST_S * (len(laid) - 1) > window:
        blinks = [i for i, g in enumerate(laid) if all(h.kind == "blink" for h in g)]
        pool = blinks if blinks and rng.random() < 0.5 else list(range(len(laid)))
        laid.pop(int(pool[rng.integers(len(pool))]))

    happenings: list[Happening] = []
    if laid:
        slack = window - sum(length(g) for g in laid) - MIN_REST_S * (len(laid) - 1)
        shares = rng.dirichlet(np.ones(len(laid) + 1)) * slack
        t = LEAD_IN_S + shares[0]
        for k, g in enumerate(laid):
            a, b = _span(g)
            happenings += [h.shifted(t - a) for h in g]
            t += (b - a) + MIN_REST_S + shares[k + 1]
    happenings.sort(key=lambda h: h.t0_s)
    return Schedule(
        duration_s=float(duration_s), side=side, spasms=spasms, happenings=tuple(happenings)
    )


__all__ = [
    "EVENT_THRESHOLD",
    "Activations",
    "BlinkStyle",
    "Happening",
    "Schedule",
    "draw_spasm_group",
    "make_schedule",
]
