"""The dose history of one product drawn on the server as SVG: a bar per year, stacked by site.

Pure: a ``dose_history.ProductHistory`` and the words for each site in, the geometry out
(``stacked_years``). The template ``dose_history.html`` draws it with attributes only, so the
chart needs neither JavaScript nor inline style. The sites given most units keep a colour of
their own; the rest share one grey band ("Other sites"), and the table below gives every value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hemispasm.clinic.domain.dose_history import ProductHistory

MAX_WIDTH = 640
MIN_WIDTH = 360
YEAR_WIDTH = 64
"""The drawing is as wide as its years need (between the two bounds), so that a chart of a few
years is not scaled down, with its labels, on a phone."""
LEFT = 56
"""Room for the scale's numbers."""
RIGHT = 12
TOP = 12
PLOT_HEIGHT = 200
AXIS_HEIGHT = 30
COLOURS = ("#0B5CAD", "#B35900", "#0E7A55", "#A2367D", "#4B4B9E", "#8A6D00")
"""One colour per named site (Okabe-Ito hues darkened to 3:1 against white and each other)."""
OTHER_COLOUR = "#767676"
MAX_NAMED_SITES = len(COLOURS)


@dataclass(frozen=True)
class Segment:
    """One site's units in one year: a rectangle and its tooltip."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class AxisMark:
    """A labelled position on an axis."""

    at: float
    label: str


@dataclass(frozen=True)
class KeyEntry:
    """A colour of the chart and what it stands for."""

    colour: str
    label: str


@dataclass(frozen=True)
class DoseChart:
    """Everything the template needs to draw one product's chart."""

    width: int
    height: int
    left: int
    right: int
    plot_top: int
    plot_bottom: int
    segments: tuple[Segment, ...]
    y_marks: tuple[AxisMark, ...]
    x_marks: tuple[AxisMark, ...]
    key: tuple[KeyEntry, ...]
    summary: str


def nice_step(top: float, *, marks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) dividing ``top`` into about ``marks``."""
    if top <= 0:
        return 1.0
    raw = top / marks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _bands(history: ProductHistory) -> list[tuple[str | None, list[int]]]:
    """(colour, site columns) per band: the sites with most units each alone, the rest together."""
    order = sorted(range(len(history.sites)), key=lambda i: -history.site_totals[i])
    if len(order) <= MAX_NAMED_SITES:
        named, rest = order, []
    else:
        named, rest = order[: MAX_NAMED_SITES - 1], order[MAX_NAMED_SITES - 1 :]
    named.sort()  # keep the face's order (upper face first) within the stack
    bands: list[tuple[str | None, list[int]]] = [(COLOURS[k], [i]) for k, i in enumerate(named)]
    if rest:
        bands.append((None, sorted(rest)))
    return bands


def stacked_years(history: ProductHistory, site_labels: Sequence[str]) -> DoseChart:
    """Bars of units per year (one per year, gaps included), stacked by site.

    ``site_labels`` names each of ``history.sites`` in the same order.
    """
    if len(site_labels) != len(history.sites):
        raise ValueError(
            f"site_labels must name each of the {len(history.sites)} sites, "
            f"but got {len(site_labels)}"
        )
    top_units = max((y.total_units for y in history.years), default=0.0)
    step = nice_step(top_units)
    scale_top = step * max(1, math.ceil(top_units / step)) if top_units else step
    width = min(MAX_WIDTH, max(MIN_WIDTH, LEFT + RIGHT + YEAR_WIDTH * len(history.years)))
    plot_width = width - LEFT - RIGHT
    slot = plot_width / max(1, len(history.years))
    bar_width = min(48.0, slot * 0.6)
    bottom = TOP + PLOT_HEIGHT

    def y_of(units: float) -> float:
        return bottom - units / scale_top * PLOT_HEIGHT

    bands = _bands(history)
    segments: list[Segment] = []
    x_marks: list[AxisMark] = []
    for k, year in enumerate(history.years):
        centre = LEFT + slot * (k + 0.5)
        x_marks.append(AxisMark(round(centre, 1), str(year.year)))
        base = 0.0
        for colour, columns in bands:
            units = sum(year.units_by_site[i] for i in columns)
            if units <= 0:
                continue
            name = site_labels[columns[0]] if colour is not None else "Other sites"
            segments.append(
                Segment(
                    x=round(centre - bar_width / 2, 1),
                    y=round(y_of(base + units), 1),
                    width=round(bar_width, 1),
                    height=round(units / scale_top * PLOT_HEIGHT, 1),
                    colour=colour or OTHER_COLOUR,
                    label=f"{year.year}, {name}: {units:g} U",
                )
            )
            base += units
    y_marks = tuple(
        AxisMark(round(y_of(step * i), 1), f"{step * i:g}")
        for i in range(round(scale_top / step) + 1)
    )
    key = tuple(
        KeyEntry(colour or OTHER_COLOUR, site_labels[cols[0]] if colour else "Other sites")
        for colour, cols in bands
    )
    busiest = max(history.years, key=lambda y: y.total_units)
    sessions = f"{history.sessions} session{'' if history.sessions == 1 else 's'}"
    if history.first_on.year == history.last_on.year:
        span = f"in {history.first_on.year}"
    else:
        span = f"from {history.first_on.year} to {history.last_on.year}"
    summary = (
        f"{history.total_units:g} U in {sessions} {span}; the most in one year: "
        f"{busiest.total_units:g} U in {busiest.year}."
    )
    return DoseChart(
        width=width,
        height=bottom + AXIS_HEIGHT,
        left=LEFT,
        right=RIGHT,
        plot_top=TOP,
        plot_bottom=bottom,
        segments=tuple(segments),
        y_marks=y_marks,
        x_marks=tuple(x_marks),
        key=key,
        summary=summary,
    )
