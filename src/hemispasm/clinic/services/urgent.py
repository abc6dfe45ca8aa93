"""Urgent reports: the side effects a patient reported that need a clinician at once.

A side effect is urgent when its effect is (``AdverseEffect.urgent``: trouble swallowing or
breathing, signs that the toxin spread). An urgent effect the patient reported waits in the
clinic's urgent inbox until a clinician acknowledges it; one a clinician recorded needs no
acknowledgement (the clinic knows of it). The diary's other entries (self-ratings, the course of
a cycle) have no urgent values. Only clinicians list, count and acknowledge urgent reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, TextClause, func, select, text
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.engine import reads_only
from hemispasm.clinic.db.models import AdverseEvent, Patient
from hemispasm.clinic.db.treatment import URGENT_EFFECT_SQL
from hemispasm.clinic.domain.vocab import AdverseEffect, Reporter, Role, Severity
from hemispasm.clinic.services.access import get_patient_for, refuse
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import changes_between, record_event
from hemispasm.clinic.services.records import Page
from hemispasm.errors import NotFoundError, PermissionDeniedError

PART = "adverse_event"
"""The access part and audit entity of an acknowledgement (it changes a side effect)."""


@dataclass(frozen=True)
class UrgentReport:
    """An urgent side effect a patient reported, with who they are, as the inbox lists it."""

    id: int
    patient_id: int
    patient_name: str
    mrn: str
    effect: AdverseEffect
    severity: Severity
    onset_on: date
    reported_at: datetime
    notes: str | None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None


Condition = ColumnElement[bool] | TextClause


def _waiting_reports() -> tuple[Condition, ...]:
    """The conditions of an urgent report that nobody acknowledged yet (the effects in literal
    SQL, so that the databases use the partial index of such reports)."""
    return (
        text(f"adverse_events.{URGENT_EFFECT_SQL}"),
        AdverseEvent.acknowledged_at.is_(None),
        AdverseEvent.reported_by == Reporter.PATIENT,
        AdverseEvent.deleted_at.is_(None),
    )


def _waiting(clinic_id: int) -> tuple[Condition, ...]:
    """The conditions of an urgent report of the clinic that nobody acknowledged yet."""
    return (
        *_waiting_reports(),
        Patient.clinic_id == clinic_id,
        Patient.deleted_at.is_(None),
    )


def _refuse_unless_clinician(
    db: Session, actor: Actor, *, action: str, patient_id: int | None = None
) -> None:
    """Only clinicians handle urgent reports (the refusal is noted for the audit log)."""
    if actor.role is not Role.CLINICIAN:
        raise refuse(
            db,
            actor,
            PermissionDeniedError(
                f"urgent reports are for the clinic's clinicians; you are {actor.role.value}"
            ),
            part=PART,
            action=action,
            patient_id=patient_id if patient_id is not None else actor.patient_id,
        )


def count_unacknowledged(db: Session, actor: Actor) -> int:
    """How many urgent reports of the actor's clinic wait for a clinician: one COUNT query.

    Shows no patient data, so it is not audited; 0 for anyone but a clinician.
    """
    if actor.role is not Role.CLINICIAN:
        return 0
    of_clinic = (
        select(Patient.id)
        .where(
            Patient.id == AdverseEvent.patient_id,
            Patient.clinic_id == actor.clinic_id,
            Patient.deleted_at.is_(None),
        )
        .exists()
    )
    # the reports first, then their patients: the partial index holds only waiting reports
    query = select(func.count()).select_from(AdverseEvent).where(*_waiting_reports(), of_clinic)
    with reads_only(db):
        return db.scalar(query) or 0


def _report(event: AdverseEvent, patient: Patient) -> UrgentReport:
    return UrgentReport(
        id=event.id,
        patient_id=patient.id,
        patient_name=patient.name,
        mrn=patient.mrn,
        effect=event.effect,
        severity=event.severity,
        onset_on=event.onset_on,
        reported_at=event.created_at,
        notes=event.notes,
        acknowledged_at=event.acknowledged_at,
        acknowledged_by=event.acknowledged_by,
    )


def list_unacknowledged(db: Session, actor: Actor, *, page: int, page_size: int) -> Page:
    """A page of the clinic's urgent reports waiting for a clinician, the longest waiting first;
    the list is audited with the patients it showed."""
    _refuse_unless_clinician(db, actor, action="list")
    where = _waiting(actor.clinic_id)
    joined = select(AdverseEvent, Patient).join(Patient, Patient.id == AdverseEvent.patient_id)
    total = db.scalar(
        select(func.count())
        .select_from(AdverseEvent)
        .join(Patient, Patient.id == AdverseEvent.patient_id)
        .where(*where)
    )
    rows = db.execute(
        joined.where(*where)
        .order_by(AdverseEvent.created_at, AdverseEvent.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    reports = [_report(event, patient) for event, patient in rows]
    record_event(
        db,
        actor,
        "list",
        "urgent_report",
        detail={"patient_ids": sorted({r.patient_id for r in reports})},
    )
    db.commit()
    return Page(reports, total or 0, page, page_size)


def acknowledge(db: Session, actor: Actor, patient_id: int, record_id: int) -> UrgentReport:
    """Mark a side effect of the patient seen by the acting clinician; one transaction.

    Meant for the urgent reports of the inbox, and allowed for any side effect of the patient.
    The audit row holds ``acknowledged_at`` and ``acknowledged_by`` before and after; a side
    effect acknowledged already keeps its first acknowledgement (the audit row then holds no
    change), so that a second click, or a second clinician, changes nothing.

    Raises
    ------
    PermissionDeniedError
        The actor is not a clinician (a patient, an admin).
    NotFoundError
        No such patient or side effect in the actor's clinic (or deleted).
    """
    _refuse_unless_clinician(db, actor, action="acknowledge", patient_id=patient_id)
    patient = get_patient_for(
        db, actor, patient_id, part=PART, action="acknowledge", entity_id=record_id, audit=False
    )
    event = db.scalars(
        select(AdverseEvent)
        .where(
            AdverseEvent.id == record_id,
            AdverseEvent.patient_id == patient.id,
            AdverseEvent.deleted_at.is_(None),
        )
        .with_for_update()  # a second clinician's click waits for the first, then changes nothing
    ).first()
    if event is None:
        raise refuse(
            db,
            actor,
            NotFoundError("side effect", record_id),
            part=PART,
            action="acknowledge",
            patient_id=patient.id,
            entity_id=record_id,
        )
    before = {"acknowledged_at": event.acknowledged_at, "acknowledged_by": event.acknowledged_by}
    if event.acknowledged_at is None:
        event.acknowledged_at, event.acknowledged_by = utcnow(), actor.user_id
    after = {"acknowledged_at": event.acknowledged_at, "acknowledged_by": event.acknowledged_by}
    record_event(
        db,
        actor,
        "acknowledge",
        PART,
        entity_id=event.id,
        patient_id=patient.id,
        detail={"changes": changes_between(before, after)},
    )
    db.commit()
    return _report(event, patient)
