"""CSV import and export: all of a file or nothing, errors named by file, line and column, the
API's and the services' rules on every row, formula cells guarded, every export audited."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas.csv_import import check_tables
from hemispasm.clinic.db.models import (
    AuditEvent,
    InjectionSession,
    InjectionSite,
    Patient,
    SelfRating,
    User,
)
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.csv_export import export_clinic, export_patient
from hemispasm.clinic.services.csv_import import ImportSummary, import_checked
from hemispasm.clinic.services.csv_tables import CsvRow, read_table
from hemispasm.errors import ImportFileError, NotFoundError, PermissionDeniedError
from tests.clinic.api.conftest import TODAY, World, settings, world

__all__ = ["settings", "world"]

SAMPLE = Path(__file__).parents[2] / "data" / "csv-import"

PATIENTS = """\
    mrn,name,birth_date,sex,phone
    A-100,Demo Patient 100,1958-03-02,female,+49 30 5550101
    A-101,Demo Patient 101,,male,
"""
SESSIONS = """\
    session_id,mrn,session_on,product,dilution_units_per_0_1_ml,early_reason,effect_began_on,wore_off_on
    s1,A-100,2025-11-03,onabotulinumtoxinA,2.5,,2025-11-07,2026-01-20
    s2,A-100,2026-02-02,onabotulinumtoxinA,2.5,,,
    s3,A-101,2026-01-12,abobotulinumtoxinA,10,,,
    s4,A-001,2026-03-02,incobotulinumtoxinA,2.5,,,
"""
SITES = """\
    session_id,muscle,side,units
    s1,orbicularis_oculi_pretarsal_upper,left,2.5
    s1,zygomaticus_major,left,1.25
    s2,orbicularis_oculi_pretarsal_upper,left,2.5
    s3,orbicularis_oculi_orbital_lateral_canthus,right,10
    s4,corrugator,right,2.5
"""
RATINGS = """\
    mrn,rated_on,score,note
    A-100,2025-12-01,3,better since the injection
    A-001,2026-03-20,5,
"""


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def import_tables(db: Session, actor: Actor, files: dict[str, list[CsvRow]]) -> ImportSummary:
    """The import as the command and the upload form run it: the API's models, then the service."""
    return import_checked(db, actor, check_tables(files))


def tables(**texts: str) -> dict[str, list[CsvRow]]:
    """Rows of the named files (``patients=...`` is patients.csv), from indented text."""
    return {f"{k}.csv": read_table(f"{k}.csv", textwrap.dedent(v)) for k, v in texts.items()}


def the_template(**changes: str) -> dict[str, list[CsvRow]]:
    files = {
        "patients": PATIENTS,
        "sessions": SESSIONS,
        "session_sites": SITES,
        "self_ratings": RATINGS,
    }
    return tables(**(files | changes))


def counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Patient, InjectionSession, InjectionSite, SelfRating, AuditEvent)
    )


def test_an_import_stores_every_row_and_writes_one_audit_row_naming_the_patients(
    db: Session, world: World
) -> None:
    before = counts(db)
    summary = import_tables(db, actor_of(world["clinician_a"].user), the_template())

    assert (summary.patients_created, summary.sessions, summary.sites) == (2, 4, 5)
    assert summary.self_ratings == 2
    after = counts(db)
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 4, 5, 2, 1]
    new = db.scalars(select(Patient).where(Patient.mrn == "A-100")).one()
    assert new.name == "Demo Patient 100" and str(new.last_session_on) == "2026-02-02"
    existing = db.get(Patient, world.patients["P1"])
    assert existing is not None and existing.last_product == "incobotulinumtoxinA"
    audit = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (audit.action, audit.entity, audit.user_id) == (
        "import",
        "patient",
        world["clinician_a"].user.id,
    )
    detail = json.loads(audit.detail or "{}")
    assert world.patients["P1"] in detail["patient_ids"] and new.id in detail["patient_ids"]
    assert detail["sessions"] == 4


