"""Ground-truth schedule of a synthetic video: which muscle moves how much, and when.

Pure numpy: a seeded :class:`numpy.random.Generator` in, frozen records out.

Every event is one smooth *pulse* of eyelid closure that starts and ends at exactly 0 (open as at
rest). Pulses never overlap, and rest (closure exactly 0) separates them: at least 0.4 s between
distinct events, 0.2-0.5 s between the twitches of one burst. So the truth is unambiguous: an event
starts where its closure rises above ``EVENT_THRESHOLD`` and ends where it falls back below it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from hemispasm.analysis.types import SIDES, Event, EventSide, Region, Side, SidePair
from hemispasm.errors import InvalidParameterError

EVENT_THRESHOLD = 0.05
"""Closure above which an event is in progress (its start and end are the crossings)."""

LEAD_IN_S = 1.0
"""No event starts (leaves rest) before this time."""

LEAD_OUT_S = 0.5
"""No event is still in progress this close to the end of the video."""

MIN_REST_S = 0.4
"""Rest between two distinct events (pulse end to next pulse start)."""

BURST_GAP_S = (0.2, 0.5)
"""Rest between the twitches of one clonic burst."""

TWITCH_DURATION_S = (0.08, 0.3)
BLINK_DURATION_S = (0.1, 0.4)
TONIC_DURATION_S = (1.0, 3.0)
PARTIAL_PEAK = (0.35, 0.7)
FULL_PEAK = (0.85, 1.0)
BLINK_PEAK = (0.9, 1.0)
TONIC_LEVEL = (0.8, 0.92)
TREMOR_HZ = (4.0, 8.0)
SPASM_RATE_PER_MIN = (10.0, 20.0)
BLINK_RATE_PER_MIN = (10.0, 20.0)

_FINE_DT_S = 0.0005  # grid on which event start, end and peak are read off a pulse


def _smoothstep(u: np.ndarray) -> np.ndarray:
    """Raised cosine from 0 (u <= 0) to 1 (u >= 1), with zero slope at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


@dataclass(frozen=True)
class Pulse:
    """One event's closure time course, and how much the other regions follow it.

    The closure rises over ``rise_s`` to ``level``, holds ``hold_s`` (with a tremor of
    ``tremor_amp`` at ``tremor_hz`` for tonic spasms), then falls over ``fall_s`` back to exactly 0.
    Cheek, mouth and brow activations are the closure times their gains (0 = not involved).
    """

    kind: str
    side: EventSide
    t0_s: float
    rise_s: float
    hold_s: float
    fall_s: float
    level: float
    tremor_amp: float = 0.0
    tremor_hz: float = 0.0
    tremor_phase: float = 0.0
    cheek_gain: float = 0.0
    mouth_gain: float = 0.0
    brow_gain: float = 0.0

    @property
    def length_s(self) -> float:
        """Time from leaving rest to being back at rest."""
        return self.rise_s + self.hold_s + self.fall_s

    @property
    def t1_s(self) -> float:
        """Time the closure is back at exactly 0."""
        return self.t0_s + self.length_s

    def shifted(self, t0_s: float) -> Pulse:
        """The same pulse starting at ``t0_s``."""
        return replace(self, t0_s=t0_s)

    def closure(self, times_s: np.ndarray) -> np.ndarray:
        """Closure (0-1) of this pulse alone at ``times_s``."""
        t = np.asarray(times_s, dtype=np.float64) - self.t0_s
        rise = self.level * _smoothstep(t / self.rise_s)
        t_fall = t - self.rise_s - self.hold_s
        fall = self.level * (1.0 - _smoothstep(t_fall / self.fall_s))
        out = np.where(t_fall < 0.0, rise, fall)
        if self.tremor_amp > 0.0 and self.hold_s > 0.0:
            th = t - self.rise_s
            taper = np.minimum(_smoothstep(th / 0.15), _smoothstep((self.hold_s - th) / 0.15))
            wave = np.sin(2.0 * np.pi * self.tremor_hz * th + self.tremor_phase)
            out = out + self.tremor_amp * taper * wave
        out = np.where((t <= 0.0) | (t >= self.length_s), 0.0, out)
        return np.clip(out, 0.0, 1.0)

    def to_event(self) -> Event:
        """The ground-truth record: start/end where closure crosses ``EVENT_THRESHOLD``."""
        grid = np.arange(self.t0_s, self.t1_s + _FINE_DT_S, _FINE_DT_S)
        c = self.closure(grid)
        above = np.flatnonzero(c > EVENT_THRESHOLD)
        start = float(grid[above[0]])
        end = float(grid[above[-1]])
        i_peak = int(np.argmax(c))
        regions: list[Region] = ["eye"]
        if self.brow_gain > 0.0:
            regions.append("brow")
        if self.cheek_gain > 0.0:
            regions.append("cheek")
        if self.mouth_gain > 0.0:
            regions.append("mouth")
        return Event(
            kind="blink" if self.kind == "blink" else "spasm",
            side=self.side,
            start_s=start,
            end_s=end,
            peak_s=float(grid[i_peak]),
            peak_closure=float(c[i_peak]),
            tonic=self.kind == "tonic",
            regions=tuple(regions),
        )


