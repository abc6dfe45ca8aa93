"""What ``hemispasm export csv`` and ``hemispasm import csv`` do: open the database, act as the
command-line operator of one clinic, read or write the files. No argument parsing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hemispasm.clinic.api.schemas.csv_import import check_tables
from hemispasm.clinic.commands import migrate
from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.models import Clinic
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services import csv_export, csv_import
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.accounts import get_or_create_clinic
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, ImportFileError, OutputError


def _operator(clinic: Clinic, command: str, today: date) -> Actor:
    """The person at the command line, acting as a clinician of ``clinic`` (audited as a
    command, with no user)."""
    return Actor(
        user_id=None, clinic_id=clinic.id, role=Role.CLINICIAN, request=command, today=today
    )


def _clinic(db: Session, name: str | None, *, create: bool) -> Clinic:
    """The clinic called ``name`` (created if ``create``), or the only clinic when none is named."""
    if name is not None:
        if create:
            return get_or_create_clinic(db, name)
        found = db.scalars(select(Clinic).where(Clinic.name == name.strip())).first()
        if found is None:
            raise ClinicalDataError("clinic", f"no clinic called {name!r}")
        return found
    clinics = list(db.scalars(select(Clinic).order_by(Clinic.name)))
    if len(clinics) != 1:
        names = ", ".join(repr(c.name) for c in clinics) or "none yet"
        raise ClinicalDataError("clinic", f"name the clinic with --clinic (clinics: {names})")
    return clinics[0]


def export_csv(
    settings: Settings, out: Path, *, patient_id: int | None, clinic: str | None, today: date
) -> str:
    """Write the clinic's CSV files (or one patient's) into ``out``, a new or empty folder."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"--out {out}: choose a new or empty folder")
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with make_session_factory(engine)() as db:
            actor = _operator(_clinic(db, clinic, create=False), "hemispasm export csv", today)
            if patient_id is None:
                export = csv_export.export_clinic(db, actor)
            else:
                export = csv_export.export_patient(db, actor, patient_id)
    finally:
        engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in export.files.items():
        (out / name).write_text(text, encoding="utf-8", newline="")
    return (
        f"wrote {len(export.files)} CSV files of {len(export.patient_ids)} patients to {out} "
        "(audited as one export)"
    )


def read_files(path: Path) -> dict[str, list[t.CsvRow]]:
    """The template's files in folder ``path`` (those present), or the one file ``path``."""
    if path.is_dir():
        files = [path / name for name in t.IMPORTED if (path / name).is_file()]
        if not files:
            raise ImportFileError(str(path), 0, "folder", f"holds none of {', '.join(t.IMPORTED)}")
    elif path.is_file():
        files = [path]
    else:
        raise ImportFileError(str(path), 0, "path", "no such file or folder")
    tables = {}
    for file in files:
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                file.name, 0, "encoding", f"not UTF-8 (byte {exc.start}); save it as UTF-8 CSV"
            ) from None
        tables[file.name] = t.read_table(file.name, text)
    return tables


def import_csv(settings: Settings, path: Path, *, clinic: str | None, today: date) -> str:
    """Import the template's files into the clinic: all of them, or nothing."""
    checked = check_tables(read_files(path))
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with make_session_factory(engine)() as db:
            the_clinic = _clinic(db, clinic, create=True)
            db.commit()
            actor = _operator(the_clinic, "hemispasm import csv", today)
            summary = csv_import.import_checked(db, actor, checked)
    finally:
        engine.dispose()
    return summary.describe()
