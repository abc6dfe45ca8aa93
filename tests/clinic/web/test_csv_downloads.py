"""The CSV download links of the worklist, the patient page and /me, followed as a browser would
(with the session cookie)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World
from tests.clinic.web.conftest import log_in


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