def _threshold_width(rise: float, fall: float, level: float) -> float:
    """Time above ``EVENT_THRESHOLD`` of a pulse with no hold (closed form of the raised cosine)."""
    u = np.arccos(1.0 - 2.0 * EVENT_THRESHOLD / level) / np.pi
    return (rise + fall) * (1.0 - u)


@dataclass(frozen=True, eq=False)
class Activations:
    """Per-time activations (0-1) of each region of each side, float64 arrays of shape (T,)."""

    times_s: np.ndarray
    closure: SidePair
    cheek: SidePair
    mouth: SidePair
    brow: SidePair


@dataclass(frozen=True)
class Schedule:
    """Everything that happens in one synthetic video, in time order.

    ``pulses`` drive the renderer; ``events`` are their ground-truth records (same order).
    """

    duration_s: float
    side: Side
    spasms: bool
    pulses: tuple[Pulse, ...]

    @property
    def events(self) -> tuple[Event, ...]:
        """Ground-truth events, in time order."""
        return tuple(p.to_event() for p in self.pulses)

    def activations(self, times_s: ArrayLike) -> Activations:
        """Closure, cheek, mouth and brow activation of both sides at ``times_s`` (seconds)."""
        t = np.asarray(times_s, dtype=np.float64).reshape(-1)
        zero = np.zeros_like(t)
        acc = {
            name: {"left": zero.copy(), "right": zero.copy()}
            for name in ("closure", "cheek", "mouth", "brow")
        }
        for p in self.pulses:
            inside = (t > p.t0_s) & (t < p.t1_s)
            if not inside.any():
                continue
            c = np.zeros_like(t)
            c[inside] = p.closure(t[inside])
            sides: tuple[Side, ...] = SIDES if p.side == "both" else (p.side,)
            for s in sides:
                acc["closure"][s] += c
                acc["cheek"][s] += p.cheek_gain * c
                acc["mouth"][s] += p.mouth_gain * c
                acc["brow"][s] += p.brow_gain * c

        def pair(name: str) -> SidePair:
            return SidePair(
                left=np.clip(acc[name]["left"], 0.0, 1.0),
                right=np.clip(acc[name]["right"], 0.0, 1.0),
            )

        return Activations(
            times_s=t,
            closure=pair("closure"),
            cheek=pair("cheek"),
            mouth=pair("mouth"),
            brow=pair("brow"),
        )


def _twitch(rng: np.random.Generator, side: Side) -> Pulse:
    """One clonic twitch: a brisk partial or full closure lasting 80-300 ms above threshold."""
    full = rng.random() < 0.5
    level = float(rng.uniform(*(FULL_PEAK if full else PARTIAL_PEAK)))
    target = float(rng.uniform(*TWITCH_DURATION_S))
    rise_frac = float(rng.uniform(0.35, 0.5))
    width = _threshold_width(rise_frac, 1.0 - rise_frac, level)
    total = target / width
    return _spasm_pulse(
        rng,
        side,
        "twitch",
        rise_s=rise_frac * total,
        hold_s=0.0,
        fall_s=(1 - rise_frac) * total,
        level=level,
    )


def _tonic(rng: np.random.Generator, side: Side) -> Pulse:
    """One tonic spasm: closure held at 0.8-1.0 for 1-3 s with a 4-8 Hz tremor on top."""
    level = float(rng.uniform(*TONIC_LEVEL))
    amp = float(rng.uniform(0.03, min(0.08, 1.0 - level)))
    rise = float(rng.uniform(0.12, 0.25))
    fall = float(rng.uniform(0.15, 0.35))
    target = float(rng.uniform(TONIC_DURATION_S[0] + 0.05, TONIC_DURATION_S[1]))
    hold = max(0.3, target - _threshold_width(rise, fall, level))
    return _spasm_pulse(
        rng,
        side,
        "tonic",
        rise_s=rise,
        hold_s=hold,
        fall_s=fall,
        level=level,
        tremor_amp=amp,
        tremor_hz=float(rng.uniform(*TREMOR_HZ)),
        tremor_phase=float(rng.uniform(0, 2 * np.pi)),
    )


