"""Create, read, update, list and (softly) delete the records that belong to one patient.

Each kind of record is described once by a ``RecordKind``: its model, the access part it counts as,
its date column, and a ``check`` that validates the values it would hold after the change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Patient
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
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


def _load(db: Session, kind: RecordKind, patient_id: int, record_id: int) -> Any:
    row = db.get(kind.model, record_id)
    if row is None or row.patient_id != patient_id or row.deleted_at is not None:
        raise NotFoundError(kind.part.replace("_", " "), record_id)
    return row


def get_record(db: Session, actor: Actor, kind: RecordKind, patient_id: int, record_id: int) -> Any:
    """One record of the patient."""
    get_patient_for(db, actor, patient_id, part=kind.part, action="read", entity_id=record_id)
    row = _load(db, kind, patient_id, record_id)
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


def update_record(
    db: Session,
    actor: Actor,
    kind: RecordKind,
    patient_id: int,
    record_id: int,
    changes: Mapping[str, Any],
) -> Any:
    """Check the record as it would be after ``changes`` and store them; one transaction."""
    patient = get_patient_for(
        db, actor, patient_id, part=kind.part, action="update", entity_id=record_id
    )
    row = _load(db, kind, patient_id, record_id)
    merged = current_values(row, kind) | dict(changes)
    prepared = kind.prepare(db, actor, patient, merged, row)
    kind.check(db, actor, patient, prepared)
    for key, value in prepared.items():
        if not key.startswith("_") and getattr(row, key) != value:
            setattr(row, key, value)
    db.flush()
    kind.save_children(db, row, prepared)
    kind.after_change(db, patient)
    db.commit()
    return row


def delete_record(
    db: Session, actor: Actor, kind: RecordKind, patient_id: int, record_id: int
) -> None:
    """Mark the record deleted (it stays in the database and the audit log)."""
    patient = get_patient_for(
        db, actor, patient_id, part=kind.part, action="delete", entity_id=record_id
    )
    row = _load(db, kind, patient_id, record_id)
    row.deleted_at = utcnow()
    db.flush()
    kind.after_change(db, patient)
    db.commit()
