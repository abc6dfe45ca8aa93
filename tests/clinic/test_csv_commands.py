"""hemispasm import csv and export csv: the sample template in, the same rows out; a bad row
exits 16 naming the file, line and column, and stores nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic.settings import DATABASE_FILE

SAMPLE = Path(__file__).parents[1] / "data" / "csv-import"


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)


def rows(data: Path, table: str) -> int:
    with sqlite3.connect(data / DATABASE_FILE) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_the_sample_imports_and_exports_as_five_files_with_the_same_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    assert main(["import", "csv", str(SAMPLE), "--data", str(data), "--clinic", "Demo"]) == 0
    assert "imported 2 new patients, 3 injection sessions with 7 sites" in capsys.readouterr().err
    assert main(["export", "csv", "--data", str(data), "--out", str(out)]) == 0

    assert sorted(p.name for p in out.iterdir()) == [
        "cycles.csv",
        "patients.csv",
        "self_ratings.csv",
        "session_sites.csv",
        "sessions.csv",
    ]
    sessions = (out / "sessions.csv").read_text(encoding="utf-8").splitlines()
    assert len(sessions) == 4 and '"2025-11-24"' in sessions[2]
    assert '"effect wore off early, same plan"' in sessions[2]
    with sqlite3.connect(data / DATABASE_FILE) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_events ORDER BY id")]
    assert actions[-2:] == ["import", "export"]


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        pytest.param(
            "session_sites.csv",
            "S3,corrugator,right,5",
            "S3,corrugator,up,5",
            "session_sites.csv, line 8, side:",
            id="a site's side (the API's models)",
        ),
        pytest.param(
            "sessions.csv",
            "S2,DEMO-0001,2025-11-24",
            "S2,DEMO-0001,2025-10-01",
            "sessions.csv, line 3, early_reason: a session on 2025-10-01 is before",
            id="a session too early (the services' rules, after others were written)",
        ),
    ],
)
def test_one_bad_row_exits_16_naming_file_line_and_column_and_stores_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    named: str,
) -> None:
    folder, data = tmp_path / "in", tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")

    assert main(["import", "csv", str(folder), "--data", str(data), "--clinic", "Demo"]) == 16
    assert named in capsys.readouterr().err
    if (data / DATABASE_FILE).exists():  # the models refuse before the database is opened
        tables = ("patients", "injection_sessions", "injection_sites", "self_ratings")
        assert [rows(data, table) for table in tables] == [0, 0, 0, 0]


def test_an_import_into_a_database_without_clinics_asks_for_the_clinics_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "csv", str(SAMPLE), "--data", str(tmp_path / "data")]) == 11
    assert "name the clinic with --clinic" in capsys.readouterr().err


def test_export_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    assert (
        main(
            ["import", "csv", str(SAMPLE / "patients.csv"), "--data", str(data), "--clinic", "Demo"]
        )
        == 0
    )
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["export", "csv", "--data", str(data), "--out", str(out)]) != 0
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_export_of_one_patient_holds_only_that_patients_rows(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    assert main(["import", "csv", str(SAMPLE), "--data", str(data), "--clinic", "Demo"]) == 0
    with sqlite3.connect(data / DATABASE_FILE) as conn:
        (patient_id,) = conn.execute("SELECT id FROM patients WHERE mrn = 'DEMO-0002'").fetchone()
    assert (
        main(
            ["export", "csv", "--data", str(data), "--out", str(out), "--patient", str(patient_id)]
        )
        == 0
    )

    patients = (out / "patients.csv").read_text(encoding="utf-8").splitlines()
    assert len(patients) == 2 and '"DEMO-0002"' in patients[1]
    assert len((out / "session_sites.csv").read_text(encoding="utf-8").splitlines()) == 3
    assert (
        main(
            ["export", "csv", "--data", str(data), "--out", str(tmp_path / "x"), "--patient", "999"]
        )
        != 0
    )
