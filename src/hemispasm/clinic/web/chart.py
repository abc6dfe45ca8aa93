"""The patient timeline as SVG geometry: sessions as ticks, each cycle's effect as a bar.

Pure: dates in, coordinates out; the template draws them. No chart library, nothing from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hemispasm.clinic.domain.cycles import CycleCourse

WIDTH = 800
HEIGHT = 120
MARGIN = 24
AXIS_Y = 96
BAR_Y = 44
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Tick:
    """A session: its x position and label."""

    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    """The effect of one cycle, from onset (or the injection) to wear-off."""

    x: float
    width: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the timeline."""

    width: int
    height: int
    axis_y: int
    bar_y: int
    bar_height: int
    ticks: list[Tick]
    bars: list[Bar]
    years: list[Tick]
    today_x: float
    summary: str


def timeline_chart(cycles: Sequence[CycleCourse], *, today: date) -> Chart | None:
    """The chart of ``cycles`` up to ``today``; None without any session."""
    if not cycles:
        return None
    start = min(c.injected_on for c in cycles) - timedelta(days=14)
    end = max(today, *(c.wore_off_on or c.injected_on for c in cycles)) + timedelta(days=14)
    span_days = (end - start).days
    scale = (WIDTH - 2 * MARGIN) / span_days

    def x(on: date) -> float:
        return round(MARGIN + (on - start).days * scale, 1)

    ticks = [Tick(x(c.injected_on), f"injection {c.injected_on.isoformat()}") for c in cycles]
    bars = []
    for c in cycles:
        if c.wore_off_on is None:
            continue
        began = c.effect_began_on or c.injected_on
        bars.append(
            Bar(
                x(began),
                max(1.0, round(x(c.wore_off_on) - x(began), 1)),
                f"effect {began.isoformat()} to {c.wore_off_on.isoformat()}: {c.effect_days} days",
            )
        )
    years = [
        Tick(x(date(year, 1, 1)), str(year))
        for year in range(start.year + 1, end.year + 1)
        if start < date(year, 1, 1) < end
    ]
    summary = (
        f"{len(cycles)} injection sessions from {cycles[0].injected_on.isoformat()} "
        f"to {cycles[-1].injected_on.isoformat()}; {len(bars)} cycles with a reported wear-off"
    )
    return Chart(WIDTH, HEIGHT, AXIS_Y, BAR_Y, BAR_HEIGHT, ticks, bars, years, x(today), summary)
