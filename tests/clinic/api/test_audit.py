"""What the audit log keeps: before-values of updates, the patients a list showed, refused access
to patient data (API and pages), deletions by clinicians; and the chain over all of it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.services.audit import verify_chain
from tests.clinic.api.conftest import World
from tests.clinic.api.refusals import RESULT_FILE

API = "/api/v1"


@pytest.fixture
def result() -> dict[str, Any]:
    """A hemispasm.analysis/1 result."""
    value: dict[str, Any] = json.loads(RESULT_FILE.read_text())
    return value


def audit_rows(db: Session, **where: Any) -> list[AuditEvent]:
    """The audit rows matching ``where`` (column = value), oldest first."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.scalars(query))


def detail_of(row: AuditEvent) -> dict[str, Any]:
    """The row's detail as data."""
    assert row.detail is not None, (row.action, row.entity)
    value: dict[str, Any] = json.loads(row.detail)
    return value


def test_an_update_keeps_the_changed_fields_values_before_and_after(
    client: TestClient, world: World, db: Session
) -> None:
    base = f"{API}/patients/{world.patients['P1']}/adverse-events"
    h = world["clinician_a"].headers
    body = {"effect": "ptosis", "severity": "moderate", "onset_on": "2026-06-01"}
    rid = client.post(base, json=body, headers=h).json()["id"]

    r = client.patch(
        f"{base}/{rid}", json={"severity": "mild", "resolved_on": "2026-06-10"}, headers=h
    )

    assert r.status_code == 200, r.text
    (update,) = audit_rows(db, action="update", entity="adverse_event", entity_id=rid)
    assert detail_of(update) == {
        "changes": {
            "severity": {"before": "moderate", "after": "mild"},
            "resolved_on": {"before": None, "after": "2026-06-10"},
        }
    }
    assert update.user_id == world["clinician_a"].user.id
    assert update.patient_id == world.patients["P1"]


def test_an_update_of_a_patients_demographics_keeps_the_old_name(
    client: TestClient, world: World, db: Session
) -> None:
    pid = world.patients["P1"]
    r = client.patch(
        f"{API}/patients/{pid}",
        json={"name": "Renamed Patient"},
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 200, r.text
    (update,) = audit_rows(db, action="update", entity="patient", patient_id=pid)
    assert detail_of(update)["changes"] == {
        "name": {"before": "Demo Patient P1", "after": "Renamed Patient"}
    }


def test_an_analysis_result_is_kept_in_the_audit_by_its_hash_only(
    client: TestClient, world: World, db: Session, result: dict[str, Any]
) -> None:
    base = f"{API}/patients/{world.patients['P1']}/video-analyses"
    h = world["clinician_a"].headers
    rid = client.post(base, json={"recorded_on": "2026-06-01", "result": result}, headers=h).json()[
        "id"
    ]
    other = json.loads(json.dumps(result))
    other["metrics"]["spasms_per_min"] = 1.5

    assert client.patch(f"{base}/{rid}", json={"result": other}, headers=h).status_code == 200

    (update,) = audit_rows(db, action="update", entity="video_analysis", entity_id=rid)
    changes = detail_of(update)["changes"]
    assert set(changes["result"]["before"]) == {"sha256"}
    assert changes["result"]["before"] != changes["result"]["after"]
    assert changes["spasms_per_min"]["after"] == 1.5


def test_the_patient_list_records_which_patients_it_showed(
    client: TestClient, world: World, db: Session
) -> None:
    r = client.get(f"{API}/patients", params={"page_size": 1}, headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    shown = [p["id"] for p in r.json()["items"]]

    (listed,) = audit_rows(db, action="list", entity="patient")
    assert detail_of(listed) == {"patient_ids": shown}
    assert len(shown) == 1


def test_the_clinic_wide_analysis_search_records_whose_analyses_it_showed(
    client: TestClient, world: World, db: Session, result: dict[str, Any]
) -> None:
    h = world["clinician_a"].headers
    for key in ("P1", "P2"):
        url = f"{API}/patients/{world.patients[key]}/video-analyses"
        body = {"recorded_on": "2026-06-01", "result": result}
        assert client.post(url, json=body, headers=h).status_code == 201

    assert client.get(f"{API}/video-analyses", headers=h).status_code == 200

    (listed,) = audit_rows(db, action="list", entity="video_analysis", patient_id=None)
    assert detail_of(listed) == {"patient_ids": sorted(world.patients[k] for k in ("P1", "P2"))}


def test_a_clinicians_delete_is_audited(client: TestClient, world: World, db: Session) -> None:
    base = f"{API}/patients/{world.patients['P1']}/self-ratings"
    rid = client.post(
        base, json={"rated_on": "2026-06-01", "score": 5}, headers=world["patient_p1"].headers
    ).json()["id"]

    r = client.delete(f"{base}/{rid}", headers=world["clinician_a"].headers)

    assert r.status_code == 204
    (deleted,) = audit_rows(db, action="delete", entity="self_rating", entity_id=rid)
    assert deleted.user_id == world["clinician_a"].user.id


def test_a_missing_record_of_a_visible_patient_is_audited_as_refused(
    client: TestClient, world: World, db: Session
) -> None:
    pid = world.patients["P1"]
    r = client.get(f"{API}/patients/{pid}/surgeries/987654", headers=world["clinician_a"].headers)

    assert r.status_code == 404
    (refused,) = audit_rows(db, action="refused")
    assert (refused.entity, refused.entity_id, refused.patient_id) == ("surgery", 987654, pid)
    assert detail_of(refused)["status"] == 404
    assert audit_rows(db, action="read") == []  # the read itself was rolled back with the refusal


def test_a_patient_asking_for_another_patients_job_is_audited_as_refused(
    client: TestClient, world: World, db: Session
) -> None:
    # a route whose own service does not note the refusal: the request is audited instead
    p2 = world.patients["P2"]
    r = client.get(f"{API}/patients/{p2}/jobs/5", headers=world["patient_p1"].headers)

    assert r.status_code == 404
    (refused,) = audit_rows(db, action="refused")
    assert refused.user_id == world["patient_p1"].user.id
    assert refused.patient_id == p2
    assert detail_of(refused)["status"] == 404


def test_a_refused_page_is_audited_too(client: TestClient, world: World, db: Session) -> None:
    pid = world.patients["P1"]
    r = client.get(f"/patients/{pid}", headers=world["clinician_b"].headers)

    assert r.status_code == 404
    (refused,) = audit_rows(db, action="refused")
    assert (refused.user_id, refused.patient_id) == (world["clinician_b"].user.id, pid)
    assert refused.request == f"GET /patients/{pid}"


def test_every_row_written_through_the_app_joins_the_chain(
    client: TestClient, world: World, db: Session
) -> None:
    h = world["clinician_a"].headers
    pid = world.patients["P1"]
    client.get(f"{API}/patients", headers=h)
    client.get(f"{API}/patients/{pid}/timeline", headers=h)
    client.get(f"{API}/patients/{pid}", headers=world["clinician_b"].headers)  # refused

    report = verify_chain(db.connection())

    assert report.intact, report.describe()
    assert report.rows >= 3
