"""A small column chart of each finished injection cycle's effect days.

Pure: cycle courses in, the geometry of one column per finished cycle out (``effect_columns``),
with the numbers of its summary; the template ``_cycles.html`` draws it and puts it in words, in
the page's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hemispasm.clinic.domain.cycles import CycleCourse

COLUMNS_WIDTH = 640
COLUMNS_HEIGHT = 150
COLUMNS_TOP = 14
COLUMNS_BOTTOM = 124
COLUMNS_LEFT = 36


@dataclass(frozen=True)
class Column:
    """One finished cycle: the ``d`` of its column, its injection and its effect days."""

    d: str
    x: float
    top: float
    days: int
    injected_on: date


@dataclass(frozen=True)
class Columns:
    """Effect days of the finished cycles, oldest on the left."""

    width: int
    height: int
    left: int
    baseline: float
    top: float
    max_days: int
    columns: tuple[Column, ...]
    first_on: date
    last_on: date
    """The first and last columns' injections, written under the axis."""


def effect_columns(cycles: Sequence[CycleCourse], *, last: int = 16) -> Columns | None:
    """A column per finished cycle (the ``last`` newest), height = effect days; None with fewer
    than two (one column shows no pattern)."""
    if last < 2:
        raise ValueError(f"last must be at least 2, but got {last}")
    done = sorted((c for c in cycles if c.effect_days is not None), key=lambda c: c.injected_on)
    done = done[-last:]
    if len(done) < 2:
        return None
    days = [c.effect_days or 0 for c in done]
    top_days = max(30, -(-max(days) // 30) * 30)  # whole months of scale
    slot = (COLUMNS_WIDTH - COLUMNS_LEFT - 8) / len(done)
    width = min(40.0, slot * 0.7)
    columns = []
    for i, (c, d) in enumerate(zip(done, days, strict=True)):
        cx = COLUMNS_LEFT + slot * (i + 0.5)
        height = d / top_days * (COLUMNS_BOTTOM - COLUMNS_TOP)
        y0 = COLUMNS_BOTTOM - height
        columns.append(
            Column(
                d=f"M{cx - width / 2:.1f} {COLUMNS_BOTTOM}V{y0:.1f}h{width:.1f}V{COLUMNS_BOTTOM}z",
                x=round(cx, 1),
                top=round(y0, 1),
                days=d,
                injected_on=c.injected_on,
            )
        )
    return Columns(
        width=COLUMNS_WIDTH,
        height=COLUMNS_HEIGHT,
        left=COLUMNS_LEFT,
        baseline=COLUMNS_BOTTOM,
        top=COLUMNS_TOP,
        max_days=top_days,
        columns=tuple(columns),
        first_on=done[0].injected_on,
        last_on=done[-1].injected_on,
    )
