"""The labels of the timeline's "today" and "next due" lines (server-drawn SVG): never on top of
each other, never crossed by a line, always inside the drawing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hemispasm.clinic.web.chart import build_timeline
from hemispasm.clinic.web.chart_measures import RATING
from hemispasm.clinic.web.chart_svg import (
    MARK_GAP,
    MARK_ROW,
    WIDTH,
    MarkLabel,
    place_mark_labels,
    svg_timeline,
)
from hemispasm.clinic.web.i18n import gettext, using_locale

TODAY = date(2026, 6, 15)


def _apart(a: MarkLabel, b: MarkLabel) -> bool:
    """Different rows, or at least ``MARK_GAP`` between the boxes."""
    return a.y != b.y or a.right + MARK_GAP <= b.x or b.right + MARK_GAP <= a.x


@given(
    today_x=st.floats(min_value=0, max_value=WIDTH),
    due_x=st.floats(min_value=0, max_value=WIDTH),
)
def test_it_keeps_the_two_labels_apart_and_inside_the_drawing(today_x: float, due_x: float) -> None:
    today, due = place_mark_labels(((today_x, "today"), (due_x, "next due")), left=0, right=WIDTH)
    assert _apart(today, due)
    for label in (today, due):
        assert label.x >= 0 and label.right <= WIDTH + 0.1


def test_it_puts_labels_far_apart_in_one_row_and_close_ones_in_two() -> None:
    far = place_mark_labels(((100, "today"), (600, "next due")), left=0, right=WIDTH)
    assert far[0].y == far[1].y == MARK_ROW - 2
    close = place_mark_labels(((700, "today"), (712, "next due")), left=0, right=WIDTH)
    assert [label.y for label in close] == [MARK_ROW - 2, 2 * MARK_ROW - 2]  # later one below


def test_it_centres_a_label_on_its_line_away_from_the_edges() -> None:
    (label,) = place_mark_labels(((400, "today"),), left=0, right=WIDTH)
    assert label.x < 400 < label.right
    assert abs((label.x + label.right) / 2 - 400) < 0.1


def test_it_refuses_more_than_two_marks() -> None:
    with pytest.raises(ValueError, match="marks: at most two can be placed, got 3"):
        place_mark_labels(((1, "a"), (2, "b"), (3, "c")), left=0, right=WIDTH)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("due_in_days", [-40, -3, 0, 2, 10, 60])
def test_no_line_of_the_drawing_enters_the_label_rows(due_in_days: int, locale: str) -> None:
    """Today next to the due date (a few days either side, or the same day) as well as far off,
    with the labels in each language's words (as ``_chart.html`` places them)."""
    ratings = [(TODAY - timedelta(days=30 * k), 5.0) for k in range(12)]
    data = build_timeline(
        [], [(RATING, ratings)], today=TODAY, next_due_on=TODAY + timedelta(days=due_in_days)
    )
    assert data is not None
    g = svg_timeline(data)
    with using_locale(locale):
        today_label, due_label = g.mark_labels(gettext("today"), gettext("next due"))
    assert due_label is not None
    assert (today_label.text == "today") == (locale == "en")
    assert _apart(today_label, due_label)
    assert min(today_label.x, due_label.x) >= 0 and max(today_label.right, due_label.right) <= WIDTH
    lowest_label = max(today_label.y, due_label.y)
    assert g.mark_top >= lowest_label + 3  # the lines start under the text's descenders
    assert g.top > g.mark_top  # and the injections strip under the lines' start


def test_a_year_label_that_would_run_off_the_drawing_is_left_out() -> None:
    """The course ends a few days into a year: that year's label would be cut at the edge."""
    ratings = [(date(2026, 12, 20) - timedelta(days=60 * k), 3.0) for k in range(40)]
    data = build_timeline([], [(RATING, ratings)], today=date(2026, 12, 20))
    assert data is not None
    g = svg_timeline(data)
    assert g.years, "the older years keep their labels"
    assert all(y.x + 28 <= WIDTH for y in g.years)
