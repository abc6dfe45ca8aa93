"""The CSV download links of the worklist, the patient page and /me, followed as a browser would
(with the session cookie), and the clinician's CSV import form."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Patient
from tests.clinic.api.conftest import World
from tests.clinic.web.conftest import log_in, text_of


def csv_link(html: str) -> str:
    """The page's link to a CSV export."""
    match = re.search(r'href="(/api/v1/[^"]*exports/csv)" download', html)
    assert match, "no CSV export link on the page"
    return match.group(1)


def files_in(content: bytes) -> list[str]:
    """The file names (without their folder) in a ZIP."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sorted(name.rsplit("/", 1)[-1] for name in archive.namelist())


ALL_FILES = ["cycles.csv", "patients.csv", "self_ratings.csv", "session_sites.csv", "sessions.csv"]


def test_the_worklist_link_downloads_every_patient_of_the_clinic(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    response = client.get(csv_link(client.get("/worklist").text))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert files_in(response.content) == ALL_FILES
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        patients = next(n for n in archive.namelist() if n.endswith("patients.csv"))
        text = archive.read(patients).decode("utf-8")
    assert "Demo Patient P1" in text and "Demo Patient P2" in text
    assert "Demo Patient Q1" not in text


def test_the_patient_page_link_downloads_that_patients_record(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    link = csv_link(client.get(f"/patients/{world.patients['P1']}").text)
    assert link == f"/api/v1/patients/{world.patients['P1']}/exports/csv"
    assert files_in(client.get(link).content) == ALL_FILES


def test_the_patient_downloads_their_own_cycles_and_ratings_from_me(
    client: TestClient, world: World
) -> None:
    log_in(client, "patient_p1")
    response = client.get(csv_link(client.get("/me").text))
    assert response.status_code == 200
    assert files_in(response.content) == ["cycles.csv", "self_ratings.csv"]


@pytest.mark.parametrize("caller", ["patient_p2", "clinician_b"])
def test_another_patient_and_another_clinics_clinician_are_refused_the_download(
    client: TestClient, world: World, caller: str
) -> None:
    log_in(client, caller)
    response = client.get(f"/api/v1/patients/{world.patients['P1']}/exports/csv")
    assert response.status_code == 404
    assert "zip" not in response.headers["content-type"]


SAMPLE = Path(__file__).parents[2] / "data" / "csv-import"


def sample_files(**replace: tuple[str, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """The sample template as a form's ``files`` field; ``replace`` edits one file's text."""
    out = []
    for path in sorted(SAMPLE.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        if path.stem in replace:
            text = text.replace(*replace[path.stem])
        out.append(("files", (path.name, text.encode("utf-8"), "text/csv")))
    return out


def test_a_clinician_imports_the_template_from_the_upload_form(
    client: TestClient, world: World, db: Session
) -> None:
    token = log_in(client, "clinician_a")
    assert 'href="/patients/import-csv"' in client.get("/worklist").text
    response = client.post("/patients/import-csv", data={"csrf_token": token}, files=sample_files())
    assert response.status_code == 200, response.text
    assert "imported 2 new patients, 3 injection sessions with 7 sites" in text_of(response.text)
    assert db.scalar(select(func.count()).where(Patient.mrn.like("DEMO-%"))) == 2


def test_a_bad_row_in_the_upload_imports_nothing_and_the_page_names_line_and_column(
    client: TestClient, world: World, db: Session
) -> None:
    token = log_in(client, "clinician_a")
    bad = {"sessions": ("2026-01-19,abobotulinumtoxinA", "2026-01-19,botox")}
    response = client.post(
        "/patients/import-csv", data={"csrf_token": token}, files=sample_files(**bad)
    )
    assert response.status_code == 422
    assert "Nothing was imported. sessions.csv, line 4, product:" in text_of(response.text)
    assert db.scalar(select(func.count()).where(Patient.mrn.like("DEMO-%"))) == 0


def test_a_patient_cannot_open_or_post_the_import_form(client: TestClient, world: World) -> None:
    token = log_in(client, "patient_p1")
    assert client.get("/patients/import-csv").status_code == 403
    response = client.post("/patients/import-csv", data={"csrf_token": token}, files=sample_files())
    assert response.status_code == 403
