"""The dose history chart's geometry, from fixed data."""

from __future__ import annotations

from datetime import date

import pytest

from hemispasm.clinic.domain.dose_history import DosedSession, ProductHistory, dose_history
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.clinic.web.dose_chart import (
    MAX_NAMED_SITES,
    MAX_WIDTH,
    MIN_WIDTH,
    OTHER_COLOUR,
    PLOT_HEIGHT,
    nice_step,
    stacked_years,
)

ONA = Product.ONABOTULINUMTOXIN_A


def history_of(*sessions: tuple[date, list[tuple[Muscle, float]]]) -> ProductHistory:
    """The history of onabotulinumtoxinA sessions into the left side."""
    return dose_history(
        DosedSession(on, ONA, tuple(SiteDose(m, InjectionSide.LEFT, u) for m, u in sites))
        for on, sites in sessions
    ).products[0]


def test_each_bar_is_as_tall_as_its_years_units_and_stacks_without_gaps() -> None:
    h = history_of(
        (date(2024, 1, 1), [(Muscle.PROCERUS, 10), (Muscle.FRONTALIS, 10)]),
        (date(2025, 1, 1), [(Muscle.PROCERUS, 5)]),
    )
    chart = stacked_years(h, ["Procerus", "Frontalis"])
    first = [s for s in chart.segments if s.label.startswith("2024")]
    assert sum(s.height for s in first) == pytest.approx(PLOT_HEIGHT * 20 / 20)
    lower, upper = sorted(first, key=lambda s: -s.y)
    assert upper.y + upper.height == pytest.approx(lower.y, abs=0.2)  # stacked, no gap
    (second,) = [s for s in chart.segments if s.label.startswith("2025")]
    assert second.height == pytest.approx(PLOT_HEIGHT / 4)
    assert [m.label for m in chart.x_marks] == ["2024", "2025"]
    assert chart.y_marks[-1].label == "20"


def test_a_year_without_injections_has_no_bar_but_keeps_its_place() -> None:
    h = history_of(
        (date(2022, 1, 1), [(Muscle.PROCERUS, 2)]), (date(2024, 1, 1), [(Muscle.PROCERUS, 2)])
    )
    chart = stacked_years(h, ["Procerus"])
    assert [m.label for m in chart.x_marks] == ["2022", "2023", "2024"]
    assert len(chart.segments) == 2


def test_the_sites_given_least_share_one_grey_band() -> None:
    muscles = list(Muscle)[: MAX_NAMED_SITES + 2]
    h = history_of((date(2025, 1, 1), [(m, float(i + 1)) for i, m in enumerate(muscles)]))
    chart = stacked_years(h, [m.value for m in muscles])
    assert len(chart.key) == MAX_NAMED_SITES
    assert chart.key[-1].label == "Other sites" and chart.key[-1].colour == OTHER_COLOUR
    assert {k.label for k in chart.key[:-1]} == {m.value for m in muscles[-(MAX_NAMED_SITES - 1) :]}
    other = next(s for s in chart.segments if "Other sites" in s.label)
    assert other.label.endswith(": 6 U")  # the three smallest: 1 + 2 + 3


def test_the_drawing_is_as_wide_as_its_years_need_within_bounds() -> None:
    one = stacked_years(history_of((date(2025, 1, 1), [(Muscle.PROCERUS, 2)])), ["Procerus"])
    many = stacked_years(
        history_of(
            (date(2000, 1, 1), [(Muscle.PROCERUS, 2)]), (date(2025, 1, 1), [(Muscle.PROCERUS, 2)])
        ),
        ["Procerus"],
    )
    assert one.width == MIN_WIDTH and many.width == MAX_WIDTH


def test_it_refuses_labels_that_do_not_match_the_sites() -> None:
    h = history_of((date(2025, 1, 1), [(Muscle.PROCERUS, 2)]))
    with pytest.raises(ValueError, match="site_labels must name each of the 1 sites, but got 2"):
        stacked_years(h, ["a", "b"])


@pytest.mark.parametrize(("top", "step"), [(0, 1), (7, 2), (20, 5), (58.75, 20), (396, 100)])
def test_the_scale_steps_are_round(top: float, step: float) -> None:
    assert nice_step(top) == step
