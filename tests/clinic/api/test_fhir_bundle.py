"""GET /patients/{id}/fhir: one patient's record as a FHIR R4 Bundle, audited as an export."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent
from tests.clinic.api.conftest import World

API = "/api/v1"


def _session(client: TestClient, world: World) -> None:
    body = {
        "session_on": "2026-05-04",
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [{"muscle": "orbicularis_oculi_preseptal", "side": "left", "units": 2.5}],
    }
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text


def test_a_clinician_gets_the_patients_record_as_a_bundle_that_parses(
    client: TestClient, world: World
) -> None:
    _session(client, world)
    r = client.get(
        f"{API}/patients/{world.patients['P1']}/fhir", headers=world["clinician_a"].headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert Bundle.model_validate(r.json()).type == "collection"
    resources = [e["resource"] for e in r.json()["entry"]]
    kinds = [x["resourceType"] for x in resources]
    assert kinds[:2] == ["Organization", "Patient"]
    assert "Procedure" in kinds
    (administration,) = [x for x in resources if x["resourceType"] == "MedicationAdministration"]
    assert administration["dosage"]["dose"] == {
        "value": 2.5,
        "unit": "U",
        "system": "http://unitsofmeasure.org",
        "code": "[iU]",
    }
    assert administration["dosage"]["site"]["coding"][0]["code"] == (
        "left.orbicularis_oculi_preseptal"
    )


def test_the_patient_gets_their_own_bundle(client: TestClient, world: World) -> None:
    r = client.get(
        f"{API}/patients/{world.patients['P1']}/fhir", headers=world["patient_p1"].headers
    )
    assert r.status_code == 200, r.text
    assert json.loads(r.text)["entry"][1]["resource"]["identifier"][0]["value"] == "A-001"


def test_another_patient_and_another_clinic_are_refused_and_nothing_is_exported(
    client: TestClient, world: World, db: Session
) -> None:
    path = f"{API}/patients/{world.patients['P1']}/fhir"
    assert client.get(path, headers=world["patient_p2"].headers).status_code == 404
    assert client.get(path, headers=world["clinician_b"].headers).status_code == 404
    assert client.get(path, headers=world["admin_a"].headers).status_code == 403
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert exports == []


def test_every_bundle_is_audited_as_an_export_of_that_patient(
    client: TestClient, world: World, db: Session
) -> None:
    patient_id = world.patients["P1"]
    client.get(f"{API}/patients/{patient_id}/fhir", headers=world["clinician_a"].headers)
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(r.entity, r.patient_id, r.user_id) for r in rows] == [
        ("fhir", patient_id, world["clinician_a"].user.id)
    ]
