"""Import patients and their injection history from the CSV template (``docs/csv-import.md``).

Every row is checked twice, as if it had come through the API: first by the API's pydantic
models (``api.schemas.csv_import``: names, 0.01 U dose resolution, limits of every field), then
here by the services' domain rules (dates not in the future nor before birth, the minimum
interval between sessions unless a reason is given, the course of a cycle in order, a record
number not yet used). The first problem stops the import with an ``ImportFileError`` naming the
file, its line (the header is line 1) and the column; nothing is stored then, since the whole
import is one transaction. It is audited as one row (action ``import``) naming every patient it
created or added history to.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import InjectionSession, InjectionSite, Patient, SelfRating
from hemispasm.clinic.domain.vocab import Reporter, Role
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.access import get_patient_for, require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.clinical import SELF_RATINGS
from hemispasm.clinic.services.csv_tables import CsvRow
from hemispasm.clinic.services.patients import _check_patient
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS, refresh_schedule
from hemispasm.errors import ClinicalDataError, ImportFileError

COURSE_COLUMNS = ("effect_began_on", "effect_peak_on", "wore_off_on")
"""A cycle's course; an imported course counts as reported by the clinic."""


@dataclass
class ImportSummary:
    """What an import stored."""

    patients_created: int = 0
    sessions: int = 0
    sites: int = 0
    self_ratings: int = 0
    patient_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the command line and the upload page."""
        return (
            f"imported {self.patients_created} new patients, {self.sessions} injection sessions "
            f"with {self.sites} sites and {self.self_ratings} self-ratings "
            f"({len(self.patient_ids)} patients in all)"
        )


def _domain_error(
    row: CsvRow, error: ClinicalDataError, sites: Sequence[CsvRow]
) -> ImportFileError:
    """A service's refusal, named by the file and column it comes from (a site's own row)."""
    name = error.field
    if name.startswith("sites[") and "]" in name:
        index = int(name[6 : name.index("]")])
        column = name[name.index("]") + 1 :].lstrip(".") or "units"
        if index < len(sites):
            return sites[index].error(column, str(error).split(": ", 1)[-1])
    column = name if name in t.COLUMNS[row.file] else f"{name} (from the row's values)"
    return row.error(column, str(error).split(": ", 1)[-1])


def _mrn(row: CsvRow) -> str:
    """The record number a row names, in the form the API stores it (Unicode NFC)."""
    return unicodedata.normalize("NFC", row.cells["mrn"])


@dataclass(frozen=True)
class CheckedRow:
    """A row with its values as the API's model accepted them (a session with its site rows)."""

    row: CsvRow
    values: dict[str, Any]
    sites: tuple[CsvRow, ...] = ()


@dataclass(frozen=True)
class CheckedImport:
    """Every row of an import, each already accepted by the API's models
    (``api.schemas.csv_import.check_tables``)."""

    patients: list[CheckedRow] = field(default_factory=list)
    sessions: list[CheckedRow] = field(default_factory=list)
    self_ratings: list[CheckedRow] = field(default_factory=list)


def import_checked(db: Session, actor: Actor, checked: CheckedImport) -> ImportSummary:
    """Apply the services' rules to every row and store them all in one transaction, or raise
    (an ``ImportFileError`` naming the file, line and column) and store nothing."""
    require_role(actor, Role.CLINICIAN)
    try:
        summary = _import(db, actor, checked)
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return summary


def _import(db: Session, actor: Actor, checked: CheckedImport) -> ImportSummary:
    today = actor.on()
    new_patients = {c.values["mrn"]: (c.row, c.values) for c in checked.patients}
    sessions = checked.sessions
    ratings = [(c.row, c.values) for c in checked.self_ratings]

    # patients: new ones checked and stored, the others found in the clinic
    taken = set(
        db.scalars(
            select(Patient.mrn).where(
                Patient.clinic_id == actor.clinic_id, Patient.mrn.in_(list(new_patients))
            )
        )
    )
    patients: dict[str, Patient] = {}
    for mrn, (row, values) in new_patients.items():
        if mrn in taken:
            raise row.error("mrn", f"record number {mrn!r} is already used in this clinic")
        try:
            _check_patient(values, today)
        except ClinicalDataError as exc:
            raise _domain_error(row, exc, ()) from None
        patients[mrn] = Patient(clinic_id=actor.clinic_id, **values)
    db.add_all(patients.values())
    db.flush()
    created = len(patients)
    wanted = {_mrn(s.row) for s in sessions} | {_mrn(r) for r, _ in ratings}
    for patient in db.scalars(
        select(Patient).where(
            Patient.clinic_id == actor.clinic_id,
            Patient.deleted_at.is_(None),
            Patient.mrn.in_(sorted(wanted - set(patients))),
        )
    ):
        patients[patient.mrn] = get_patient_for(
            db, actor, patient.id, part="injection_session", action="create", audit=False
        )

    def patient_of(row: CsvRow) -> Patient:
        mrn = _mrn(row)
        if mrn not in patients:
            raise row.error("mrn", f"no patient {mrn!r} in {t.PATIENTS} nor in this clinic")
        return patients[mrn]

    # sessions, oldest first per patient, through the session service's own rules
    summary = ImportSummary(patients_created=created)
    ordered = sorted(
        sessions,
        key=lambda s: (patient_of(s.row).id, s.values["session_on"], s.row.line),
    )
    stored: list[tuple[InjectionSession, CheckedRow]] = []
    for item in ordered:
        patient = patient_of(item.row)
        kind: RecordKind = INJECTION_SESSIONS
        try:
            prepared = kind.prepare(db, actor, patient, dict(item.values), None)
            prepared["injector_id"] = None  # who injected is not in the template
            if any(prepared.get(name) for name in COURSE_COLUMNS):
                prepared["course_reported_by"] = Reporter.CLINICIAN
            kind.check(db, actor, patient, prepared)
        except ClinicalDataError as exc:
            raise _domain_error(item.row, exc, item.sites) from None
        columns = {k: v for k, v in prepared.items() if not k.startswith("_")}
        session = InjectionSession(patient_id=patient.id, **columns)
        db.add(session)
        db.flush()  # the next session's interval check reads this one
        stored.append((session, item))
        db.add_all(
            InjectionSite(session_id=session.id, muscle=s.muscle, side=s.side, units=s.units)
            for s in prepared["_sites"]
        )
        summary.sites += len(prepared["_sites"])
    summary.sessions = len(stored)

    # self-ratings, through the self-rating rules
    for row, values in ratings:
        patient = patient_of(row)
        try:
            prepared = SELF_RATINGS.prepare(db, actor, patient, dict(values), None)
            SELF_RATINGS.check(db, actor, patient, prepared)
        except ClinicalDataError as exc:
            raise _domain_error(row, exc, ()) from None
        db.add(SelfRating(patient_id=patient.id, **prepared))
    summary.self_ratings = len(ratings)
    db.flush()

    touched = {patient_of(item.row).id for _, item in stored} | {
        patient_of(r).id for r, _ in ratings
    }
    touched |= {p.id for mrn, p in patients.items() if mrn in new_patients}
    for patient in patients.values():
        if patient.id in touched:
            refresh_schedule(db, patient)
    summary.patient_ids = sorted(touched)
    record_event(
        db,
        actor,
        "import",
        "patient",
        patient_id=summary.patient_ids[0] if len(summary.patient_ids) == 1 else None,
        detail={
            "format": "csv",
            "patient_ids": summary.patient_ids,
            "patients_created": created,
            "sessions": summary.sessions,
            "sites": summary.sites,
            "self_ratings": summary.self_ratings,
        },
    )
    return summary
