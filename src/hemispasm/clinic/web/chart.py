"""The patient timeline's data: injections, each cycle's effect and the severity measures on dates.

Pure: dates and values in; out come the sessions, the effect bands and the measures aligned on one
time axis (``build_timeline``), the same numbers as table rows (for screen readers), the numbers of
a summary, and the data of the interactive chart (``chart_json``, drawn by ``static/charts.js`` with
Chart.js). Beside it: ``chart_measures`` (which measures, and how each is drawn), ``chart_svg``
(the server-drawn SVG that stands in for the chart without JavaScript) and ``chart_columns`` (a
column chart of each cycle's effect days). The templates draw them and put them in words, in the
page's language (no text is made here, so nothing here needs to know the language).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.web.chart_measures import MeasureSpec

EPOCH = date(1970, 1, 1)
DEFAULT_WINDOW_DAYS = 730
"""The interactive chart opens on the last two years; the reader can widen it to all years."""
PAD_DAYS = 14


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


INJECTION = "injection"
EFFECT_BEGAN = "effect_began"
EFFECT_WORE_OFF = "effect_wore_off"


@dataclass(frozen=True)
class Event:
    """Something that happened on a day: ``kind`` is INJECTION, EFFECT_BEGAN or EFFECT_WORE_OFF
    (with the cycle's effect ``days``, when known); the page puts it in words."""

    kind: str
    days: int | None = None


@dataclass(frozen=True)
class TableRow:
    """Everything on one day: what happened and each measure's values (aligned to
    ``TimelineData.measures``; a tuple, since a day can hold two ratings)."""

    on: date
    events: tuple[Event, ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class MeasureSummary:
    """One measure in the summary: how many values, their range and the latest (as the tables
    print them)."""

    spec: MeasureSpec
    count: int
    lowest: str
    highest: str
    latest: str
    latest_on: date


@dataclass(frozen=True)
class Summary:
    """The numbers the summary sentence gives: the sessions, the finished cycles' effect days
    (``cycles`` is 0 when none has worn off) and each measure."""

    sessions: int
    first_on: date | None
    last_on: date | None
    cycles: int
    shortest_days: int | None
    longest_days: int | None
    latest_days: int | None
    measures: tuple[MeasureSummary, ...]


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
    summary: Summary


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
    events: dict[date, list[Event]] = {}
    for on in sessions:
        events.setdefault(on, []).append(Event(INJECTION))
    for e in effects:
        if e.onset_known:
            events.setdefault(e.began_on, []).append(Event(EFFECT_BEGAN))
        if not e.ongoing:
            events.setdefault(e.ended_on, []).append(Event(EFFECT_WORE_OFF, e.days))
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
) -> Summary:
    done = [e.days for e in effects if e.days is not None]
    return Summary(
        sessions=len(sessions),
        first_on=sessions[0] if sessions else None,
        last_on=sessions[-1] if sessions else None,
        cycles=len(done),
        shortest_days=min(done) if done else None,
        longest_days=max(done) if done else None,
        latest_days=done[-1] if done else None,
        measures=tuple(
            MeasureSummary(
                m.spec,
                len(m.points),
                m.spec.format(min(p.value for p in m.points)),
                m.spec.format(max(p.value for p in m.points)),
                m.spec.format(m.points[-1].value),
                m.points[-1].on,
            )
            for m in measures
        ),
    )


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
