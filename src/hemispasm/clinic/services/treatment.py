"""Injection sessions (with their sites), cycle courses, adverse effects and the schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import (
    AdverseEvent,
    Clinic,
    DoseLimit,
    InjectionSession,
    InjectionSite,
    Patient,
    Surgery,
)
from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.domain.dates import check_not_before, check_not_future
from hemispasm.clinic.domain.dosing import (
    DoseLimits,
    DoseWarning,
    SessionDoses,
    SiteDose,
    check_dilution,
    check_dose_limits,
    sites_from,
)
from hemispasm.clinic.domain.schedule import ScheduleRules, check_session_date, injections_stopped
from hemispasm.clinic.domain.vocab import InjectionSide, Product, Role, SurgeryOutcome
from hemispasm.clinic.services.access import check_clinician_ref, get_patient_for, reporter_of
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import RecordKind, Values
from hemispasm.errors import ClinicalDataError


def schedule_rules(clinic: Clinic) -> ScheduleRules:
    """The clinic's re-injection rules."""
    return ScheduleRules(
        interval=timedelta(days=clinic.interval_days),
        min_interval=timedelta(days=clinic.min_interval_days),
        due_soon=timedelta(days=clinic.due_soon_days),
    )


def refresh_schedule(db: Session, patient: Patient) -> None:
    """Recompute the patient's last session, its product and the next due date (none when a
    decompression ended the need for injections: see ``injections_stopped``)."""
    last = db.execute(
        select(InjectionSession.session_on, InjectionSession.product)
        .where(InjectionSession.patient_id == patient.id, InjectionSession.deleted_at.is_(None))
        .order_by(InjectionSession.session_on.desc(), InjectionSession.id.desc())
        .limit(1)
    ).first()
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None  # foreign key
    if last is None:
        patient.last_session_on = patient.last_product = patient.next_due_on = None
    else:
        patient.last_session_on, patient.last_product = last
        surgeries = db.execute(
            select(Surgery.surgery_on, Surgery.outcome, Surgery.recurrence_on).where(
                Surgery.patient_id == patient.id, Surgery.deleted_at.is_(None)
            )
        ).all()
        stopped = injections_stopped(
            last[0],
            ((on, outcome is SurgeryOutcome.COMPLETE, back) for on, outcome, back in surgeries),
        )
        patient.next_due_on = None if stopped else last[0] + schedule_rules(clinic).interval


def _previous_session_on(db: Session, patient_id: int, exclude_id: int | None) -> date | None:
    query = select(func.max(InjectionSession.session_on)).where(
        InjectionSession.patient_id == patient_id, InjectionSession.deleted_at.is_(None)
    )
    if exclude_id is not None:
        query = query.where(InjectionSession.id != exclude_id)
    return db.scalar(query)


