"""Models of a session's vials and consent, and of a patient's dose history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from hemispasm.clinic.api.schemas.common import Input, Name, Output, Units
from hemispasm.clinic.domain.dose_history import DoseHistory
from hemispasm.clinic.domain.vials import (
    MAX_DILUENT_ML,
    MAX_VIAL_UNITS,
    MAX_VIALS_PER_SESSION,
    ConsentKind,
    Vial,
)
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.clinic.services.session_records import Consent, SessionRecords


class VialIn(Input):
    """One vial used in the session: size, lot, expiry, diluent and the units drawn up."""

    vial_units: Units = Field(gt=0, le=MAX_VIAL_UNITS, description="units in the vial")
    lot: Annotated[Name, Field(min_length=1, max_length=64)]
    expiry_on: date = Field(description="not before the session's date")
    diluent_ml: float = Field(
        gt=0, le=MAX_DILUENT_ML, strict=True, allow_inf_nan=False, description="saline added, mL"
    )
    units_drawn_up: Units = Field(ge=0, le=MAX_VIAL_UNITS, description="at most the vial's units")

    def vial(self) -> Vial:
        """The domain's vial."""
        return Vial(self.vial_units, self.diluent_ml, self.units_drawn_up, self.lot, self.expiry_on)


class VialOut(Output):
    """A stored vial with its concentration."""

    id: int
    vial_units: float
    lot: str
    expiry_on: date
    diluent_ml: float
    units_drawn_up: float
    units_per_0_1_ml: float


class ConsentIn(Input):
    """The patient's consent to the session's injection."""

    consented_on: date = Field(description="on or before the session's date")
    kind: ConsentKind
    notes: Annotated[str | None, Field(None, max_length=500)] = None

    def consent(self) -> Consent:
        """The service's consent."""
        return Consent(self.consented_on, self.kind, self.notes or None)


class ConsentOut(Output):
    """A stored consent with who recorded it, and when."""

    consented_on: date
    kind: ConsentKind
    notes: str | None
    recorded_by: int
    recorded_by_name: str | None
    recorded_at: datetime


class SessionRecordsIn(Input):
    """The session's vials (the whole set) and its consent (null: none on record)."""

    vials: list[VialIn] = Field(default_factory=list, max_length=MAX_VIALS_PER_SESSION)
    consent: ConsentIn | None = None


class SessionRecordsPublic(Output):
    """The session's vials and consent, and its wastage: drawn up minus injected (negative,
    with a warning, when the record does not add up)."""

    session_id: int
    session_on: date
    vials: list[VialOut]
    consent: ConsentOut | None
    drawn_up_units: float
    injected_units: float
    wasted_units: float
    warning: str | None


def session_records_out(records: SessionRecords) -> SessionRecordsPublic:
    """The answer for ``records``."""
    consent = None
    if (c := records.consent) is not None:
        consent = ConsentOut(
            consented_on=c.consent.consented_on,
            kind=c.consent.kind,
            notes=c.consent.notes,
            recorded_by=c.recorded_by,
            recorded_by_name=c.recorded_by_name,
            recorded_at=c.recorded_at,
        )
    w = records.wastage
    return SessionRecordsPublic(
        session_id=records.session_id,
        session_on=records.session_on,
        vials=[
            VialOut(
                id=v.id,
                vial_units=v.vial.vial_units,
                lot=v.vial.lot,
                expiry_on=v.vial.expiry_on,
                diluent_ml=v.vial.diluent_ml,
                units_drawn_up=v.vial.units_drawn_up,
                units_per_0_1_ml=v.vial.units_per_0_1_ml,
            )
            for v in records.vials
        ],
        consent=consent,
        drawn_up_units=w.drawn_up_units,
        injected_units=w.injected_units,
        wasted_units=w.wasted_units,
        warning=w.warning,
    )


class SiteColumn(BaseModel):
    """A column of the history: one muscle on one side (the patient's)."""

    muscle: Muscle
    side: InjectionSide


class YearRow(BaseModel):
    """One year of one product: units per site, in the columns' order."""

    year: int
    sessions: int
    units_by_site: list[float]
    total_units: float


class ProductHistoryOut(BaseModel):
    """The history of one product (units of different products are never added)."""

    product: Product
    product_name: str | None
    sites: list[SiteColumn]
    years: list[YearRow]
    site_totals: list[float]
    total_units: float
    sessions: int
    first_on: date
    last_on: date


class DoseHistoryPublic(BaseModel):
    """The patient's doses per product, year and site; the product used last comes first."""

    products: list[ProductHistoryOut]


def dose_history_out(history: DoseHistory) -> DoseHistoryPublic:
    """The answer for ``history``."""
    return DoseHistoryPublic(
        products=[
            ProductHistoryOut(
                product=p.product,
                product_name=p.product_name,
                sites=[SiteColumn(muscle=s.muscle, side=s.side) for s in p.sites],
                years=[
                    YearRow(
                        year=y.year,
                        sessions=y.sessions,
                        units_by_site=list(y.units_by_site),
                        total_units=y.total_units,
                    )
                    for y in p.years
                ],
                site_totals=list(p.site_totals),
                total_units=p.total_units,
                sessions=p.sessions,
                first_on=p.first_on,
                last_on=p.last_on,
            )
            for p in history.products
        ]
    )
