"""Patients: register, correct, find, list by due status, remove (softly), and the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Clinic, Patient
from hemispasm.clinic.domain.dates import check_not_future
from hemispasm.clinic.domain.schedule import DueStatus, due_status, earliest_allowed
from hemispasm.clinic.domain.vocab import Product, Role
from hemispasm.clinic.services.access import check_clinician_ref, get_patient_for, require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import changes_between, record_event
from hemispasm.clinic.services.records import Page
from hemispasm.clinic.services.treatment import schedule_rules
from hemispasm.errors import ClinicalDataError, ConflictError


@dataclass(frozen=True)
class PatientFilter:
    """What a patient list is narrowed to; every field optional."""

    q: str | None = None
    """Part of the name or the record number."""
    due: str | None = None
    """"overdue", "due_soon" (within the clinic's window) or "due_this_week"."""
    clinician_id: int | None = None
    product: Product | None = None
    """The product of the last session."""


def _check_patient(values: Mapping[str, Any], today: date) -> None:
    check_not_future("birth_date", values.get("birth_date"), today=today)
    if not (values.get("mrn") or "").strip():
        raise ClinicalDataError("mrn", "must not be empty")
    if not (values.get("name") or "").strip():
        raise ClinicalDataError("name", "must not be empty")


def _mrn_taken(db: Session, clinic_id: int, mrn: str, exclude_id: int | None = None) -> bool:
    query = select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.mrn == mrn)
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return db.scalars(query).first() is not None


def _flush_unique(db: Session, mrn: str) -> None:
    try:
        db.flush()
    except IntegrityError:  # a concurrent request took the number between check and insert
        db.rollback()
        raise ConflictError(
            "mrn", f"record number {mrn!r} is already used in this clinic"
        ) from None


def create_patient(db: Session, actor: Actor, values: Mapping[str, Any]) -> Patient:
    """Register a patient of the actor's clinic."""
    require_role(actor, Role.CLINICIAN)
    _check_patient(values, actor.on())
    check_clinician_ref(db, actor, "clinician_id", values.get("clinician_id"))
    mrn = values["mrn"].strip()
    if _mrn_taken(db, actor.clinic_id, mrn):
        raise ConflictError("mrn", f"record number {mrn!r} is already used in this clinic")
    patient = Patient(clinic_id=actor.clinic_id, **(dict(values) | {"mrn": mrn}))
    db.add(patient)
    _flush_unique(db, mrn)
    get_patient_for(db, actor, patient.id, part="patient", action="create")
    db.commit()
    return patient


def get_patient(db: Session, actor: Actor, patient_id: int) -> Patient:
    """The patient's own record (demographics)."""
    patient = get_patient_for(db, actor, patient_id, part="patient", action="read")
    db.commit()
    return patient


def update_patient(
    db: Session, actor: Actor, patient_id: int, changes: Mapping[str, Any]
) -> Patient:
    """Correct the patient's demographics; the audit row keeps the changed fields before and
    after."""
    patient = get_patient_for(db, actor, patient_id, part="patient", action="update", audit=False)
    merged = {c: getattr(patient, c) for c in ("mrn", "name", "birth_date")} | dict(changes)
    _check_patient(merged, actor.on())
    if "clinician_id" in changes:
        check_clinician_ref(db, actor, "clinician_id", changes["clinician_id"])
    if "mrn" in changes:
        changes = dict(changes) | {"mrn": changes["mrn"].strip()}
        if _mrn_taken(db, actor.clinic_id, changes["mrn"], exclude_id=patient.id):
            raise ConflictError(
                "mrn", f"record number {changes['mrn']!r} is already used in this clinic"
            )
    born = changes.get("birth_date")
    if born and patient.last_session_on and born > patient.last_session_on:
        raise ClinicalDataError("birth_date", "is after the patient's injection sessions")
    before = {key: getattr(patient, key) for key in changes}
    record_event(
        db,
        actor,
        "update",
        "patient",
        patient_id=patient.id,
        detail={"changes": changes_between(before, changes)},
    )
    for key, value in changes.items():
        setattr(patient, key, value)
    _flush_unique(db, str(changes.get("mrn", patient.mrn)))
    db.commit()
    return patient


def delete_patient(db: Session, actor: Actor, patient_id: int) -> None:
    """Mark the patient deleted; nothing of the record is removed."""
    patient = get_patient_for(db, actor, patient_id, part="patient", action="delete")
    patient.deleted_at = utcnow()
    db.commit()


def _due_condition(db: Session, actor: Actor, due: str) -> ColumnElement[bool]:
    today = actor.on()
    if due == "overdue":
        return Patient.next_due_on < today
    if due == "due_soon":
        clinic = db.get(Clinic, actor.clinic_id)
        assert clinic is not None
        window = schedule_rules(clinic).due_soon
        return and_(Patient.next_due_on >= today, Patient.next_due_on <= today + window)
    if due == "due_this_week":
        monday = today - timedelta(days=today.weekday())
        return and_(Patient.next_due_on >= monday, Patient.next_due_on <= monday + timedelta(6))
    raise ClinicalDataError(
        "due", f"must be 'overdue', 'due_soon' or 'due_this_week', but got {due!r}"
    )


def list_patients(
    db: Session, actor: Actor, filters: PatientFilter, *, page: int, page_size: int
) -> Page:
    """A page of the clinic's patients; due lists are ordered by due date, others by name."""
    require_role(actor, Role.CLINICIAN)
    where: list[ColumnElement[bool]] = [
        Patient.clinic_id == actor.clinic_id,
        Patient.deleted_at.is_(None),
    ]
    if filters.q and "\x00" in filters.q:
        # no stored name or record number holds a NUL, and PostgreSQL refuses one in a query
        where.append(false())
    elif filters.q:
        needle = f"%{filters.q.strip().lower()}%"
        where.append(
            or_(func.lower(Patient.name).like(needle), func.lower(Patient.mrn).like(needle))
        )
    if filters.due:
        where.append(_due_condition(db, actor, filters.due))
    if filters.clinician_id is not None:
        where.append(Patient.clinician_id == filters.clinician_id)
    if filters.product is not None:
        where.append(Patient.last_product == filters.product)
    order = (Patient.next_due_on, Patient.id) if filters.due else (Patient.name, Patient.id)
    total = db.scalar(select(func.count()).select_from(Patient).where(*where)) or 0
    rows = db.execute(  # column values, not ORM objects: lists are read far more than written
        select(Patient.__table__)
        .where(*where)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    shown = [r.id for r in rows]
    record_event(db, actor, "list", "patient", detail={"patient_ids": shown})
    db.commit()
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@dataclass(frozen=True)
class Schedule:
    """Where the patient stands in the injection cycle today."""

    last_session_on: date | None
    next_due_on: date | None
    earliest_allowed_on: date | None
    status: DueStatus


def patient_schedule(db: Session, patient: Patient, today: date) -> Schedule:
    """Next due date, earliest allowed date and status under the clinic's rules."""
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None
    rules = schedule_rules(clinic)
    last = patient.last_session_on
    return Schedule(
        last_session_on=last,
        next_due_on=patient.next_due_on,
        earliest_allowed_on=earliest_allowed(last, rules) if last else None,
        # Only a curative decompression leaves an injected patient without a due date.
        status=due_status(
            last, today=today, rules=rules, stopped=last is not None and patient.next_due_on is None
        ),
    )