def _spasm_pulse(rng: np.random.Generator, side: Side, kind: str, **shape: float) -> Pulse:
    """A spasm pulse with its region involvement drawn: most pull cheek and mouth too."""
    level = shape["level"]
    involves_face = rng.random() < 0.75
    cheek = float(rng.uniform(0.6, 1.0)) if involves_face else 0.0
    mouth = float(rng.uniform(0.6, 1.0)) if involves_face else 0.0
    strong = level >= 0.8
    brow = float(rng.uniform(0.6, 1.0)) if strong and rng.random() < 0.7 else 0.0
    return Pulse(
        kind=kind,
        side=side,
        t0_s=0.0,
        cheek_gain=cheek,
        mouth_gain=mouth,
        brow_gain=brow,
        **shape,
    )


def _blink(rng: np.random.Generator) -> Pulse:
    """One normal blink: both eyes equally, 100-400 ms, quick closing and slower opening."""
    level = float(rng.uniform(*BLINK_PEAK))
    target = float(rng.uniform(*BLINK_DURATION_S))
    rise_frac = float(rng.uniform(0.3, 0.4))
    total = target / _threshold_width(rise_frac, 1.0 - rise_frac, level)
    return Pulse(
        kind="blink",
        side="both",
        t0_s=0.0,
        rise_s=rise_frac * total,
        hold_s=0.0,
        fall_s=(1.0 - rise_frac) * total,
        level=level,
    )


def _spasm_groups(rng: np.random.Generator, side: Side, n_events: int) -> list[list[Pulse]]:
    """Spasm groups (single twitch, burst of 2-4 twitches, or tonic) totalling ``n_events``."""
    groups: list[list[Pulse]] = []
    count = 0
    while count < n_events:
        u = rng.random()
        if u < 0.2:
            group = [_tonic(rng, side)]
        elif u < 0.5:
            n = int(min(rng.integers(2, 5), max(2, n_events - count)))
            group = [_twitch(rng, side) for _ in range(n)]
        else:
            group = [_twitch(rng, side)]
        groups.append(group)
        count += len(group)
    return groups


def _pack_group(rng: np.random.Generator, group: list[Pulse]) -> tuple[list[Pulse], float]:
    """Lay a burst's twitches out from time 0 with 0.2-0.5 s of rest between them."""
    t = 0.0
    out: list[Pulse] = []
    for i, p in enumerate(group):
        if i:
            t += float(rng.uniform(*BURST_GAP_S))
        out.append(p.shifted(t))
        t += p.length_s
    return out, t


def make_schedule(
    *,
    duration_s: float,
    side: Side = "left",
    spasms: bool = True,
    rng: np.random.Generator,
) -> Schedule:
    """Draw the ground-truth schedule of a synthetic video.

    Parameters
    ----------
    duration_s : float
        Video length in seconds (at least 3).
    side : {"left", "right"}
        The subject's affected side (spasms happen on it only).
    spasms : bool
        False gives a control schedule with normal bilateral blinks only.
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives the same schedule.

    Returns
    -------
    Schedule
        Pulses in time order: about 10-20 spasm events and 10-20 blinks per minute, none
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

    minutes = duration_s / 60.0
    groups: list[list[Pulse]] = []
    if spasms:
        n_spasm = round(rng.uniform(*SPASM_RATE_PER_MIN) * minutes)
        groups += _spasm_groups(rng, side, n_spasm)
    n_blink = round(rng.uniform(*BLINK_RATE_PER_MIN) * minutes)
    groups += [[_blink(rng)] for _ in range(n_blink)]
    order = rng.permutation(len(groups))
    laid = [_pack_group(rng, groups[i]) for i in order]

    # Drop groups (blinks last, so spasm density holds) until everything fits with rest between.
    window = duration_s - LEAD_IN_S - LEAD_OUT_S
    while laid and sum(length for _, length in laid) + MIN_REST_S * (len(laid) - 1) > window:
        blinks = [i for i, (g, _) in enumerate(laid) if g[0].kind == "blink"]
        pool = blinks if blinks and rng.random() < 0.5 else list(range(len(laid)))
        laid.pop(int(pool[rng.integers(len(pool))]))

    pulses: list[Pulse] = []
    if laid:
        slack = window - sum(length for _, length in laid) - MIN_REST_S * (len(laid) - 1)
        shares = rng.dirichlet(np.ones(len(laid) + 1)) * slack
        t = LEAD_IN_S + shares[0]
        for k, (group, length) in enumerate(laid):
            pulses += [p.shifted(t + p.t0_s) for p in group]
            t += length + MIN_REST_S + shares[k + 1]
    return Schedule(duration_s=float(duration_s), side=side, spasms=spasms, pulses=tuple(pulses))
