"""Bad patient data is refused with the field named, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World
from tests.clinic.api.refusals import (
    API,
    MISSING_ID,
    add_session,
    assert_refused,
    case,
    mrn_count,
    patient_of,
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"birth_date": "2026-06-16"}, "birth_date"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"birth_date": "1960-02-30"}, "birth_date"),
        ({"mrn": ""}, "mrn"),
        ({"mrn": "   "}, "mrn"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"mrn": "A" * 65}, "mrn"),
        ({"sex": "yes"}, "sex"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"clinician_id": MISSING_ID}, "clinician_id"),
        ({"clinician_id": 2**63}, "clinician_id"),
        ({"name": "Demo\x00Patient"}, "name"),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_patient(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    body = {"mrn": "A-500", "name": "Demo Patient New"} | changes
    r = client.post(f"{API}/patients", json=body, headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert mrn_count(client, world, body["mrn"].strip() or "A-500") == 0


@pytest.mark.parametrize("mrn", ["A-001", "  A-001  "])
def test_it_refuses_a_record_number_already_used_in_the_clinic(
    client: TestClient, world: World, mrn: str
) -> None:
    body = {"mrn": mrn, "name": "Demo Patient Twin"}
    r = client.post(f"{API}/patients", json=body, headers=world["clinician_a"].headers)
    assert_refused(r, 409, "mrn")
    assert mrn_count(client, world, "A-001") == 1


def test_it_refuses_a_correction_to_a_record_number_already_used(
    client: TestClient, world: World
) -> None:
    r = client.patch(
        f"{API}/patients/{world.patients['P2']}",
        json={"mrn": "A-001"},
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 409, "mrn")
    assert patient_of(client, world, "P2")["mrn"] == "A-002"


def test_it_accepts_the_record_number_of_another_clinic(client: TestClient, world: World) -> None:
    body = {"mrn": "A-001", "name": "Demo Patient Other Clinic"}
    r = client.post(f"{API}/patients", json=body, headers=world["clinician_b"].headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"birth_date": "2026-06-16"}, "birth_date"),
        ({"name": " "}, "name"),
        ({"sex": "yes"}, "sex"),
        ({"mrn": "A-002", "name": "Demo Renamed"}, "mrn"),
    ],
    ids=case,
)
def test_a_refused_patient_correction_changes_nothing(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    before = patient_of(client, world)
    r = client.patch(
        f"{API}/patients/{world.patients['P1']}", json=changes, headers=world["clinician_a"].headers
    )
    assert_refused(r, 409 if field == "mrn" else 422, field)
    assert patient_of(client, world) == before


@pytest.mark.parametrize("field", ["mrn", "name"])
def test_it_refuses_to_set_a_required_patient_field_to_null(
    client: TestClient, world: World, field: str
) -> None:
    r = client.patch(
        f"{API}/patients/{world.patients['P1']}",
        json={field: None},
        headers=world["clinician_a"].headers,
    )
    body = assert_refused(r, 422)
    assert field in body["detail"], body
    assert patient_of(client, world)[field] is not None


def test_it_refuses_a_birth_date_after_the_patients_sessions(
    client: TestClient, world: World
) -> None:
    add_session(client, world)
    r = client.patch(
        f"{API}/patients/{world.patients['P1']}",
        json={"birth_date": "2026-05-02"},
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, "birth_date")
    assert patient_of(client, world)["birth_date"] == "1960-01-01"
