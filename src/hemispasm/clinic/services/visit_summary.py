"""The printable summary of one visit: what was injected where, the cycle history, the next due
date and the latest video measures; read for the page and exported as a PDF.

A visit is the day of a session: a clinic that gives two products on one day records two
sessions (one product each, the second with a reason for the early session), and the summary of
either shows both. For the clinic's team only: the patient's own reading rights
(``access.PATIENT_READABLE``) do not cover the sessions' sites, so the clinician prints the
summary and hands it over. Every read and every export is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import (
    Clinic,
    Diagnosis,
    InjectionSession,
    Patient,
    VideoAnalysis,
)
from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.domain.visit import ProductTotals, totals_by_product
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle
from hemispasm.clinic.services.access import get_patient_for, get_session_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.patients import Schedule, patient_schedule
from hemispasm.clinic.services.timeline import session_totals
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS

ENTITY = "visit_summary"
"""The audit log's name for what is read or exported."""
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class SiteUnits:
    """Units into one muscle on one side, with the product they were of."""

    product: str
    muscle: Muscle
    side: InjectionSide
    units: float


@dataclass(frozen=True)
class CycleLine:
    """One past session in the cycle history."""

    session_id: int
    injected_on: date
    product: str
    units_right: float
    units_left: float
    effect_days: int | None
    """From the effect's onset (or the injection) to wear-off, where both were recorded."""

    @property
    def total_units(self) -> float:
        """Both sides (one product per session)."""
        return self.units_right + self.units_left


@dataclass(frozen=True)
class VideoMeasures:
    """The newest video analysis's measures: software estimates, not a clinician's grading."""

    recorded_on: date
    spasms_per_min: float
    pct_time_affected_eye_half_closed: float
    affected_side: str | None
    jankovic_total_estimate: int | None
    smc_grade_estimate: int | None


@dataclass(frozen=True)
class VisitSummary:
    """Everything the printed summary shows."""

    patient: Patient
    clinic_name: str
    clinic_phone: str | None
    visit_on: date
    session_id: int
    sites: list[SiteUnits]
    totals: list[ProductTotals]
    products: list[str]
    """Each session's product of the visit, in their order (lots and dilutions beside)."""
    dilutions: list[float]
    affected_side: str | None
    cycles: list[CycleLine]
    """Oldest first."""
    schedule: Schedule
    video: VideoMeasures | None


def product_name(session: InjectionSession) -> str:
    """The session's product as stored; for "other", the name recorded with it."""
    if session.product.value == "other" and session.product_name:
        return session.product_name
    return session.product.value


def _visit_sessions(db: Session, patient: Patient, on: date) -> list[InjectionSession]:
    query = (
        select(InjectionSession)
        .where(
            InjectionSession.patient_id == patient.id,
            InjectionSession.session_on == on,
            InjectionSession.deleted_at.is_(None),
        )
        .order_by(InjectionSession.id)
    )
    return list(db.scalars(query))


def _cycles(db: Session, patient: Patient) -> list[CycleLine]:
    sessions = db.scalars(
        select(InjectionSession)
        .where(InjectionSession.patient_id == patient.id, InjectionSession.deleted_at.is_(None))
        .order_by(InjectionSession.session_on, InjectionSession.id)
    )
    totals = session_totals(db, patient)
    lines = []
    for s in sessions:
        t = totals.get(s.id)
        course = CycleCourse(s.session_on, s.effect_began_on, s.effect_peak_on, s.wore_off_on)
        lines.append(
            CycleLine(
                session_id=s.id,
                injected_on=s.session_on,
                product=product_name(s),
                units_right=t.units_right if t else 0.0,
                units_left=t.units_left if t else 0.0,
                effect_days=course.effect_days,
            )
        )
    return lines


def _latest_video(db: Session, patient: Patient) -> VideoMeasures | None:
    row = db.scalars(
        select(VideoAnalysis)
        .where(VideoAnalysis.patient_id == patient.id, VideoAnalysis.deleted_at.is_(None))
        .order_by(VideoAnalysis.recorded_on.desc(), VideoAnalysis.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return VideoMeasures(
        recorded_on=row.recorded_on,
        spasms_per_min=row.spasms_per_min,
        pct_time_affected_eye_half_closed=row.pct_time_affected_eye_half_closed,
        affected_side=row.affected_side,
        jankovic_total_estimate=row.jankovic_total_estimate,
        smc_grade_estimate=row.smc_grade_estimate,
    )


def _affected_side(db: Session, patient: Patient) -> str | None:
    side = db.scalars(
        select(Diagnosis.affected_side)
        .where(Diagnosis.patient_id == patient.id, Diagnosis.deleted_at.is_(None))
        .order_by(Diagnosis.id.desc())
        .limit(1)
    ).first()
    return side.value if side is not None else None


def visit_summary(
    db: Session, actor: Actor, patient_id: int, session_id: int, *, fmt: str
) -> VisitSummary:
    """The summary of the visit of session ``session_id``; audited as a read of the page
    (``fmt`` "html") or an export (``fmt`` "pdf").

    Raises
    ------
    NotFoundError
        No such patient or session for ``actor`` (another clinic's, another patient's, deleted).
    PermissionDeniedError
        A patient or an admin asking (the summary is the clinic team's).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, but got {fmt!r}")
    part = INJECTION_SESSIONS.part
    action = "export" if fmt == "pdf" else "read"
    patient = get_patient_for(
        db, actor, patient_id, part=part, action="read", entity_id=session_id, audit=False
    )
    session = get_session_for(db, actor, patient, session_id, part=part, action=action)
    visit = _visit_sessions(db, patient, session.session_on)
    sites = [
        SiteUnits(product_name(s), site.muscle, site.side, site.units)
        for s in visit
        for site in s.sites
    ]
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None
    summary = VisitSummary(
        patient=patient,
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        visit_on=session.session_on,
        session_id=session.id,
        sites=sites,
        totals=totals_by_product((s.product, s.side, s.units) for s in sites),
        products=[product_name(s) for s in visit],
        dilutions=[s.dilution_units_per_0_1_ml for s in visit],
        affected_side=_affected_side(db, patient),
        cycles=_cycles(db, patient),
        schedule=patient_schedule(db, patient, actor.on()),
        video=_latest_video(db, patient),
    )
    record_event(
        db,
        actor,
        action,
        ENTITY,
        entity_id=session.id,
        patient_id=patient.id,
        detail={"format": fmt, "sessions": [s.id for s in visit]},
    )
    db.commit()
    return summary
