"""Create, read, update, list and (softly) delete the records that belong to one patient.

Each kind of record is described once by a ``RecordKind``: its model, the access part it counts as,
its date column, and a ``check`` that validates the values it would hold after the change. Kinds a
patient can add name the column that says who reported a record (``reporter_field``): a patient
changes only their own reports, and deletes nothing (``access.check_may_change``). An update's
audit row holds the changed fields' values before and after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Patient
from hemispasm.clinic.services.access import check_may_change, get_patient_for, refuse
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import changes_between, detail_text, record_event
from hemispasm.errors import NotFoundError

Values = dict[str, Any]
Check = Callable[[Session, Actor, Patient, Mapping[str, Any]], None]
Prepare = Callable[[Session, Actor, Patient, Values, Any], Values]
AfterChange = Callable[[Session, Patient], None]
SaveChildren = Callable[[Session, Any, Values], None]


def _no_check(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
    return None


def _as_is(db: Session, actor: Actor, patient: Patient, values: Values, existing: Any) -> Values:
    return values


def _nothing(db: Session, patient: Patient) -> None:
    return None


def _no_children(db: Session, row: Any, values: Values) -> None:
    return None


def _no_child_values(row: Any) -> Values:
    return {}


@dataclass(frozen=True)
class RecordKind:
    """How one kind of patient record is stored, checked and ordered."""

    part: str
    """The access part (see ``services.access``) and the audit log's entity name."""
    model: type[Any]
    """A PatientOwned model class."""
    date_field: str
    check: Check = _no_check
    """Validates the complete values after the change; raises ClinicalDataError."""
    prepare: Prepare = _as_is
    """Turns the submitted values into column values (fills defaults, builds children)."""
    after_change: AfterChange = _nothing
    """Runs after every create, update and delete (keeps derived patient fields up to date)."""
    save_children: SaveChildren = _no_children
    """Stores rows that hang off the record (keys starting with "_" in the prepared values)."""
    reporter_field: str | None = None
    """The column saying who reported the record (patient or clinician), for kinds a patient
    can add to; None for kinds only clinicians write."""
    child_values: Callable[[Any], Values] = _no_child_values
    """The rows hanging off a stored record as plain values (a session's sites), so that an
    update's audit row keeps them as they were before and after."""


@dataclass(frozen=True)
class Page:
    """One page of a list and the size of the whole list."""

    items: list[Any]
    total: int
    page: int
    page_size: int


def current_values(row: Any, kind: RecordKind) -> Values:
    """The column values of a stored row."""
    return {c.key: getattr(row, c.key) for c in kind.model.__table__.columns}


