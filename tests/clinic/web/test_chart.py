"""The timeline chart's geometry: pure dates in, coordinates out."""

from __future__ import annotations

from datetime import date, timedelta

from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.web.chart import MARGIN, WIDTH, timeline_chart

START = date(2020, 1, 6)


def _cycles(n: int) -> list[CycleCourse]:
    return [
        CycleCourse(
            START + timedelta(days=84 * k),
            effect_began_on=START + timedelta(days=84 * k + 5),
            wore_off_on=START + timedelta(days=84 * k + 80) if k % 2 == 0 else None,
        )
        for k in range(n)
    ]


def test_it_draws_nothing_without_a_session() -> None:
    assert timeline_chart([], today=START) is None


def test_it_draws_one_tick_per_session_and_one_bar_per_finished_cycle() -> None:
    chart = timeline_chart(_cycles(5), today=date(2021, 3, 1))
    assert chart is not None
    assert len(chart.ticks) == 5 and len(chart.bars) == 3
    assert [t.x for t in chart.ticks] == sorted(t.x for t in chart.ticks)
    assert chart.bars[0].label.endswith(": 75 days")
    assert [y.label for y in chart.years] == ["2020", "2021"]  # Jan 1 of each year shown


def test_everything_lies_inside_the_drawing() -> None:
    chart = timeline_chart(_cycles(12), today=date(2030, 1, 1))
    assert chart is not None
    xs = [t.x for t in chart.ticks] + [b.x + b.width for b in chart.bars] + [chart.today_x]
    assert all(MARGIN <= x <= WIDTH - MARGIN for x in xs)
    assert chart.today_x == max(xs)


def test_a_bar_starts_at_the_injection_when_the_onset_is_unknown() -> None:
    cycle = CycleCourse(START, wore_off_on=START + timedelta(days=90))
    chart = timeline_chart([cycle], today=START + timedelta(days=100))
    assert chart is not None
    assert chart.bars[0].x == chart.ticks[0].x and chart.bars[0].label.endswith(": 90 days")
