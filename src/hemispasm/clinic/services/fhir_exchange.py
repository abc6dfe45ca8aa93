"""FHIR R4 exchange of the clinic records: one patient's Bundle, and the whole database as Bulk
Data NDJSON (one file per resource type) written and read back.

Every export is audited as ``export`` of ``fhir`` for each patient it holds (by the user asking,
or by the command line); an import is all or nothing: the first bad resource rolls everything
back and is reported with its file, line and field.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import is_sqlite_file, make_engine, make_session_factory
from hemispasm.clinic.db.migrate import upgrade_to_head
from hemispasm.clinic.db.models import (
    AdverseEvent,
    Assessment,
    Clinic,
    Diagnosis,
    InjectionSession,
    InjectionSite,
    MriStudy,
    Patient,
    SelfRating,
    Surgery,
    VideoAnalysis,
)
from hemispasm.clinic.domain.dosing import sites_from
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.fhir.from_fhir import RESOURCE_TYPES, Parsed
from hemispasm.clinic.fhir.from_fhir import parse_resource as parse
from hemispasm.clinic.fhir.reading import FhirFieldError
from hemispasm.clinic.fhir.to_fhir import (
    Resource,
    clinic_to_fhir,
    collection_bundle,
    patient_record_to_fhir,
)
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.accounts import get_or_create_clinic
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.clinical import (
    ASSESSMENTS,
    DIAGNOSES,
    MRI_STUDIES,
    SELF_RATINGS,
    SURGERIES,
)
from hemispasm.clinic.services.patients import _check_patient
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import (
    ADVERSE_EVENTS,
    INJECTION_SESSIONS,
    refresh_schedule,
)
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, ConflictError, ImportFileError, OutputError

FHIR_JSON = "application/fhir+json"
CLI_EXPORT = "hemispasm export fhir"
CLI_IMPORT = "hemispasm import fhir"


def _rows(db: Session, model: Any, patient_id: int, order: Any) -> list[Any]:
    return list(
        db.scalars(
            select(model)
            .where(model.patient_id == patient_id, model.deleted_at.is_(None))
            .order_by(order, model.id)
        )
    )


def patient_resources(db: Session, patient: Patient) -> list[Resource]:
    """Every resource of one patient's stored record (records marked deleted left out)."""
    return patient_record_to_fhir(
        patient,
        diagnoses=_rows(db, Diagnosis, patient.id, Diagnosis.id),
        sessions=_rows(db, InjectionSession, patient.id, InjectionSession.session_on),
        adverse_events=_rows(db, AdverseEvent, patient.id, AdverseEvent.onset_on),
        assessments=_rows(db, Assessment, patient.id, Assessment.assessed_on),
        self_ratings=_rows(db, SelfRating, patient.id, SelfRating.rated_on),
        videos=_rows(db, VideoAnalysis, patient.id, VideoAnalysis.recorded_on),
        mri_studies=_rows(db, MriStudy, patient.id, MriStudy.study_on),
        surgeries=_rows(db, Surgery, patient.id, Surgery.surgery_on),
    )


