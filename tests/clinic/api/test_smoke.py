"""A clinician's first steps through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World


def test_health_answers_without_login(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_a_clinician_registers_a_patient_and_records_a_session(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    r = client.post("/api/v1/patients", json={"mrn": "A-100", "name": "Demo Patient 9"}, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    body = {
        "session_on": "2026-06-01",
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [
            {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5},
            {"muscle": "zygomaticus_major", "side": "left", "units": 5},
        ],
    }
    r = client.post(f"/api/v1/patients/{pid}/sessions", json=body, headers=h)
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["total_units"] == 7.5 and s["units_left"] == 7.5 and s["units_right"] == 0
    assert [x["volume_ml"] for x in s["sites"]] == [0.1, 0.2]
    assert [w["scope"] for w in s["warnings"]] == ["site:zygomaticus_major:left"]
    r = client.get(f"/api/v1/patients/{pid}/timeline", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["schedule"]["next_due_on"] == "2026-08-24"