def test_a_file_with_one_bad_row_imports_nothing_and_its_error_names_the_row_and_column(
    db: Session, world: World
) -> None:
    bad_sites = SITES + "    s4,corrugator,left,2.505\n"
    before = counts(db)
    with pytest.raises(ImportFileError, match=r"session_sites\.csv, line 7, units: .*0\.01"):
        import_tables(
            db, actor_of(world["clinician_a"].user), the_template(session_sites=bad_sites)
        )
    assert counts(db) == before


def test_a_session_the_interval_rule_refuses_after_others_were_written_leaves_nothing(
    db: Session, world: World
) -> None:
    early = SESSIONS + "    s5,A-100,2026-02-20,onabotulinumtoxinA,2.5,,,\n"
    before = counts(db)
    with pytest.raises(ImportFileError, match=r"sessions\.csv, line 6, early_reason: .*earliest"):
        import_tables(db, actor_of(world["clinician_a"].user), the_template(sessions=early))
    assert counts(db) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"patients": "mrn,name\nA-100,Demo\u200b Patient\n"},
            r"patients\.csv, line 2, name: .*",
            id="invisible character in a name",
        ),
        pytest.param(
            {"patients": "mrn,name,birth_date\nA-100,Demo Patient,2030-01-01\n"},
            r"patients\.csv, line 2, birth_date: .*future",
            id="born in the future",
        ),
        pytest.param(
            {"patients": "mrn,name\nA-001,Demo Patient\n"},
            r"patients\.csv, line 2, mrn: .*already used",
            id="record number taken",
        ),
        pytest.param(
            {"patients": "mrn,name,colour\nA-100,Demo Patient,blue\n"},
            r"patients\.csv, line 1, colour: unknown column",
            id="unknown column",
        ),
        pytest.param(
            {"session_sites": "session_id,muscle,side,units\ns1,nose,left,2\n"},
            r"session_sites\.csv, line 2, muscle: ",
            id="unknown muscle",
        ),
        pytest.param(
            {"session_sites": "session_id,muscle,side,units\ns1,procerus,left,two\n"},
            r"session_sites\.csv, line 2, units: must be a number",
            id="units not a number",
        ),
        pytest.param(
            {"self_ratings": "mrn,rated_on,score\nA-999,2026-01-01,3\n"},
            r"self_ratings\.csv, line 2, mrn: no patient 'A-999'",
            id="unknown patient",
        ),
        pytest.param(
            {"self_ratings": "mrn,rated_on,score\nA-100,2026-01-01,11\n"},
            r"self_ratings\.csv, line 2, score: ",
            id="score above 10",
        ),
    ],
)
def test_each_problem_is_named_by_file_line_and_column_and_nothing_is_stored(
    db: Session, world: World, changes: dict[str, str], message: str
) -> None:
    files = {"patients": PATIENTS, "sessions": SESSIONS, "session_sites": SITES}
    before = counts(db)
    with pytest.raises(ImportFileError, match=message):
        import_tables(db, actor_of(world["clinician_a"].user), tables(**(files | changes)))
    assert counts(db) == before


def test_patients_and_admins_cannot_import(db: Session, world: World) -> None:
    for persona in ("patient_p1", "admin_a"):
        with pytest.raises(PermissionDeniedError, match="clinician"):
            import_tables(db, actor_of(world[persona].user), the_template())


def test_cells_that_start_like_a_formula_are_exported_with_an_apostrophe_and_read_back(
    db: Session, world: World
) -> None:
    ratings = 'mrn,rated_on,score,note\nA-001,2026-03-20,5,=HYPERLINK("http://x")\n'
    import_tables(db, actor_of(world["clinician_a"].user), tables(self_ratings=ratings))

    export = export_patient(db, actor_of(world["clinician_a"].user), world.patients["P1"])
    text = export.files[t.SELF_RATINGS]
    assert '"\'=HYPERLINK(""http://x"")"' in text
    (row,) = read_table(t.SELF_RATINGS, text)
    assert row.cells["note"] == '=HYPERLINK("http://x")'


