"""The patient timeline: injections, each cycle's effect and the severity measures over the years.

Pure: dates and values in; out come the data of the interactive chart (``chart_json``, drawn by
``static/charts.js`` with Chart.js), the geometry of the server-drawn SVG that stands in for it
without JavaScript (``svg_timeline``), the same numbers as table rows (for screen readers), and a
small column chart of each cycle's effect days (``effect_columns``). The templates draw them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hemispasm.clinic.domain.cycles import CycleCourse

EPOCH = date(1970, 1, 1)
DEFAULT_WINDOW_DAYS = 730
"""The interactive chart opens on the last two years; the reader can widen it to all years."""
PAD_DAYS = 14


@dataclass(frozen=True)
class MeasureSpec:
    """How one severity measure is named, scaled and drawn (colour and marker shape together,
    so that no reader depends on telling the colours apart)."""

    key: str
    label: str
    """The full name, for the legend and the table's column."""
    short: str
    """The axis title."""
    unit: str
    y_max: float | None
    """The top of the scale; None to fit the data."""
    decimals: int
    colour: str
    marker: str
    """circle, triangle, square or diamond."""
    dash: tuple[int, ...] = ()

    @property
    def key_path(self) -> str:
        """The marker in a 28 x 16 legend key."""
        return marker_path(self.marker, 14, 8)

    def format(self, value: float) -> str:
        """``value`` as the tables print it."""
        number = f"{value:.{self.decimals}f}"
        return f"{number} %" if self.unit == "%" else number


# Okabe-Ito blue and vermillion, Tol's purple and a dark brown: all at least 3:1 on white.
RATING = MeasureSpec(
    "rating", "Own rating (0 none, 10 worst)", "Own rating", "", 10, 0, "#0072B2", "circle"
)
JANKOVIC = MeasureSpec(
    "jankovic", "Jankovic total (0-8)", "Jankovic", "", 8, 0, "#D55E00", "triangle", (6, 4)
)
SPASMS = MeasureSpec(
    "spasms",
    "Spasms per minute (video estimate)",
    "Spasms / min",
    "per min",
    None,
    1,
    "#882E72",
    "square",
    (2, 3),
)
CLOSED = MeasureSpec(
    "closed",
    "% of time the affected eye was mostly closed by spasms (video estimate)",
    "% eye closed",
    "%",
    100,
    0,
    "#6B4400",
    "diamond",
    (8, 3, 2, 3),
)


@dataclass(frozen=True)
class Point:
    """One value of a measure on one day."""

    on: date
    value: float


