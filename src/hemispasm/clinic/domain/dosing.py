"""Doses of one injection session: volumes from the dilution, totals per side, dose-limit warnings.

Units of different products are never added together or compared as if equal (onabotulinumtoxinA
and abobotulinumtoxinA units differ about 2.5 to 3 times in potency), so every total belongs to one
session, and a session has one product.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.errors import ClinicalDataError

MAX_UNITS_PER_SITE = 100.0
"""No facial site takes anything near this; larger values are typing errors, refused outright."""
MAX_DILUTION_UNITS_PER_0_1_ML = 50.0
"""100 U in 0.2 mL would be 50 U per 0.1 mL; more concentrated is not a real dilution."""
UNIT_RESOLUTION = 0.01
"""Units, and dilutions in units per 0.1 mL, are recorded to 0.01 (of the product's own units).

Doses in use are quarter and half units at the finest (1.25 U of onabotulinumtoxinA a site;
3.75 U of abobotulinumtoxinA), and no syringe measures finer than 0.005 mL, which is 0.05 U even
at a weak 1 U per 0.1 mL (100 U in 10 mL); a dilution such as 100 U in 3 mL is written 3.33.
A finer value is a typing or rounding error, and a vanishing one (1e-320) would make a volume
infinite, so both are refused."""
UNIT_DECIMALS = 2


@dataclass(frozen=True)
class SiteDose:
    """Units injected into one muscle on one side."""

    muscle: Muscle
    side: InjectionSide
    units: float

    def __post_init__(self) -> None:
        check_units("units", self.units)


@dataclass(frozen=True)
class DoseLimits:
    """A clinic's configurable limits for one product, in that product's own units."""

    product: Product
    max_units_per_site: float
    max_units_per_session: float
    max_units_per_lower_face_site: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_units_per_site", "max_units_per_session"):
            value = getattr(self, name)
            if not value > 0:
                raise ClinicalDataError(name, f"must be > 0, but got {value!r}")


# Starting values a clinic edits; ona/inco-type units (about 1.25-5 U a site, 10-40 U a session),
# abobotulinumtoxinA about 2.5-3 times higher.
DEFAULT_LIMITS: Mapping[Product, DoseLimits] = {
    Product.ONABOTULINUMTOXIN_A: DoseLimits(Product.ONABOTULINUMTOXIN_A, 5.0, 50.0, 2.5),
    Product.INCOBOTULINUMTOXIN_A: DoseLimits(Product.INCOBOTULINUMTOXIN_A, 5.0, 50.0, 2.5),
    Product.ABOBOTULINUMTOXIN_A: DoseLimits(Product.ABOBOTULINUMTOXIN_A, 15.0, 150.0, 7.5),
}


@dataclass(frozen=True)
class DoseWarning:
    """A dose above the clinic's limit: shown to the injector, never silently accepted."""

    scope: str
    """"session" or "site:<muscle>:<side>"."""
    units: float
    limit: float
    message: str


@dataclass(frozen=True)
class SessionDoses:
    """The sites of one session with its product and dilution."""

    product: Product
    dilution_units_per_0_1_ml: float
    sites: tuple[SiteDose, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_dilution(self.dilution_units_per_0_1_ml)

    @property
    def total_units(self) -> float:
        """All units of the session (one product, so the sum is meaningful)."""
        return float(sum(s.units for s in self.sites))

    def total_units_by_side(self) -> dict[InjectionSide, float]:
        """Units per side, both sides always present."""
        totals = {side: 0.0 for side in InjectionSide}
        for site in self.sites:
            totals[site.side] += site.units
        return totals

    def volume_ml(self, site: SiteDose) -> float:
        """The volume that carries the site's units at this session's dilution."""
        # Both numbers were checked when the site and the session were made.
        return _volume_ml(site.units, self.dilution_units_per_0_1_ml)


def volume_ml(units: float, *, dilution_units_per_0_1_ml: float) -> float:
    """Millilitres of reconstituted toxin holding ``units`` at the given dilution.

    Examples
    --------
    >>> volume_ml(2.5, dilution_units_per_0_1_ml=2.5)  # 100 U in 4 mL
    0.1
    """
    check_units("units", units)
    check_dilution(dilution_units_per_0_1_ml)
    return _volume_ml(units, dilution_units_per_0_1_ml)


def _volume_ml(units: float, dilution_units_per_0_1_ml: float) -> float:
    return round(0.1 * units / dilution_units_per_0_1_ml, 4)


def check_dose_limits(doses: SessionDoses, limits: DoseLimits) -> list[DoseWarning]:
    """Warnings for each site and for the session above the clinic's limits for the product."""
    if limits.product != doses.product:
        raise ClinicalDataError(
            "limits.product",
            f"limits are for {limits.product.value}, but the session used {doses.product.value}; "
            "units of different products are not comparable",
        )
    warnings: list[DoseWarning] = []
    for site in doses.sites:
        limit = limits.max_units_per_site
        if site.muscle.is_lower_face and limits.max_units_per_lower_face_site is not None:
            limit = min(limit, limits.max_units_per_lower_face_site)
        if site.units > limit:
            scope = f"site:{site.muscle.value}:{site.side.value}"
            warnings.append(
                DoseWarning(
                    scope,
                    site.units,
                    limit,
                    f"{site.units:g} U into {site.side.value} {site.muscle.value} is above the "
                    f"clinic's limit of {limit:g} U of {doses.product.value} per site",
                )
            )
    total = doses.total_units
    if total > limits.max_units_per_session:
        warnings.append(
            DoseWarning(
                "session",
                total,
                limits.max_units_per_session,
                f"{total:g} U in the session is above the clinic's limit of "
                f"{limits.max_units_per_session:g} U of {doses.product.value} per session",
            )
        )
    return warnings


def on_unit_grid(value: float) -> bool:
    """Whether ``value`` is a whole number of ``UNIT_RESOLUTION`` steps (to within the error of
    a decimal fraction in binary: 0.1 + 0.2 is on the grid). Past about 1e306 the steps
    overflow to infinity: no such value is on the grid (nor are infinity and NaN)."""
    steps = value / UNIT_RESOLUTION
    if not math.isfinite(steps):
        return False
    whole = round(steps)
    return abs(steps - whole) <= 1e-6 and (whole != 0 or value == 0)


def off_grid_message(value: float) -> str:
    """Why ``value`` is refused by ``on_unit_grid``, for a message that names the field."""
    return (
        f"must be a multiple of {UNIT_RESOLUTION:g} (units are recorded to {UNIT_RESOLUTION:g}), "
        f"but got {value!r}"
    )


def check_units(field_name: str, units: float) -> None:
    """Refuse negative, zero, absurd or non-numeric units, naming the field.

    Stored doses pass through here too, so the resolution of new entries is checked apart
    (``check_new_units``): a record kept from before stays readable.
    """
    if isinstance(units, bool) or not isinstance(units, (int, float)):
        raise ClinicalDataError(field_name, f"must be a number of units, but got {units!r}")
    if not 0 < units <= MAX_UNITS_PER_SITE:
        raise ClinicalDataError(
            field_name, f"must be more than 0 and at most {MAX_UNITS_PER_SITE:g}, but got {units!r}"
        )


def check_new_units(field_name: str, units: float) -> None:
    """Refuse what ``check_units`` refuses and units finer than ``UNIT_RESOLUTION``."""
    check_units(field_name, units)
    if not on_unit_grid(units):
        raise ClinicalDataError(field_name, off_grid_message(units))


def check_dilution(dilution_units_per_0_1_ml: float) -> None:
    """Refuse a zero, negative or impossible dilution (its resolution: ``on_unit_grid``)."""
    d = dilution_units_per_0_1_ml
    if (
        isinstance(d, bool)
        or not isinstance(d, (int, float))
        or not 0 < d <= MAX_DILUTION_UNITS_PER_0_1_ML
    ):
        raise ClinicalDataError(
            "dilution_units_per_0_1_ml",
            f"must be more than 0 and at most {MAX_DILUTION_UNITS_PER_0_1_ML:g} units per 0.1 mL, "
            f"but got {d!r}",
        )


def sites_from(entries: Sequence[tuple[str, str, float]]) -> tuple[SiteDose, ...]:
    """New sites from (muscle, side, units) entries, with the unknown name or the bad units in
    the message."""
    out = []
    for i, (muscle, side, units) in enumerate(entries):
        try:
            m = Muscle(muscle)
        except ValueError:
            raise ClinicalDataError(f"sites[{i}].muscle", f"unknown muscle {muscle!r}") from None
        try:
            s = InjectionSide(side)
        except ValueError:
            raise ClinicalDataError(
                f"sites[{i}].side", f"must be 'left' or 'right', but got {side!r}"
            ) from None
        check_new_units(f"sites[{i}].units", units)
        out.append(SiteDose(m, s, float(units)))
    return tuple(out)