def _checked(resource: Resource) -> Resource:
    """``resource`` as its R4B model writes it (a failure here is a bug in the mapping)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model.model_dump(mode="json", exclude_none=True)


def patient_bundle(db: Session, actor: Actor, patient_id: int) -> str:
    """One patient's record as a FHIR ``Bundle`` (type collection), JSON; audited as an export.

    For a clinician of the patient's clinic and for the patient themself; anyone else is
    refused as ``get_patient_for`` refuses (404 for another patient or clinic).
    """
    patient = get_patient_for(db, actor, patient_id, part="summary", action="read", audit=False)
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None  # foreign key
    resources = [clinic_to_fhir(clinic), *patient_resources(db, patient)]
    bundle = _checked(collection_bundle(resources, bundle_id=f"patient-{patient.id}-record"))
    counts = Counter(r["resourceType"] for r in resources)
    record_event(
        db,
        actor,
        "export",
        "fhir",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"format": "FHIR R4 Bundle", "resources": dict(sorted(counts.items()))},
    )
    db.commit()
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))


# --- bulk files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeSummary:
    """What an export wrote or an import read."""

    verb: str
    folder: Path
    patients: int
    counts: dict[str, int]

    def __str__(self) -> str:
        listed = ", ".join(f"{n} {kind}" for kind, n in self.counts.items() if n)
        return f"{self.verb} {self.patients} patients ({listed or 'no resources'}): {self.folder}"


def _engine(settings: Settings) -> Any:
    return make_engine(settings.sqlalchemy_url, poolclass=NullPool)


def export_folder(settings: Settings, out: Path) -> ExchangeSummary:
    """Write every clinic's patients as NDJSON files, one per resource type, into ``out`` (new or
    empty); each exported patient is audited as an export by the command line."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ClinicalDataError("--out", f"{out} must be a new or empty folder")
    url = settings.sqlalchemy_url
    if is_sqlite_file(url) and not Path(url.partition(":///")[2].split("?", 1)[0]).is_file():
        raise ClinicalDataError("--data", f"no clinic database in {settings.data_dir}")
    lines: dict[str, list[str]] = {kind: [] for kind in RESOURCE_TYPES}
    patients = 0
    engine = _engine(settings)
    try:
        with make_session_factory(engine)() as db:
            for clinic in db.scalars(select(Clinic).order_by(Clinic.id)):
                members = list(
                    db.scalars(
                        select(Patient)
                        .where(Patient.clinic_id == clinic.id, Patient.deleted_at.is_(None))
                        .order_by(Patient.id)
                    )
                )
                if not members:
                    continue
                lines["Organization"].append(_line(clinic_to_fhir(clinic)))
                for patient in members:
                    for resource in patient_resources(db, patient):
                        lines[resource["resourceType"]].append(_line(resource))
                    record_event(
                        db,
                        None,
                        "export",
                        "fhir",
                        entity_id=patient.id,
                        patient_id=patient.id,
                        clinic_id=clinic.id,
                        request=f"{CLI_EXPORT} --out {out}"[:300],
                        detail={"format": "FHIR R4 Bulk Data NDJSON"},
                    )
                    patients += 1
            db.commit()  # audited first: a failed write is an export claimed, never one hidden
            _write_files(out, lines)
    except SQLAlchemyError as exc:
        raise ClinicalDataError(
            "--data", f"cannot read the clinic database (run hemispasm db upgrade?): {exc}"
        ) from None
    finally:
        engine.dispose()
    counts = {kind: len(text) for kind, text in lines.items()}
    return ExchangeSummary("exported", out, patients, counts)


def _write_files(out: Path, lines: dict[str, list[str]]) -> None:
    """Write the files into a hidden folder beside ``out``, then rename it to ``out``: a failed
    export leaves no half-written folder behind."""
    partial = out.parent / f".{out.name}.partial"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for kind, text in lines.items():
            if text:
                (partial / f"{kind}.ndjson").write_text("".join(text), encoding="utf-8")
        if out.exists():
            out.rmdir()  # checked empty before the export began
        partial.rename(out)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the export: {exc.strerror or exc}") from None