@dataclass(frozen=True)
class Measure:
    """A measure's values over time, oldest first."""

    spec: MeasureSpec
    points: tuple[Point, ...]

    @property
    def y_max(self) -> float:
        """The top of the scale: fixed, or the largest value rounded up (at least 1)."""
        if self.spec.y_max is not None:
            return self.spec.y_max
        top = max((p.value for p in self.points), default=1.0)
        return float(max(1, -(-top // 1)))


@dataclass(frozen=True)
class Effect:
    """One cycle's effect: from onset (or the injection when onset is unknown) to wear-off, or
    to today for the current cycle when the effect has begun and not yet worn off."""

    injected_on: date
    began_on: date
    ended_on: date
    onset_known: bool
    ongoing: bool
    days: int | None


@dataclass(frozen=True)
class TableRow:
    """Everything on one day: what happened and each measure's values (aligned to
    ``TimelineData.measures``; a tuple, since a day can hold two ratings)."""

    on: date
    events: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class TimelineData:
    """A patient's course on one time axis."""

    start: date
    end: date
    view_start: date
    """Where the interactive chart opens (the last two years, or all when shorter)."""
    today: date
    next_due_on: date | None
    sessions: tuple[date, ...]
    effects: tuple[Effect, ...]
    measures: tuple[Measure, ...]
    """Only the measures with at least one value."""
    rows: tuple[TableRow, ...]
    """One row per day with anything on it, newest first."""
    summary: str


def day_number(on: date) -> int:
    """Days since 1970-01-01: the chart's x axis (JavaScript turns it back into a date)."""
    return (on - EPOCH).days


def points(
    rows: Iterable[Mapping[str, Any]], date_key: str, value_key: str
) -> list[tuple[date, float | None]]:
    """``(date, value)`` pairs from record rows (column-value dicts)."""
    return [(row[date_key], row[value_key]) for row in rows]


def _effects(cycles: Sequence[CycleCourse], today: date) -> tuple[Effect, ...]:
    out = []
    for i, c in enumerate(cycles):
        began = c.effect_began_on or c.injected_on
        if c.wore_off_on is not None:
            out.append(
                Effect(
                    c.injected_on,
                    began,
                    c.wore_off_on,
                    c.effect_began_on is not None,
                    ongoing=False,
                    days=c.effect_days,
                )
            )
        elif c.effect_began_on is not None and i == len(cycles) - 1:
            out.append(Effect(c.injected_on, began, max(began, today), True, True, None))
    return tuple(out)


def _rows(
    sessions: Sequence[date], effects: Sequence[Effect], measures: Sequence[Measure]
) -> tuple[TableRow, ...]:
    events: dict[date, list[str]] = {}
    for on in sessions:
        events.setdefault(on, []).append("Injection")
    for e in effects:
        if e.onset_known:
            events.setdefault(e.began_on, []).append("Effect began")
        if not e.ongoing:
            events.setdefault(e.ended_on, []).append(f"Effect wore off ({e.days} days)")
    values: dict[date, list[list[float]]] = {}
    for i, m in enumerate(measures):
        for p in m.points:
            values.setdefault(p.on, [[] for _ in measures])[i].append(p.value)
    days = sorted(set(events) | set(values), reverse=True)
    empty = tuple(() for _ in measures)
    return tuple(
        TableRow(
            on,
            tuple(events.get(on, ())),
            tuple(tuple(v) for v in values[on]) if on in values else empty,
        )
        for on in days
    )


def _summary(
    sessions: Sequence[date], effects: Sequence[Effect], measures: Sequence[Measure]
) -> str:
    parts = []
    if sessions:
        parts.append(
            f"{len(sessions)} injection session{'s' if len(sessions) != 1 else ''} "
            f"from {sessions[0].isoformat()} to {sessions[-1].isoformat()}"
        )
    else:
        parts.append("No injection sessions")
    done = [e.days for e in effects if e.days is not None]
    if done:
        parts.append(
            f"the effect lasted {min(done)} to {max(done)} days in {len(done)} "
            f"cycle{'s' if len(done) != 1 else ''}, {done[-1]} days in the latest"
        )
    for m in measures:
        values = [p.value for p in m.points]
        parts.append(
            f"{m.spec.label}: {len(values)} value{'s' if len(values) != 1 else ''} "
            f"from {m.spec.format(min(values))} to {m.spec.format(max(values))}, "
            f"latest {m.spec.format(values[-1])} on {m.points[-1].on.isoformat()}"
        )
    return "; ".join(parts) + "."


def build_timeline(
    cycles: Sequence[CycleCourse],
    measures: Sequence[tuple[MeasureSpec, Iterable[tuple[date, float | None]]]] = (),
    *,
    today: date,
    next_due_on: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> TimelineData | None:
    """The course of ``cycles`` and ``measures`` up to ``today``; None when there is nothing.

    Values of None (a measure not taken that day) are left out; each measure's points and the
    sessions are sorted by date whatever order they come in.
    """
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, but got {window_days}")
    ordered = sorted(cycles, key=lambda c: c.injected_on)
    sessions = tuple(c.injected_on for c in ordered)
    effects = _effects(ordered, today)
    kept = []
    for spec, pairs in measures:
        pts = tuple(
            sorted((Point(on, float(v)) for on, v in pairs if v is not None), key=lambda p: p.on)
        )
        if pts:
            kept.append(Measure(spec, pts))
    dates = [*sessions, *(e.ended_on for e in effects), *(p.on for m in kept for p in m.points)]
    if not dates:
        return None
    start = min(dates) - timedelta(days=PAD_DAYS)
    end = max(today, next_due_on or today, *dates) + timedelta(days=PAD_DAYS)
    view_start = max(start, end - timedelta(days=window_days + 2 * PAD_DAYS))
    if not any(view_start <= d for d in dates):  # nothing recent: open on everything
        view_start = start
    return TimelineData(
        start=start,
        end=end,
        view_start=view_start,
        today=today,
        next_due_on=next_due_on,
        sessions=sessions,
        effects=effects,
        measures=tuple(kept),
        rows=_rows(sessions, effects, kept),
        summary=_summary(sessions, effects, kept),
    )


def chart_json(data: TimelineData) -> dict[str, Any]:
    """What ``static/charts.js`` draws, x in days since 1970-01-01 (``day_number``)."""
    return {
        "start": day_number(data.start),
        "end": day_number(data.end),
        "viewStart": day_number(data.view_start),
        "today": day_number(data.today),
        "nextDue": day_number(data.next_due_on) if data.next_due_on else None,
        "sessions": [day_number(on) for on in data.sessions],
        "effects": [
            {
                "from": day_number(e.began_on),
                "to": day_number(e.ended_on),
                "injected": day_number(e.injected_on),
                "onsetKnown": e.onset_known,
                "ongoing": e.ongoing,
                "days": e.days,
            }
            for e in data.effects
        ],
        "measures": [
            {
                "key": m.spec.key,
                "label": m.spec.label,
                "short": m.spec.short,
                "unit": m.spec.unit,
                "max": m.spec.y_max,
                "decimals": m.spec.decimals,
                "colour": m.spec.colour,
                "marker": m.spec.marker,
                "dash": list(m.spec.dash),
                "points": [[day_number(p.on), p.value] for p in m.points],
            }
            for m in data.measures
        ],
    }


# --- the server-drawn SVG (no JavaScript needed) ---------------------------------------------

WIDTH = 800
MARGIN = 24
LEFT = 44
"""Room for each panel's scale numbers."""
RIGHT = 16
TOP = 22
"""Room for the today and next-due labels."""
STRIP_HEIGHT = 40
BAR_Y_OFFSET = 16
BAR_HEIGHT = 16
PANEL_GAP = 26
PANEL_HEIGHT = 64
AXIS_HEIGHT = 26
MARKER_SIZE = 4.5


@dataclass(frozen=True)
class Tick:
    """A vertical mark: its x position and label."""

    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    """A horizontal span: x, width and a label (its tooltip)."""

    x: float
    width: float
    label: str


@dataclass(frozen=True)
class Marker:
    """One value drawn as a shape (``d`` of an SVG path) with its tooltip."""

    d: str
    label: str


@dataclass(frozen=True)
class Panel:
    """One measure's band of the drawing."""

    top: float
    bottom: float
    label: str
    max_label: str
    colour: str
    dash: str
    line: str
    """The ``points`` of a polyline through the values."""
    markers: tuple[Marker, ...]
    key_d: str
    """The measure's marker before its label."""


@dataclass(frozen=True)
class SvgTimeline:
    """Everything the template needs to draw the timeline without JavaScript."""

    width: int
    height: int
    left: int
    right: int
    top: int
    strip_bottom: float
    bottom: float
    bar_y: float
    bar_height: int
    ticks: tuple[Tick, ...]
    bars: tuple[Bar, ...]
    """Finished effects: one bar each."""
    ongoing: tuple[Bar, ...]
    bands: tuple[Bar, ...]
    """Every effect again, as a pale band behind the measure panels."""
    years: tuple[Tick, ...]
    today: Tick
    next_due: Tick | None
    panels: tuple[Panel, ...] = field(default=())


def marker_path(shape: str, x: float, y: float, size: float = MARKER_SIZE) -> str:
    """The ``d`` of an SVG path drawing ``shape`` centred on (x, y)."""
    s = size

    def f(v: float) -> str:
        return f"{v:.1f}"

    if shape == "circle":
        arc = f"a{f(s)} {f(s)} 0 1 0"
        return f"M{f(x - s)} {f(y)}{arc} {f(2 * s)} 0{arc} {f(-2 * s)} 0z"
    if shape == "triangle":
        low = f(y + s * 0.85)
        return f"M{f(x)} {f(y - s * 1.15)}L{f(x + s)} {low}L{f(x - s)} {low}z"
    if shape == "square":
        k = s * 0.85
        return f"M{f(x - k)} {f(y - k)}h{f(2 * k)}v{f(2 * k)}h{f(-2 * k)}z"
    if shape == "diamond":
        k = s * 1.2
        return f"M{f(x)} {f(y - k)}L{f(x + k)} {f(y)}L{f(x)} {f(y + k)}L{f(x - k)} {f(y)}z"
    raise ValueError(f"shape must be circle, triangle, square or diamond, but got {shape!r}")


def svg_timeline(data: TimelineData) -> SvgTimeline:
    """The whole course (all years) as SVG geometry."""
    span_days = max(1, (data.end - data.start).days)
    scale = (WIDTH - LEFT - RIGHT) / span_days

    def x(on: date) -> float:
        return round(LEFT + (on - data.start).days * scale, 1)

    strip_bottom = TOP + STRIP_HEIGHT
    bar_y = TOP + BAR_Y_OFFSET
    panels = []
    top: float = strip_bottom + PANEL_GAP
    for m in data.measures:
        bottom = top + PANEL_HEIGHT
        y_max = m.y_max
        ys = [round(bottom - min(p.value, y_max) / y_max * (bottom - top), 1) for p in m.points]
        marks = tuple(
            Marker(
                marker_path(m.spec.marker, x(p.on), py),
                f"{m.spec.short} {p.on.isoformat()}: {m.spec.format(p.value)}",
            )
            for p, py in zip(m.points, ys, strict=True)
        )
        panels.append(
            Panel(
                top=top,
                bottom=bottom,
                label=m.spec.label,
                max_label=f"{y_max:g}",
                colour=m.spec.colour,
                dash=" ".join(str(d) for d in m.spec.dash),
                line=" ".join(f"{x(p.on)},{py}" for p, py in zip(m.points, ys, strict=True)),
                markers=marks,
                key_d=marker_path(m.spec.marker, LEFT + 6, top - 10),
            )
        )
        top = bottom + PANEL_GAP
    last_bottom = panels[-1].bottom if panels else strip_bottom
    ticks = tuple(Tick(x(on), f"injection {on.isoformat()}") for on in data.sessions)

    def bar(e: Effect) -> Bar:
        what = "effect" if e.onset_known else "effect (from the injection; onset not reported)"
        until = "today, not yet worn off" if e.ongoing else e.ended_on.isoformat()
        days = f": {e.days} days" if e.days is not None else ""
        return Bar(
            x(e.began_on),
            max(1.0, round(x(e.ended_on) - x(e.began_on), 1)),
            f"{what} {e.began_on.isoformat()} to {until}{days}",
        )

    years = tuple(
        Tick(x(date(year, 1, 1)), str(year))
        for year in range(data.start.year + 1, data.end.year + 1)
        if data.start < date(year, 1, 1) < data.end
    )
    return SvgTimeline(
        width=WIDTH,
        height=int(last_bottom + AXIS_HEIGHT),
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        strip_bottom=strip_bottom,
        bottom=last_bottom,
        bar_y=bar_y,
        bar_height=BAR_HEIGHT,
        ticks=ticks,
        bars=tuple(bar(e) for e in data.effects if not e.ongoing),
        ongoing=tuple(bar(e) for e in data.effects if e.ongoing),
        bands=tuple(bar(e) for e in data.effects),
        years=years,
        today=Tick(x(data.today), f"today {data.today.isoformat()}"),
        next_due=(
            Tick(x(data.next_due_on), f"next due {data.next_due_on.isoformat()}")
            if data.next_due_on
            else None
        ),
        panels=tuple(panels),
    )


# --- effect days per cycle ---------------------------------------------------------------------

COLUMNS_WIDTH = 640
COLUMNS_HEIGHT = 150
COLUMNS_TOP = 14
COLUMNS_BOTTOM = 124
COLUMNS_LEFT = 36


@dataclass(frozen=True)
class Column:
    """One finished cycle: the ``d`` of its column and its label."""

    d: str
    x: float
    top: float
    days: int
    label: str


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
    first_label: str
    last_label: str
    summary: str


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
                label=f"injection {c.injected_on.isoformat()}: {d} days",
            )
        )
    summary = (
        f"Effect days of the last {len(done)} finished cycles, oldest first: "
        + ", ".join(str(d) for d in days)
        + "."
    )
    return Columns(
        width=COLUMNS_WIDTH,
        height=COLUMNS_HEIGHT,
        left=COLUMNS_LEFT,
        baseline=COLUMNS_BOTTOM,
        top=COLUMNS_TOP,
        max_days=top_days,
        columns=tuple(columns),
        first_label=done[0].injected_on.isoformat(),
        last_label=done[-1].injected_on.isoformat(),
        summary=summary,
    )