def test_an_export_read_back_into_another_clinic_gives_the_same_rows(
    db: Session, world: World
) -> None:
    import_tables(db, actor_of(world["clinician_a"].user), the_template())
    first = export_clinic(db, actor_of(world["clinician_a"].user)).files

    imported = {name: read_table(name, first[name]) for name in t.IMPORTED}
    import_tables(db, actor_of(world["clinician_b"].user), imported)
    again = export_clinic(db, actor_of(world["clinician_b"].user)).files

    def without_ids(name: str, files: dict[str, str], mrns: set[str]) -> list[dict[str, str]]:
        rows = [r.cells for r in read_table(name, files[name])] if name in t.IMPORTED else []
        return [
            {k: v for k, v in cells.items() if k != "session_id"}
            for cells in rows
            if cells.get("mrn", "A") in mrns or "mrn" not in cells
        ]

    a_mrns = {"A-001", "A-002", "A-100", "A-101"}
    for name in (t.PATIENTS, t.SESSIONS, t.SELF_RATINGS):
        assert without_ids(name, again, a_mrns) == without_ids(name, first, a_mrns)
    assert len(read_table(t.SESSION_SITES, again[t.SESSION_SITES])) == 5


def test_an_export_of_the_clinic_is_one_audit_row_naming_every_patient_it_holds(
    db: Session, world: World
) -> None:
    before = counts(db)[-1]
    export = export_clinic(db, actor_of(world["clinician_a"].user))

    assert sorted(export.patient_ids) == sorted([world.patients["P1"], world.patients["P2"]])
    assert counts(db)[-1] == before + 1
    audit = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (audit.action, audit.user_id) == ("export", world["clinician_a"].user.id)
    assert json.loads(audit.detail or "{}")["patient_ids"] == export.patient_ids
    assert export.files[t.PATIENTS].startswith('"mrn","name","birth_date"')


def test_a_patient_exports_only_the_cycles_and_self_ratings_of_their_own_record(
    db: Session, world: World
) -> None:
    export = export_patient(db, actor_of(world["patient_p1"].user), world.patients["P1"])
    assert sorted(export.files) == [t.CYCLES, t.SELF_RATINGS]
    audit = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (audit.action, audit.patient_id) == ("export", world.patients["P1"])


def test_another_patient_and_a_clinician_of_another_clinic_cannot_export_the_record(
    db: Session, world: World
) -> None:
    for persona in ("patient_p2", "clinician_b"):
        with pytest.raises(NotFoundError):
            export_patient(db, actor_of(world[persona].user), world.patients["P1"])
    for persona in ("patient_p1", "admin_a"):
        with pytest.raises(PermissionDeniedError):
            export_clinic(db, actor_of(world[persona].user))


def test_the_sample_files_in_the_docs_import_cleanly(db: Session, world: World) -> None:
    files = {
        p.name: read_table(p.name, p.read_text(encoding="utf-8")) for p in SAMPLE.glob("*.csv")
    }
    assert sorted(files) == sorted(t.IMPORTED)
    summary = import_tables(db, actor_of(world["clinician_a"].user), files)
    assert summary.sessions > 0 and summary.sites > 0


def test_a_quoted_line_break_keeps_the_row_numbers_and_padded_record_numbers_still_match(
    db: Session, world: World
) -> None:
    files = {
        "patients": "mrn,name\nA-100,Demo Patient 100\n",
        "sessions": "session_id,mrn,session_on,product,dilution_units_per_0_1_ml,notes\n"
        's1, A-100 ,2025-11-03,onabotulinumtoxinA,2.5,"first line\nsecond line"\n'
        "s2,A-100,2025-11-10,onabotulinumtoxinA,2.5,\n",
    }
    with pytest.raises(ImportFileError, match=r"sessions\.csv, line 3, early_reason: "):
        import_tables(db, actor_of(world["clinician_a"].user), tables(**files))

    files["sessions"] = files["sessions"].replace("2025-11-10", "2026-02-10")
    summary = import_tables(db, actor_of(world["clinician_a"].user), tables(**files))
    assert summary.sessions == 2 and summary.patients_created == 1
    notes = db.scalars(select(InjectionSession.notes).where(InjectionSession.notes.is_not(None)))
    assert list(notes) == ["first line\nsecond line"]