def _prepare_session(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    if "sites" in values:
        raw = values.pop("sites")
        values["_sites"] = sites_from([(s["muscle"], s["side"], s["units"]) for s in raw])
    elif existing is None:
        values["_sites"] = ()
    if existing is None and values.get("injector_id") is None and actor.role is Role.CLINICIAN:
        values["injector_id"] = actor.user_id
    return values


def _check_session(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
    today = actor.on()
    check_dilution(values["dilution_units_per_0_1_ml"])
    check_clinician_ref(db, actor, "injector_id", values.get("injector_id"))
    if values["product"] == Product.OTHER and not (values.get("product_name") or "").strip():
        raise ClinicalDataError("product_name", "name the product when the product is 'other'")
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None
    check_session_date(
        values["session_on"],
        last_session=_previous_session_on(db, patient.id, values.get("id")),
        today=today,
        early_reason=values.get("early_reason"),
        rules=schedule_rules(clinic),
    )
    check_not_before(
        "session_on", values["session_on"], earlier_field="birth_date", earlier=patient.birth_date
    )
    check_not_before(
        "expiry_on",
        values.get("expiry_on"),
        earlier_field="session_on",
        earlier=values["session_on"],
    )
    _check_course(db, actor, patient, values)


def _save_sites(db: Session, row: Any, values: Values) -> None:
    if "_sites" not in values:
        return
    db.execute(
        update(InjectionSite)
        .where(InjectionSite.session_id == row.id, InjectionSite.deleted_at.is_(None))
        .values(deleted_at=utcnow())
    )
    db.add_all(
        InjectionSite(session_id=row.id, muscle=s.muscle, side=s.side, units=s.units)
        for s in values["_sites"]
    )
    db.flush()
    db.refresh(row, ["sites"])


def _site_values(row: Any) -> Values:
    """The session's current sites in their order, as an update's audit row keeps them."""
    return {
        "sites": [
            {"muscle": s.muscle.value, "side": s.side.value, "units": s.units} for s in row.sites
        ]
    }


def _check_course(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
    today = actor.on()
    for name in ("effect_began_on", "effect_peak_on", "wore_off_on"):
        check_not_future(name, values.get(name), today=today)
    CycleCourse(
        values["session_on"],
        effect_began_on=values.get("effect_began_on"),
        effect_peak_on=values.get("effect_peak_on"),
        wore_off_on=values.get("wore_off_on"),
    )


def _prepare_course(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    values["course_reported_by"] = reporter_of(actor)
    return values


def _prepare_adverse(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    if existing is None:
        values["reported_by"] = reporter_of(actor)
    return values


def _check_adverse(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
    today = actor.on()
    check_not_future("onset_on", values["onset_on"], today=today)
    check_not_future("resolved_on", values.get("resolved_on"), today=today)
    check_not_before(
        "resolved_on",
        values.get("resolved_on"),
        earlier_field="onset_on",
        earlier=values["onset_on"],
    )
    session_id = values.get("session_id")
    if session_id is not None:
        session = db.get(InjectionSession, session_id)
        if session is None or session.patient_id != patient.id or session.deleted_at is not None:
            raise ClinicalDataError(
                "session_id", f"no injection session {session_id} of this patient"
            )
        check_not_before(
            "onset_on",
            values["onset_on"],
            earlier_field="the injection",
            earlier=session.session_on,
        )


INJECTION_SESSIONS = RecordKind(
    part="injection_session",
    model=InjectionSession,
    date_field="session_on",
    check=_check_session,
    prepare=_prepare_session,
    after_change=refresh_schedule,
    save_children=_save_sites,
    child_values=_site_values,
)
CYCLES = RecordKind(
    part="cycle",
    model=InjectionSession,
    date_field="session_on",
    check=_check_course,
    prepare=_prepare_course,
    reporter_field="course_reported_by",
)
"""The same rows as INJECTION_SESSIONS, seen as cycles: patients may set the course dates."""
ADVERSE_EVENTS = RecordKind(
    part="adverse_event",
    model=AdverseEvent,
    date_field="onset_on",
    check=_check_adverse,
    prepare=_prepare_adverse,
    reporter_field="reported_by",
)


@dataclass(frozen=True)
class SessionSummary:
    """Totals, volumes and limit warnings of one session, for display."""

    total_units: float
    units_by_side: dict[InjectionSide, float]
    volumes_ml: list[float]
    warnings: list[DoseWarning]


def clinic_limits(db: Session, clinic_id: int) -> dict[Product, DoseLimits]:
    """The clinic's dose limits by product."""
    return {
        row.product: DoseLimits(
            row.product,
            row.max_units_per_site,
            row.max_units_per_session,
            row.max_units_per_lower_face_site,
        )
        for row in db.scalars(select(DoseLimit).where(DoseLimit.clinic_id == clinic_id))
    }


def summarise_session(
    product: Product,
    dilution_units_per_0_1_ml: float,
    sites: Sequence[SiteDose],
    limits: Mapping[Product, DoseLimits],
) -> SessionSummary:
    """Totals per side, the volume of each site and the warnings against the product's limits."""
    doses = SessionDoses(product, dilution_units_per_0_1_ml, tuple(sites))
    limit = limits.get(product)
    return SessionSummary(
        total_units=doses.total_units,
        units_by_side=doses.total_units_by_side(),
        volumes_ml=[doses.volume_ml(s) for s in doses.sites],
        warnings=check_dose_limits(doses, limit) if limit is not None else [],
    )


def cycle_courses(sessions: Sequence[Mapping[str, Any]]) -> list[CycleCourse]:
    """The course of each session's cycle (from its column values), oldest first."""
    return [
        CycleCourse(s["session_on"], s["effect_began_on"], s["effect_peak_on"], s["wore_off_on"])
        for s in sorted(sessions, key=lambda s: s["session_on"])
    ]


def session_dates(db: Session, actor: Actor, patient_id: int) -> list[date]:
    """The days the patient was injected, oldest first (readable by the patient too: cycles).

    One column, no sites: what the video pages need to count days since an injection.
    """
    patient = get_patient_for(db, actor, patient_id, part="cycle", action="read")
    dates = list(
        db.scalars(
            select(InjectionSession.session_on)
            .where(InjectionSession.patient_id == patient.id, InjectionSession.deleted_at.is_(None))
            .order_by(InjectionSession.session_on)
        )
    )
    db.commit()
    return dates
