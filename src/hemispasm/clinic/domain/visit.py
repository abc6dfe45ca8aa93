"""Totals of one visit: units per product and per side.

Units of different botulinum toxin products are not interchangeable (a unit of one is not a
unit of another), so a visit with two products has a total per product and never one across
products.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hemispasm.clinic.domain.vocab import InjectionSide


@dataclass(frozen=True)
class ProductTotals:
    """The units of one product given at a visit, per side of the patient."""

    product: str
    units_right: float
    units_left: float

    @property
    def total_units(self) -> float:
        """Both sides of this product."""
        return self.units_right + self.units_left


def totals_by_product(sites: Iterable[tuple[str, InjectionSide, float]]) -> list[ProductTotals]:
    """Per product, in the order the products first appear: the units on each side.

    ``sites`` are (product, side, units) triples; ``product`` is any label that tells the
    products apart (two "other" products with different names are different products).

    Examples
    --------
    >>> from hemispasm.clinic.domain.vocab import InjectionSide as S
    >>> [(t.product, t.units_right, t.units_left) for t in totals_by_product(
    ...     [("A", S.LEFT, 5), ("B", S.RIGHT, 10), ("A", S.RIGHT, 2.5)])]
    [('A', 2.5, 5.0), ('B', 10.0, 0.0)]
    """
    sums: dict[str, dict[InjectionSide, float]] = {}
    for product, side, units in sites:
        if units < 0:
            raise ValueError(f"units must not be negative, but got {units} for {product}")
        per_side = sums.setdefault(product, {InjectionSide.RIGHT: 0.0, InjectionSide.LEFT: 0.0})
        per_side[side] += float(units)
    return [
        ProductTotals(product, per_side[InjectionSide.RIGHT], per_side[InjectionSide.LEFT])
        for product, per_side in sums.items()
    ]
