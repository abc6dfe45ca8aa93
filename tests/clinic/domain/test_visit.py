"""Totals of a visit per product and side."""

from __future__ import annotations

import pytest

from hemispasm.clinic.domain.visit import totals_by_product
from hemispasm.clinic.domain.vocab import InjectionSide

LEFT, RIGHT = InjectionSide.LEFT, InjectionSide.RIGHT


def test_each_product_is_summed_per_side_in_the_order_it_first_appears() -> None:
    totals = totals_by_product(
        [("botox", LEFT, 2.5), ("xeomin", RIGHT, 5), ("botox", RIGHT, 2.5), ("botox", LEFT, 7.5)]
    )
    assert [(t.product, t.units_right, t.units_left, t.total_units) for t in totals] == [
        ("botox", 2.5, 10.0, 12.5),
        ("xeomin", 5.0, 0.0, 5.0),
    ]


def test_swapping_the_sides_of_every_site_swaps_the_totals() -> None:
    sites = [("botox", LEFT, 2.5), ("botox", RIGHT, 1.0), ("other", LEFT, 4.0)]
    swapped = [(p, RIGHT if s is LEFT else LEFT, u) for p, s, u in sites]
    for a, b in zip(totals_by_product(sites), totals_by_product(swapped), strict=True):
        assert (a.units_left, a.units_right) == (b.units_right, b.units_left)


def test_no_sites_give_no_totals() -> None:
    assert totals_by_product([]) == []


def test_negative_units_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="units must not be negative, but got -1 for botox"):
        totals_by_product([("botox", LEFT, -1)])
