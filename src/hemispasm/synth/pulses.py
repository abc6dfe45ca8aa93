"""One eye's closure over time: a smooth pulse, with a tremor and a slow reopening if asked.

Pure numpy. A pulse starts and ends at exactly 0 (open as at rest), so the truth of an event is
unambiguous: it starts where its closure rises above ``EVENT_THRESHOLD`` and ends where it has
fallen back below it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

EVENT_THRESHOLD = 0.05
"""Closure above which an event is in progress (its start and end are the crossings)."""

FINE_DT_S = 0.0005
"""Grid on which event start, end and peak are read off a pulse."""


def smoothstep(u: np.ndarray) -> np.ndarray:
    """Raised cosine from 0 (u <= 0) to 1 (u >= 1), with zero slope at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


@dataclass(frozen=True)
class Pulse:
    """One eye's closure time course (0 open as at rest, 1 closed).

    The closure rises over ``rise_s`` to ``level``, holds ``hold_s`` (with a tremor of
    ``tremor_amp`` at ``tremor_hz`` on top, for tonic spasms), then falls over ``fall_s``. With a
    slow reopening (``tail_s`` > 0) the fall stops at ``tail_level``, lingers there for
    ``tail_s`` and returns to exactly 0 over ``tail_fall_s``; otherwise it falls to 0.
    """

    t0_s: float
    rise_s: float
    hold_s: float
    fall_s: float
    level: float
    tremor_amp: float = 0.0
    tremor_hz: float = 0.0
    tremor_phase: float = 0.0
    tail_level: float = 0.0
    tail_s: float = 0.0
    tail_fall_s: float = 0.0

    def __post_init__(self) -> None:
        if not (self.rise_s > 0 and self.fall_s > 0 and self.hold_s >= 0):
            raise ValueError(
                f"rise_s and fall_s must be > 0 and hold_s >= 0, but got {self.rise_s}, "
                f"{self.fall_s}, {self.hold_s}"
            )
        if not 0.0 < self.level <= 1.0:
            raise ValueError(f"level must be in (0, 1], but got {self.level}")
        if self.tail_s > 0 and not (0.0 < self.tail_level < self.level and self.tail_fall_s > 0):
            raise ValueError(
                "a slow reopening needs 0 < tail_level < level and tail_fall_s > 0, but got "
                f"tail_level={self.tail_level}, level={self.level}, tail_fall_s={self.tail_fall_s}"
            )

    @property
    def slow_reopening(self) -> bool:
        """True when the lid lingers part-closed before it is back at rest."""
        return self.tail_s > 0

    @property
    def length_s(self) -> float:
        """Time from leaving rest to being back at rest."""
        tail = self.tail_s + self.tail_fall_s if self.slow_reopening else 0.0
        return self.rise_s + self.hold_s + self.fall_s + tail

    @property
    def t1_s(self) -> float:
        """Time the closure is back at exactly 0."""
        return self.t0_s + self.length_s

    def shifted(self, t0_s: float) -> Pulse:
        """The same pulse starting at ``t0_s``."""
        return replace(self, t0_s=t0_s)

    def scaled(self, factor: float) -> Pulse:
        """The same time course with every closure multiplied by ``factor`` (0-1]."""
        return replace(
            self,
            level=self.level * factor,
            tremor_amp=self.tremor_amp * factor,
            tail_level=self.tail_level * factor,
        )

    def closure(self, times_s: np.ndarray) -> np.ndarray:
        """Closure (0-1) of this pulse alone at ``times_s``."""
        t = np.asarray(times_s, dtype=np.float64) - self.t0_s
        end_level = self.tail_level if self.slow_reopening else 0.0
        rise = self.level * smoothstep(t / self.rise_s)
        t_fall = t - self.rise_s - self.hold_s
        fall = end_level + (self.level - end_level) * (1.0 - smoothstep(t_fall / self.fall_s))
        out = np.where(t_fall < 0.0, rise, fall)
        if self.slow_reopening:
            t_tail = t_fall - self.fall_s - self.tail_s
            tail = self.tail_level * (1.0 - smoothstep(t_tail / self.tail_fall_s))
            out = np.where(t_tail > 0.0, tail, out)
        if self.tremor_amp > 0.0 and self.hold_s > 0.0:
            th = t - self.rise_s
            taper = np.minimum(smoothstep(th / 0.15), smoothstep((self.hold_s - th) / 0.15))
            wave = np.sin(2.0 * np.pi * self.tremor_hz * th + self.tremor_phase)
            out = out + self.tremor_amp * taper * wave
        out = np.where((t <= 0.0) | (t >= self.length_s), 0.0, out)
        return np.clip(out, 0.0, 1.0)

    def crossings(self) -> tuple[float, float, float, float]:
        """(start, end, peak time, peak closure): where the closure crosses ``EVENT_THRESHOLD``.

        Start and end are NaN when the pulse never reaches the threshold.
        """
        grid = np.arange(self.t0_s, self.t1_s + FINE_DT_S, FINE_DT_S)
        c = self.closure(grid)
        above = np.flatnonzero(c > EVENT_THRESHOLD)
        i_peak = int(np.argmax(c))
        if above.size == 0:
            return float("nan"), float("nan"), float(grid[i_peak]), float(c[i_peak])
        return float(grid[above[0]]), float(grid[above[-1]]), float(grid[i_peak]), float(c[i_peak])


def threshold_width(rise: float, fall: float, level: float) -> float:
    """Time above ``EVENT_THRESHOLD`` of a pulse with no hold (closed form of the raised cosine)."""
    u = np.arccos(1.0 - 2.0 * EVENT_THRESHOLD / level) / np.pi
    return (rise + fall) * (1.0 - u)


def pulse_lasting(
    duration_s: float, *, level: float, rise_fraction: float, t0_s: float = 0.0
) -> Pulse:
    """A pulse with no hold that stays above ``EVENT_THRESHOLD`` for ``duration_s``."""
    total = duration_s / threshold_width(rise_fraction, 1.0 - rise_fraction, level)
    return Pulse(
        t0_s=t0_s,
        rise_s=rise_fraction * total,
        hold_s=0.0,
        fall_s=(1.0 - rise_fraction) * total,
        level=level,
    )
