"""Vials, their reconstitution and the wastage of one session; the patient's consent to it.

A vial of ``vial_units`` is reconstituted with ``diluent_ml`` of saline, which fixes its
concentration. Of what was drawn up from the session's vials, whatever was not injected is
wasted. More injected than drawn up means a vial is missing from the record, or a number is
wrong: that is a warning, not a refusal, since the injection already happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hemispasm.clinic.domain.dates import check_not_future
from hemispasm.clinic.domain.dosing import UNIT_DECIMALS, off_grid_message, on_unit_grid
from hemispasm.errors import ClinicalDataError

MAX_VIAL_UNITS = 500.0
"""The largest vial on the market (abobotulinumtoxinA, 500 U); more is a typing error."""
MAX_DILUENT_ML = 10.0
"""No product's label reconstitutes with more than 10 mL."""
MAX_VIALS_PER_SESSION = 10
MAX_LOT_LENGTH = 64


class ConsentKind(StrEnum):
    """How the patient consented to a session's injection."""

    WRITTEN = "written"
    VERBAL = "verbal"
    ON_FILE = "on_file"
    """A consent given earlier, for the course of treatment, still on file."""


CONSENT_LABELS = {
    ConsentKind.WRITTEN: "Written, signed today",
    ConsentKind.VERBAL: "Verbal",
    ConsentKind.ON_FILE: "On file from an earlier visit",
}


@dataclass(frozen=True)
class Vial:
    """One vial used in a session: its size, its lot, how it was reconstituted and what was
    drawn up from it."""

    vial_units: float
    diluent_ml: float
    units_drawn_up: float
    lot: str
    expiry_on: date

    @property
    def units_per_ml(self) -> float:
        """The concentration after reconstitution."""
        return self.vial_units / self.diluent_ml

    @property
    def units_per_0_1_ml(self) -> float:
        """The concentration as the session form gives the dilution."""
        return round(self.units_per_ml / 10, UNIT_DECIMALS)


@dataclass(frozen=True)
class Wastage:
    """Units drawn up from the session's vials, units injected, and the difference."""

    drawn_up_units: float
    injected_units: float

    @property
    def wasted_units(self) -> float:
        """Drawn up minus injected; negative when the record does not add up."""
        return round(self.drawn_up_units - self.injected_units, UNIT_DECIMALS)

    @property
    def warning(self) -> str | None:
        """Why the numbers do not add up, if they do not."""
        if self.wasted_units < 0:
            return (
                f"{self.injected_units:g} U were injected but only {self.drawn_up_units:g} U "
                "drawn up: a vial is missing from this record, or a number is wrong"
            )
        return None


def _check_amount(field: str, value: float, *, most: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ClinicalDataError(field, f"must be a number, but got {value!r}")
    if not 0 < value <= most:
        raise ClinicalDataError(
            field, f"must be more than 0 and at most {most:g} {unit}, but got {value!r}"
        )


def check_vial(vial: Vial, *, session_on: date, prefix: str = "") -> None:
    """Refuse an impossible vial, naming the field (``prefix`` + name, e.g. "vials[1].lot").

    Examples
    --------
    >>> v = Vial(100, 2.5, 30, "C1234", date(2026, 1, 31))
    >>> check_vial(v, session_on=date(2026, 2, 1))
    Traceback (most recent call last):
    ...
    hemispasm.errors.ClinicalDataError: expiry_on: 2026-01-31 is before the session's date \
2026-02-01: an expired vial
    """
    _check_amount(f"{prefix}vial_units", vial.vial_units, most=MAX_VIAL_UNITS, unit="U")
    _check_amount(f"{prefix}diluent_ml", vial.diluent_ml, most=MAX_DILUENT_ML, unit="mL")
    drawn = vial.units_drawn_up
    if isinstance(drawn, bool) or not isinstance(drawn, (int, float)) or drawn < 0:
        raise ClinicalDataError(
            f"{prefix}units_drawn_up", f"must be 0 or more units, but got {drawn!r}"
        )
    if drawn > vial.vial_units:
        raise ClinicalDataError(
            f"{prefix}units_drawn_up",
            f"{drawn:g} U is more than the vial holds ({vial.vial_units:g} U)",
        )
    if not on_unit_grid(drawn):
        raise ClinicalDataError(f"{prefix}units_drawn_up", off_grid_message(drawn))
    if not vial.lot.strip():
        raise ClinicalDataError(f"{prefix}lot", "write the lot number printed on the vial")
    if len(vial.lot) > MAX_LOT_LENGTH:
        raise ClinicalDataError(
            f"{prefix}lot", f"at most {MAX_LOT_LENGTH} characters, but got {len(vial.lot)}"
        )
    if vial.expiry_on < session_on:
        raise ClinicalDataError(
            f"{prefix}expiry_on",
            f"{vial.expiry_on.isoformat()} is before the session's date "
            f"{session_on.isoformat()}: an expired vial",
        )


def check_vials(vials: Sequence[Vial], *, session_on: date) -> None:
    """Refuse more vials than a session can use, or any impossible one (named by position)."""
    if len(vials) > MAX_VIALS_PER_SESSION:
        raise ClinicalDataError(
            "vials", f"at most {MAX_VIALS_PER_SESSION} vials a session, but got {len(vials)}"
        )
    for i, vial in enumerate(vials):
        check_vial(vial, session_on=session_on, prefix=f"vials[{i}].")


def wastage(vials: Sequence[Vial], injected_units: float) -> Wastage:
    """What the session's vials gave and what of it was injected."""
    drawn = round(sum(v.units_drawn_up for v in vials), UNIT_DECIMALS)
    return Wastage(drawn_up_units=drawn, injected_units=round(injected_units, UNIT_DECIMALS))


def check_consent(consented_on: date, *, session_on: date, today: date) -> None:
    """Refuse a consent dated after the injection (it must come first) or in the future."""
    check_not_future("consented_on", consented_on, today=today)
    if consented_on > session_on:
        raise ClinicalDataError(
            "consented_on",
            f"{consented_on.isoformat()} is after the session's date {session_on.isoformat()}: "
            "consent comes before the injection",
        )