def list_records(
    db: Session,
    actor: Actor,
    kind: RecordKind,
    patient_id: int,
    *,
    page: int,
    page_size: int,
    deferred: tuple[str, ...] = (),
) -> Page:
    """A page of the patient's records of ``kind``, newest first; the ``deferred`` columns are
    not read with the rows (reading one later loads it then, one row at a time)."""
    get_patient_for(db, actor, patient_id, part=kind.part, action="list")
    model = kind.model
    where = (model.patient_id == patient_id, model.deleted_at.is_(None))
    total = db.scalar(select(func.count()).select_from(model).where(*where)) or 0
    rows = db.scalars(
        select(model)
        .where(*where)
        .options(*(defer(getattr(model, name)) for name in deferred))
        .order_by(getattr(model, kind.date_field).desc(), model.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    db.commit()
    return Page(list(rows), total, page, page_size)


def _load(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, record_id: int, *, action: str
) -> Any:
    row = db.get(kind.model, record_id)
    if row is None or row.patient_id != patient_id or row.deleted_at is not None:
        raise refuse(
            db,
            actor,
            NotFoundError(kind.part.replace("_", " "), record_id),
            part=kind.part,
            action=action,
            patient_id=patient_id,
            entity_id=record_id,
        )
    return row


def _check_may_change(
    db: Session, actor: Actor, kind: RecordKind, row: Any, *, action: str
) -> None:
    """Refuse a patient's change of a record they did not report, and a patient's delete."""
    reported_by = getattr(row, kind.reporter_field) if kind.reporter_field else None
    check_may_change(
        db,
        actor,
        kind.part,
        reported_by,
        action=action,
        patient_id=row.patient_id,
        entity_id=row.id,
    )


def audit_value(value: Any) -> Any:
    """A value as an update's audit row keeps it: JSON documents (an analysis's result) by
    their SHA-256 only, since the stored row keeps the document itself."""
    if isinstance(value, (dict, list)):
        text = detail_text({"v": value}) or ""
        return {"sha256": hashlib.sha256(text.encode("ascii")).hexdigest()}
    return value


def get_record(db: Session, actor: Actor, kind: RecordKind, patient_id: int, record_id: int) -> Any:
    """One record of the patient."""
    get_patient_for(db, actor, patient_id, part=kind.part, action="read", entity_id=record_id)
    row = _load(db, actor, kind, patient_id, record_id, action="read")
    db.commit()
    return row


def _checked_new(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, values: Mapping[str, Any]
) -> tuple[Patient, Values]:
    """The access check, ``prepare`` and ``check`` of a new record: its patient and values."""
    patient = get_patient_for(db, actor, patient_id, part=kind.part, action="create")
    prepared = kind.prepare(db, actor, patient, dict(values), None)
    kind.check(db, actor, patient, prepared)
    return patient, prepared


def check_record(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, values: Mapping[str, Any]
) -> None:
    """Run the checks of ``create_record`` and store nothing.

    Raises what ``create_record`` would raise for ``values``. The steps run inside a savepoint
    that is always rolled back, so not even the audit row of the access check is kept.
    """
    savepoint = db.begin_nested()
    try:
        _checked_new(db, actor, kind, patient_id, values)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def create_record(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, values: Mapping[str, Any]
) -> Any:
    """Check and store a new record; one transaction."""
    patient, prepared = _checked_new(db, actor, kind, patient_id, values)
    columns = {k: v for k, v in prepared.items() if not k.startswith("_")}
    row = kind.model(patient_id=patient.id, **columns)
    db.add(row)
    db.flush()
    kind.save_children(db, row, prepared)
    kind.after_change(db, patient)
    db.commit()
    return row


def _checked_change(
    db: Session,
    actor: Actor,
    kind: RecordKind,
    patient_id: int,
    record_id: int,
    changes: Mapping[str, Any],
) -> tuple[Patient, Any, Values, Values]:
    """The access checks, ``prepare`` and ``check`` of an update: the patient, the stored row,
    its values before the change and the prepared values after it."""
    patient = get_patient_for(
        db, actor, patient_id, part=kind.part, action="update", entity_id=record_id, audit=False
    )
    row = _load(db, actor, kind, patient_id, record_id, action="update")
    _check_may_change(db, actor, kind, row, action="update")
    before = current_values(row, kind)
    prepared = kind.prepare(db, actor, patient, before | dict(changes), row)
    kind.check(db, actor, patient, prepared)
    return patient, row, before, prepared


def check_update(
    db: Session,
    actor: Actor,
    kind: RecordKind,
    patient_id: int,
    record_id: int,
    changes: Mapping[str, Any],
) -> None:
    """Run the checks of ``update_record`` and store nothing (a savepoint always rolled back)."""
    savepoint = db.begin_nested()
    try:
        _checked_change(db, actor, kind, patient_id, record_id, changes)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def update_record(
    db: Session,
    actor: Actor,
    kind: RecordKind,
    patient_id: int,
    record_id: int,
    changes: Mapping[str, Any],
) -> Any:
    """Check the record as it would be after ``changes`` and store them; one transaction.

    The audit row names each changed field with its value before and after."""
    patient, row, before, prepared = _checked_change(
        db, actor, kind, patient_id, record_id, changes
    )
    after = {k: v for k, v in prepared.items() if not k.startswith("_")}
    changed = changes_between(
        {k: audit_value(v) for k, v in before.items()},
        {k: audit_value(v) for k, v in after.items()},
    )
    detail: dict[str, Any] = {"changes": changed}
    if replaced := sorted(k.removeprefix("_") for k in prepared if k.startswith("_")):
        detail["replaced"] = replaced  # rows hanging off it (a session's sites), kept as deleted
    children_before = kind.child_values(row)
    for key, value in after.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
    db.flush()
    kind.save_children(db, row, prepared)
    changed |= changes_between(children_before, kind.child_values(row))
    record_event(
        db, actor, "update", kind.part, entity_id=record_id, patient_id=patient.id, detail=detail
    )
    kind.after_change(db, patient)
    db.commit()
    return row


def delete_record(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, record_id: int
) -> None:
    """Mark the record deleted (it stays in the database and the audit log); clinicians only."""
    patient = get_patient_for(
        db, actor, patient_id, part=kind.part, action="delete", entity_id=record_id, audit=False
    )
    row = _load(db, actor, kind, patient_id, record_id, action="delete")
    _check_may_change(db, actor, kind, row, action="delete")
    record_event(db, actor, "delete", kind.part, entity_id=record_id, patient_id=patient.id)
    row.deleted_at = utcnow()
    db.flush()
    kind.after_change(db, patient)
    db.commit()
