"""Patients, injection sessions with their sites, cycles and self-ratings as CSV files
(``csv_tables`` names the files and columns), for the whole clinic or one patient.

Only a clinician of the patient's clinic exports a record, or the patient their own; a patient's
export holds only the parts of the record their role can read (cycles and self-ratings). Every
export is one audit row (action ``export``) naming the exported patients.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import InjectionSession, Patient, SelfRating
from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.access import get_patient_for, require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.treatment import clinic_limits, summarise_session

CLINICIAN_FILES = (t.PATIENTS, t.SESSIONS, t.SESSION_SITES, t.CYCLES, t.SELF_RATINGS)
PATIENT_FILES = (t.CYCLES, t.SELF_RATINGS)
"""What a patient exports of their own record: the parts their role may read."""


@dataclass(frozen=True)
class CsvExport:
    """The exported files (name to text) and who is in them."""

    files: dict[str, str]
    patient_ids: list[int]
    stem: str
    """A name for the download, without suffix (``hemispasm-clinic-csv-2026-12-07``)."""

    def zip_bytes(self) -> bytes:
        """The files in one ZIP archive, inside a folder named ``stem``."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in self.files.items():
                archive.writestr(f"{self.stem}/{name}", text.encode("utf-8"))
        return out.getvalue()


def export_clinic(db: Session, actor: Actor) -> CsvExport:
    """Every patient of the actor's clinic (clinicians only); one audit row names them all."""
    require_role(actor, Role.CLINICIAN)
    patients = list(
        db.scalars(
            select(Patient)
            .where(Patient.clinic_id == actor.clinic_id, Patient.deleted_at.is_(None))
            .order_by(Patient.mrn)
        )
    )
    stem = f"hemispasm-clinic-csv-{actor.on().isoformat()}"
    return _export(db, actor, patients, CLINICIAN_FILES, stem)


def export_patient(db: Session, actor: Actor, patient_id: int) -> CsvExport:
    """One patient's record, for a clinician of their clinic or the patient themselves."""
    part = "cycle" if actor.role is Role.PATIENT else "patient"
    patient = get_patient_for(db, actor, patient_id, part=part, action="export", audit=False)
    files = PATIENT_FILES if actor.role is Role.PATIENT else CLINICIAN_FILES
    stem = f"hemispasm-patient-{patient.id}-csv-{actor.on().isoformat()}"
    return _export(db, actor, [patient], files, stem)


def _export(
    db: Session, actor: Actor, patients: Sequence[Patient], files: Sequence[str], stem: str
) -> CsvExport:
    ids = [p.id for p in patients]
    rows = _rows(db, actor.clinic_id, patients)
    export = CsvExport({name: t.write_table(name, rows[name]) for name in files}, ids, stem)
    record_event(
        db,
        actor,
        "export",
        "patient",
        patient_id=ids[0] if len(ids) == 1 else None,
        detail={"format": "csv", "files": list(files), "patient_ids": ids},
    )
    db.commit()
    return export


def _rows(
    db: Session, clinic_id: int, patients: Sequence[Patient]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every file for ``patients``, in the order of the patients, then by date."""
    mrn_of = {p.id: p.mrn for p in patients}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows[t.PATIENTS] = [{c: getattr(p, c) for c in t.COLUMNS[t.PATIENTS]} for p in patients]
    order = {pid: n for n, pid in enumerate(mrn_of)}
    sessions = sorted(
        db.scalars(
            select(InjectionSession).where(
                InjectionSession.patient_id.in_(mrn_of), InjectionSession.deleted_at.is_(None)
            )
        ),
        key=lambda s: (order[s.patient_id], s.session_on, s.id),
    )
    limits = clinic_limits(db, clinic_id)
    for s in sessions:
        sites = [SiteDose(x.muscle, x.side, x.units) for x in s.sites]
        summary = summarise_session(s.product, s.dilution_units_per_0_1_ml, sites, limits)
        by_side = {side.value: units for side, units in summary.units_by_side.items()}
        common = {"session_id": s.id, "mrn": mrn_of[s.patient_id]}
        rows[t.SESSIONS].append(
            {c: getattr(s, c, None) for c in t.COLUMNS[t.SESSIONS]}
            | common
            | {
                "total_units": round(summary.total_units, 2),
                "units_left": round(by_side["left"], 2),
                "units_right": round(by_side["right"], 2),
            }
        )
        rows[t.SESSION_SITES].extend(
            {"session_id": s.id, "muscle": x.muscle, "side": x.side, "units": x.units}
            | {"volume_ml": round(volume, 3)}
            for x, volume in zip(sites, summary.volumes_ml, strict=True)
        )
        course = CycleCourse(s.session_on, s.effect_began_on, s.effect_peak_on, s.wore_off_on)
        rows[t.CYCLES].append(
            {c: getattr(s, c, None) for c in t.COLUMNS[t.CYCLES]}
            | common
            | {"effect_days": course.effect_days}
        )
    ratings = sorted(
        db.scalars(
            select(SelfRating).where(
                SelfRating.patient_id.in_(mrn_of), SelfRating.deleted_at.is_(None)
            )
        ),
        key=lambda r: (order[r.patient_id], r.rated_on, r.id),
    )
    rows[t.SELF_RATINGS] = [
        {c: getattr(r, c, None) for c in t.COLUMNS[t.SELF_RATINGS]} | {"mrn": mrn_of[r.patient_id]}
        for r in ratings
    ]
    return rows
