"""The timeline drawn on the server as SVG, for pages read without JavaScript.

Pure: a ``chart.TimelineData`` in, the geometry out (``svg_timeline``): where each injection tick,
effect bar, measure panel, marker, year and the today and next-due marks go. The template
``_chart.html`` draws it with attributes and classes only (no inline style), and writes its
tooltips from the dates and effects kept here, in the page's language; the today and next-due
labels are placed for the words the page gives (``SvgTimeline.mark_labels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from hemispasm.clinic.web.chart import Effect, TimelineData
from hemispasm.clinic.web.chart_measures import marker_path

WIDTH = 800
LEFT = 44
"""Room for each panel's scale numbers."""
RIGHT = 16
MARK_ROW = 13
"""Height of one row of the today and next-due labels (font size 11)."""
MARK_CHAR_W = 6.5
"""A generous width of one character of those labels, to keep them apart."""
MARK_GAP = 6
TOP = 2 * MARK_ROW + 8
"""Room for the today and next-due labels: two rows, which no line enters."""
STRIP_HEIGHT = 40
BAR_Y_OFFSET = 16
BAR_HEIGHT = 16
PANEL_GAP = 26
PANEL_HEIGHT = 64
AXIS_HEIGHT = 26
YEAR_LABEL_W = 32
"""A year's label (four digits, font size 12) with its offset from the year's line."""
TODAY_TEXT = "today"
NEXT_DUE_TEXT = "next due"
"""The labels' English words; a page places its own (``SvgTimeline.mark_labels``)."""


@dataclass(frozen=True)
class Tick:
    """A year's line: its x position and label."""

    x: float
    label: str


@dataclass(frozen=True)
class DayMark:
    """A vertical mark on a day (an injection, today, the next due date): its x and its day."""

    x: float
    on: date


@dataclass(frozen=True)
class MarkLabel:
    """Where the label of the today or next-due line goes: its box and its text's baseline."""

    x: float
    y: float
    width: float
    text: str

    @property
    def right(self) -> float:
        return self.x + self.width


def place_mark_labels(
    marks: tuple[tuple[float, str], ...], *, left: float, right: float
) -> tuple[MarkLabel, ...]:
    """Boxes for the labels of vertical marks (``(x, text)``, at most two): each centred on its
    mark and kept between ``left`` and ``right``; a label that would come within ``MARK_GAP`` of
    the other goes to the second row, under the first (the later mark's, on the right)."""
    if len(marks) > 2:
        raise ValueError(f"marks: at most two can be placed, got {len(marks)}")
    starts, widths = [], []
    for x, text in marks:
        width = len(text) * MARK_CHAR_W
        widths.append(width)
        starts.append(min(max(left, x - width / 2), max(left, right - width)))
    rows = [0] * len(marks)
    if len(marks) == 2:
        close = starts[0] < starts[1] + widths[1] + MARK_GAP
        close = close and starts[1] < starts[0] + widths[0] + MARK_GAP
        if close:
            rows[0 if marks[0][0] > marks[1][0] else 1] = 1
    return tuple(
        MarkLabel(round(start, 1), MARK_ROW * (row + 1) - 2, round(width, 1), text)
        for start, width, row, (_, text) in zip(starts, widths, rows, marks, strict=True)
    )


@dataclass(frozen=True)
class Bar:
    """A horizontal span: x, width and the effect it draws (its tooltip's words)."""

    x: float
    width: float
    effect: Effect


@dataclass(frozen=True)
class Marker:
    """One value drawn as a shape (``d`` of an SVG path), with its day and the value as the
    tables print it (its tooltip)."""

    d: str
    on: date
    value: str


@dataclass(frozen=True)
class Panel:
    """One measure's band of the drawing."""

    top: float
    bottom: float
    label: str
    short: str
    """The measure's short name, for the markers' tooltips."""
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
    ticks: tuple[DayMark, ...]
    """The injections."""
    bars: tuple[Bar, ...]
    """Finished effects: one bar each."""
    ongoing: tuple[Bar, ...]
    bands: tuple[Bar, ...]
    """Every effect again, as a pale band behind the measure panels."""
    years: tuple[Tick, ...]
    today: DayMark
    next_due: DayMark | None
    panels: tuple[Panel, ...] = field(default=())
    today_label: MarkLabel | None = None
    next_due_label: MarkLabel | None = None
    mark_top: int = TOP - 4
    """Where the today and next-due lines begin, under their labels."""

    def mark_labels(
        self, today_text: str, next_due_text: str
    ) -> tuple[MarkLabel, MarkLabel | None]:
        """The today and next-due labels placed for these words (the page's language)."""
        lines = [(self.today.x, today_text)]
        if self.next_due is not None:
            lines.append((self.next_due.x, next_due_text))
        labels = place_mark_labels(tuple(lines), left=0, right=self.width)
        return labels[0], labels[1] if len(labels) > 1 else None


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
            Marker(marker_path(m.spec.marker, x(p.on), py), p.on, m.spec.format(p.value))
            for p, py in zip(m.points, ys, strict=True)
        )
        panels.append(
            Panel(
                top=top,
                bottom=bottom,
                label=m.spec.label,
                short=m.spec.short,
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
    ticks = tuple(DayMark(x(on), on) for on in data.sessions)

    def bar(e: Effect) -> Bar:
        return Bar(x(e.began_on), max(1.0, round(x(e.ended_on) - x(e.began_on), 1)), e)

    years = tuple(
        Tick(x(date(year, 1, 1)), str(year))
        for year in range(data.start.year + 1, data.end.year + 1)
        # its line and label only where the label fits whole (it starts right of the line)
        if data.start < date(year, 1, 1) < data.end
    )
    years = tuple(y for y in years if y.x + YEAR_LABEL_W <= WIDTH)
    drawing = SvgTimeline(
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
        today=DayMark(x(data.today), data.today),
        next_due=DayMark(x(data.next_due_on), data.next_due_on) if data.next_due_on else None,
        panels=tuple(panels),
    )
    today_label, next_due_label = drawing.mark_labels(TODAY_TEXT, NEXT_DUE_TEXT)
    return replace(drawing, today_label=today_label, next_due_label=next_due_label)
