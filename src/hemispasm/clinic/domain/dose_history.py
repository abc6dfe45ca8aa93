"""The doses a patient received over the years, per injected site, for each product apart.

Units of different products are never added together (see ``domain.dosing``), so the history is
one table per product: a row per calendar year (years without an injection of it included, so
that gaps show), a column per site (muscle and side), and the year's total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hemispasm.clinic.domain.dosing import UNIT_DECIMALS, SiteDose
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product

_MUSCLE_ORDER = {m: i for i, m in enumerate(Muscle)}
_SIDE_ORDER = {InjectionSide.RIGHT: 0, InjectionSide.LEFT: 1}


@dataclass(frozen=True)
class DosedSession:
    """What one session gave: its date, product and sites."""

    session_on: date
    product: Product
    sites: tuple[SiteDose, ...]
    product_name: str | None = None
    """The product's own name when ``product`` is "other" (each such name is kept apart)."""


@dataclass(frozen=True)
class SiteKey:
    """One injected place: a muscle on one side (the patient's)."""

    muscle: Muscle
    side: InjectionSide

    @property
    def sort_key(self) -> tuple[int, int]:
        """Upper face first, then the patient's right before their left."""
        return _MUSCLE_ORDER[self.muscle], _SIDE_ORDER[self.side]


@dataclass(frozen=True)
class YearDoses:
    """One calendar year of one product: sessions, units per site (in the product history's
    site order) and the total."""

    year: int
    sessions: int
    units_by_site: tuple[float, ...]
    total_units: float


@dataclass(frozen=True)
class ProductHistory:
    """Every session of one product, summed per year and per site."""

    product: Product
    product_name: str | None
    sites: tuple[SiteKey, ...]
    years: tuple[YearDoses, ...]
    """Oldest first, from the first year of this product to its last, gaps included."""
    site_totals: tuple[float, ...]
    total_units: float
    sessions: int
    first_on: date
    last_on: date


@dataclass(frozen=True)
class DoseHistory:
    """The patient's dose history: one ``ProductHistory`` per product, latest used first."""

    products: tuple[ProductHistory, ...]

    @property
    def sessions(self) -> int:
        """How many sessions the history counts."""
        return sum(p.sessions for p in self.products)


def _units(value: float) -> float:
    return round(value, UNIT_DECIMALS)


def _product_history(
    product: Product, name: str | None, sessions: Sequence[DosedSession]
) -> ProductHistory:
    sites = tuple(
        sorted(
            {SiteKey(s.muscle, s.side) for session in sessions for s in session.sites},
            key=lambda k: k.sort_key,
        )
    )
    column = {key: i for i, key in enumerate(sites)}
    first = min(s.session_on for s in sessions)
    last = max(s.session_on for s in sessions)
    per_year = {year: [0.0] * len(sites) for year in range(first.year, last.year + 1)}
    count = dict.fromkeys(per_year, 0)
    for session in sessions:
        count[session.session_on.year] += 1
        row = per_year[session.session_on.year]
        for s in session.sites:
            row[column[SiteKey(s.muscle, s.side)]] += s.units
    years = tuple(
        YearDoses(
            year=year,
            sessions=count[year],
            units_by_site=tuple(_units(u) for u in row),
            total_units=_units(sum(row)),
        )
        for year, row in per_year.items()
    )
    site_totals = tuple(_units(sum(y.units_by_site[i] for y in years)) for i in range(len(sites)))
    return ProductHistory(
        product=product,
        product_name=name,
        sites=sites,
        years=years,
        site_totals=site_totals,
        total_units=_units(sum(site_totals)),
        sessions=len(sessions),
        first_on=first,
        last_on=last,
    )


def dose_history(sessions: Iterable[DosedSession]) -> DoseHistory:
    """Sum ``sessions`` per product, year and site (the input is not changed).

    Examples
    --------
    >>> ona = Product.ONABOTULINUMTOXIN_A
    >>> eyelid = SiteDose(Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER, InjectionSide.LEFT, 2.5)
    >>> h = dose_history([DosedSession(date(2024, 3, 1), ona, (eyelid,)),
    ...                   DosedSession(date(2026, 3, 1), ona, (eyelid, eyelid))])
    >>> [(y.year, y.total_units) for y in h.products[0].years]
    [(2024, 2.5), (2025, 0.0), (2026, 5.0)]
    """
    groups: dict[tuple[Product, str | None], list[DosedSession]] = {}
    for session in sessions:
        name = session.product_name if session.product is Product.OTHER else None
        groups.setdefault((session.product, name), []).append(session)
    histories = [_product_history(p, name, group) for (p, name), group in groups.items()]
    histories.sort(key=lambda h: (h.last_on, h.sessions), reverse=True)
    return DoseHistory(tuple(histories))
