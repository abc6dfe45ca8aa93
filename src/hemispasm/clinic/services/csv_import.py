"""Import patients and their injection history from the CSV template (``docs/csv-import.md``).

Every row is checked twice, as if it had come through the API: by the API's pydantic models
(``PatientCreate``, ``SessionCreate``, ``SiteIn``, ``SelfRatingCreate``: names, 0.01 U dose
resolution, limits of every field) and by the services' domain rules (dates not in the future nor
before birth, the minimum interval between sessions unless a reason is given, the course of a
cycle in order, units per site). The first problem stops the import with an ``ImportFileError``
naming the file, its line (the header is line 1) and the column; nothing is stored then, since
the whole import is one transaction. It is audited as one row (action ``import``) naming every
patient it created or added history to.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas.people import PatientCreate
from hemispasm.clinic.api.schemas.records import SelfRatingCreate, SessionCreate, SiteIn
from hemispasm.clinic.db.models import InjectionSession, InjectionSite, Patient, SelfRating
from hemispasm.clinic.domain.vocab import Reporter, Role
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.access import get_patient_for, require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.clinical import SELF_RATINGS
from hemispasm.clinic.services.patients import _check_patient
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS, refresh_schedule
from hemispasm.errors import ClinicalDataError, ImportFileError

NUMBER_COLUMNS = frozenset({"dilution_units_per_0_1_ml", "units"})
"""Columns the API takes as JSON numbers (strictly): read as numbers before the models see them."""
COURSE_COLUMNS = ("effect_began_on", "effect_peak_on", "wore_off_on")
"""A cycle's course; an imported course counts as reported by the clinic."""
MAX_ROWS = 200_000
"""Rows per file at most (a larger file is refused before anything is checked)."""


@dataclass(frozen=True)
class CsvRow:
    """One row of a file: its name, its line (the header is line 1) and its non-empty cells."""

    file: str
    line: int
    cells: dict[str, str]

    def error(self, column: str, message: str) -> ImportFileError:
        """A problem of this row, naming the file, the line and the column."""
        return ImportFileError(self.file, self.line, column, message)


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


def read_table(name: str, text: str) -> list[CsvRow]:
    """The rows of file ``name`` (one of ``csv_tables.IMPORTED``), its header checked."""
    if name not in t.IMPORTED:
        raise ImportFileError(
            name, 1, "file", f"not a file of the template; expected one of {', '.join(t.IMPORTED)}"
        )
    reader = csv.reader(text.removeprefix("\ufeff").splitlines())
    header = next(reader, None)
    if header is None:
        raise ImportFileError(name, 1, "header", "the file is empty: the header row is missing")
    header = [h.strip() for h in header]
    known = set(t.COLUMNS[name])
    for column in header:
        if column not in known:
            raise ImportFileError(
                name, 1, column or "(empty)", f"unknown column; known: {', '.join(t.COLUMNS[name])}"
            )
        if header.count(column) > 1:
            raise ImportFileError(name, 1, column, "the column appears twice")
    for column in sorted(t.REQUIRED[name] - set(header)):
        raise ImportFileError(name, 1, column, "this column is required")
    used = [c if c not in t.EXPORT_ONLY[name] else "" for c in header]
    rows = []
    for line, cells in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ImportFileError(name, line, "row", f"more than {MAX_ROWS} rows")
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            raise ImportFileError(
                name, line, "row", f"has {len(cells)} cells; the header has {len(header)}"
            )
        kept = {c: t.unguard_cell(v) for c, v in zip(used, cells, strict=True) if c and v.strip()}
        rows.append(CsvRow(name, line, kept))
    return rows


def _validated(row: CsvRow, model: type[BaseModel], extra: Mapping[str, Any]) -> dict[str, Any]:
    """The row's cells as ``model`` accepts them, or an error naming the first column at fault."""
    values: dict[str, Any] = {}
    for column, text in row.cells.items():
        if column in NUMBER_COLUMNS:
            try:
                values[column] = float(text)
            except ValueError:
                raise row.error(column, f"must be a number such as 2.5, not {text!r}") from None
        elif column in model.model_fields:
            values[column] = text
    try:
        checked = model.model_validate(values | dict(extra))
    except ValidationError as exc:
        first = exc.errors()[0]
        column = str(first["loc"][0]) if first["loc"] else "row"
        raise row.error(column, first["msg"].removeprefix("Value error, ")) from None
    return checked.model_dump(exclude_unset=True, exclude={"sites"})


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


@dataclass
class _Session:
    row: CsvRow
    values: dict[str, Any]
    sites: list[CsvRow]


def import_tables(
    db: Session, actor: Actor, tables: Mapping[str, Sequence[CsvRow]]
) -> ImportSummary:
    """Check every row and store them all in one transaction, or raise and store nothing."""
    require_role(actor, Role.CLINICIAN)
    try:
        summary = _import(db, actor, tables)
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return summary


def _import(db: Session, actor: Actor, tables: Mapping[str, Sequence[CsvRow]]) -> ImportSummary:
    today = actor.on()
    # 1. every row through the API's models, in file order
    new_patients: dict[str, tuple[CsvRow, dict[str, Any]]] = {}
    for row in tables.get(t.PATIENTS, ()):
        values = _validated(row, PatientCreate, {})
        mrn = values["mrn"]
        if mrn in new_patients:
            raise row.error("mrn", f"{mrn!r} is also on line {new_patients[mrn][0].line}")
        new_patients[mrn] = (row, values)
    sites_of: dict[str, list[CsvRow]] = defaultdict(list)
    site_values: dict[int, dict[str, Any]] = {}
    for row in tables.get(t.SESSION_SITES, ()):
        site_values[id(row)] = _validated(row, SiteIn, {})
        sites_of[row.cells["session_id"]].append(row)
    sessions: dict[str, _Session] = {}
    for row in tables.get(t.SESSIONS, ()):
        key = row.cells["session_id"]
        if key in sessions:
            raise row.error("session_id", f"{key!r} is also on line {sessions[key].row.line}")
        sites = sites_of.get(key, [])
        listed = [site_values[id(s)] for s in sites]
        values = _validated(row, SessionCreate, {"sites": listed})
        values["sites"] = listed
        sessions[key] = _Session(row, values, sites)
    for key, rows in sites_of.items():
        if key not in sessions:
            raise rows[0].error("session_id", f"no session {key!r} in {t.SESSIONS}")
    ratings = [
        (row, _validated(row, SelfRatingCreate, {})) for row in tables.get(t.SELF_RATINGS, ())
    ]

    # 2. patients: new ones checked and stored, the others found in the clinic
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
    wanted = {s.row.cells["mrn"] for s in sessions.values()} | {r.cells["mrn"] for r, _ in ratings}
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
        mrn = row.cells["mrn"]
        if mrn not in patients:
            raise row.error("mrn", f"no patient {mrn!r} in {t.PATIENTS} nor in this clinic")
        return patients[mrn]

    # 3. sessions, oldest first per patient, through the session service's own rules
    summary = ImportSummary(patients_created=created)
    ordered = sorted(
        sessions.values(),
        key=lambda s: (patient_of(s.row).id, s.values["session_on"], s.row.line),
    )
    stored: list[tuple[InjectionSession, _Session]] = []
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

    # 4. self-ratings, through the self-rating rules
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