def _line(resource: Resource) -> str:
    return json.dumps(_checked(resource), ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class _Read:
    file: str
    line: int
    parsed: Parsed


def read_folder(folder: Path) -> Iterator[_Read]:
    """Every resource of an export folder, parsed, in the order an import needs them."""
    if not folder.is_dir():
        raise ClinicalDataError("folder", f"{folder} is not a folder")
    known = {f"{kind}.ndjson" for kind in RESOURCE_TYPES}
    for path in sorted(folder.glob("*.ndjson")):
        if path.name not in known:
            raise ImportFileError(path.name, 1, "resourceType", "not a resource type this imports")
    for kind in RESOURCE_TYPES:
        path = folder / f"{kind}.ndjson"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ImportFileError(path.name, number, "json", exc.msg) from None
                try:
                    if isinstance(data, dict) and data.get("resourceType") != kind:
                        raise FhirFieldError(
                            "resourceType", f"{data.get('resourceType')!r} in {path.name}"
                        )
                    yield _Read(path.name, number, parse(data))
                except FhirFieldError as exc:
                    raise ImportFileError(path.name, number, exc.field, exc.message) from None


_KINDS: dict[str, RecordKind] = {
    "diagnosis": DIAGNOSES,
    "session": INJECTION_SESSIONS,
    "adverse": ADVERSE_EVENTS,
    "assessment": ASSESSMENTS,
    "self_rating": SELF_RATINGS,
    "mri": MRI_STUDIES,
    "surgery": SURGERIES,
}
"""The services' checks each imported record passes, as when entered in the app."""

_FHIR_FIELDS = {
    "birth_date": "birthDate",
    "session_on": "performedDateTime",
    "surgery_on": "performedDateTime",
    "recurrence_on": "extension[recurrence-date]",
    "dilution_units_per_0_1_ml": "extension[dilution-units-per-0-1-ml]",
    "expiry_on": "extension[expiry-date]",
    "early_reason": "extension[early-reason]",
    "effect_began_on": "extension[effect-began]",
    "effect_peak_on": "extension[effect-peak]",
    "wore_off_on": "extension[wore-off]",
    "product_name": "usedCode.text",
    "resolved_on": "extension[resolved-date]",
    "session_id": "suspectEntity",
    "rated_on": "effectiveDateTime",
    "assessed_on": "effectiveDateTime",
    "study_on": "effectiveDateTime",
    "diagnosed_on": "recordedDate",
}
"""Where a column's value sits in its resource, to name it in an error."""


def _fhir_field(kind: str, column: str) -> str:
    if column == "onset_on":
        return "date" if kind == "adverse" else "onsetDateTime"
    if column.startswith("sites["):
        return "dosage"
    return _FHIR_FIELDS.get(column, column)


class _Importer:
    """Creates the rows of one import in one session, remembering each resource's new row."""

    def __init__(self, db: Session, *, today: date, request: str) -> None:
        self.db = db
        self.today = today
        self.request = request
        self.clinics: dict[str, Clinic] = {}
        self.patients: dict[str, Patient] = {}
        self.rows: dict[tuple[str, str], Any] = {}

    def link(self, read: _Read, name: str, kind: str) -> Any:
        target = read.parsed.links[name]
        found = self.rows.get((kind, target))
        if found is None:
            field = _LINK_FIELDS.get((read.parsed.kind, name), "subject")
            raise ImportFileError(read.file, read.line, field, f"refers to {target!r}, not found")
        return found

    def add(self, read: _Read) -> None:
        parsed, values = read.parsed, dict(read.parsed.values)
        if parsed.kind == "clinic":
            try:
                row: Any = get_or_create_clinic(self.db, values["name"])
            except ClinicalDataError as exc:
                raise ImportFileError(read.file, read.line, "name", str(exc)) from None
        elif parsed.kind == "patient":
            clinic = self.link(read, "clinic", "clinic")
            taken = self.db.scalar(
                select(Patient.id).where(
                    Patient.clinic_id == clinic.id, Patient.mrn == values["mrn"]
                )
            )
            if taken is not None:
                raise ImportFileError(
                    read.file,
                    read.line,
                    "identifier",
                    f"record number {values['mrn']!r} is already in clinic {clinic.name!r}",
                )
            self.check(read, lambda: _check_patient(values, self.today))
            row = Patient(clinic_id=clinic.id, **values)
            self.patients[parsed.resource_id] = row
        elif parsed.kind == "video_measure":
            video = self.link(read, "video", "video")
            for column, value in values.items():
                setattr(video, column, value)
            return
        elif parsed.kind == "site":
            session = self.link(read, "session", "session")
            site = (values["muscle"].value, values["side"].value, values["units"])
            self.check(read, lambda: sites_from([site]))
            row = InjectionSite(session_id=session.id, **values)
        else:
            patient = self.link(read, "patient", "patient")
            model = _MODELS[parsed.kind]
            if parsed.kind == "adverse" and "session" in parsed.links:
                values["session_id"] = self.link(read, "session", "session").id
            if parsed.kind == "video":
                values.update(_VIDEO_DEFAULTS)
            if parsed.kind in _KINDS:
                operator = Actor(
                    user_id=None,
                    clinic_id=patient.clinic_id,
                    role=Role.CLINICIAN,
                    request=self.request,
                    today=self.today,
                )
                check = _KINDS[parsed.kind].check
                self.check(read, lambda: check(self.db, operator, patient, values))
            row = model(patient_id=patient.id, **values)
        self.db.add(row)
        try:
            with self.db.begin_nested():
                self.db.flush()
        except IntegrityError as exc:
            raise ImportFileError(read.file, read.line, "resource", _reason(exc)) from None
        self.rows[(parsed.kind, parsed.resource_id)] = row

    def check(self, read: _Read, run: Callable[[], Any]) -> None:
        """Run one of the services' checks; its refusal names the resource's file and line."""
        try:
            run()
        except ClinicalDataError as exc:
            field = _fhir_field(read.parsed.kind, exc.field)
            message = str(exc).removeprefix(f"{exc.field}: ")
            raise ImportFileError(read.file, read.line, field, message) from None


_LINK_FIELDS = {
    ("patient", "clinic"): "managingOrganization",
    ("site", "session"): "partOf",
    ("adverse", "session"): "suspectEntity",
    ("video_measure", "video"): "derivedFrom",
}
"""Where a reference sits in its resource (``subject`` unless listed), to name it in an error."""

_MODELS: dict[str, Any] = {
    "diagnosis": Diagnosis,
    "session": InjectionSession,
    "adverse": AdverseEvent,
    "assessment": Assessment,
    "self_rating": SelfRating,
    "video": VideoAnalysis,
    "mri": MriStudy,
    "surgery": Surgery,
}
_VIDEO_DEFAULTS = {
    "duration_s": 0.0,
    "spasms_per_min": 0.0,
    "blinks_per_min": 0.0,
    "pct_time_affected_eye_half_closed": 0.0,
}
"""Placeholders until the video's measure Observations (which follow) set the real values."""


def _reason(exc: IntegrityError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else "refused by the database"


def import_folder(
    settings: Settings, folder: Path, *, today: date | None = None
) -> ExchangeSummary:
    """Read an export folder into the clinic database (migrated first): every resource, or none.

    Each record passes the checks the app makes when it is entered (no date in the future or
    before birth, sessions at least the clinic's minimum interval apart or with a reason, ...),
    as of ``today`` (default: the machine's date).
    """
    counts: Counter[str] = Counter()
    request = f"{CLI_IMPORT} {folder}"[:300]
    settings.ensure_data_dir()
    upgrade_to_head(settings.sqlalchemy_url)
    engine = _engine(settings)
    try:
        with make_session_factory(engine)() as db:
            importer = _Importer(db, today=today or date.today(), request=request)
            try:
                for read in read_folder(folder):
                    importer.add(read)
                    counts[read.file.removesuffix(".ndjson")] += 1
                for patient in importer.patients.values():
                    refresh_schedule(db, patient)
                    record_event(
                        db,
                        None,
                        "create",
                        "patient",
                        entity_id=patient.id,
                        patient_id=patient.id,
                        clinic_id=patient.clinic_id,
                        request=request,
                        detail={"format": "FHIR R4 Bulk Data NDJSON"},
                    )
                db.commit()
            except (ConflictError, ClinicalDataError):
                db.rollback()
                raise
    finally:
        engine.dispose()
    ordered = {kind: counts[kind] for kind in RESOURCE_TYPES}
    return ExchangeSummary("imported", folder, len(importer.patients), ordered)
