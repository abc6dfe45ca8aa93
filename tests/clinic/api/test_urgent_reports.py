"""Urgent reports: what the clinic's inbox lists, who may acknowledge one, and the audit of it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AdverseEvent
from hemispasm.clinic.db.treatment import WAITING_URGENT_SQL
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.urgent import count_unacknowledged
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.api.test_audit import audit_rows, detail_of

API = "/api/v1"


def report(
    client: TestClient, world: World, patient: str, by: str, effect: str, **extra: Any
) -> int:
    """A side effect of ``patient`` entered by persona ``by``: its id."""
    body = {"effect": effect, "severity": "severe", "onset_on": "2026-06-14"} | extra
    r = client.post(
        f"{API}/patients/{world.patients[patient]}/adverse-events",
        json=body,
        headers=world[by].headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def inbox(client: TestClient, world: World, who: str = "clinician_a") -> Any:
    r = client.get(f"{API}/urgent-reports", headers=world[who].headers)
    assert r.status_code == 200, r.text
    return r.json()


def acknowledge(client: TestClient, world: World, patient: str, record_id: int, who: str) -> Any:
    return client.post(
        f"{API}/patients/{world.patients[patient]}/adverse-events/{record_id}/acknowledgement",
        headers=world[who].headers,
    )


def actor_of(world: World, name: str) -> Actor:
    user = world[name].user
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


@pytest.fixture
def reports(client: TestClient, world: World) -> dict[str, int]:
    """P1 reported trouble swallowing (urgent) and a drooping lid (not urgent); the clinic
    recorded trouble breathing for P2 itself; Q1 of clinic B reported trouble breathing."""
    return {
        "p1_urgent": report(client, world, "P1", "patient_p1", "swallowing_difficulty"),
        "p1_ptosis": report(client, world, "P1", "patient_p1", "ptosis"),
        "p2_by_clinic": report(client, world, "P2", "clinician_a", "breathing_difficulty"),
        "q1_urgent": report(client, world, "Q1", "patient_q1", "breathing_difficulty"),
    }


def test_it_lists_only_the_urgent_reports_of_patients_of_the_own_clinic(
    client: TestClient, world: World, reports: dict[str, int]
) -> None:
    page = inbox(client, world)
    assert page["total"] == 1
    (item,) = page["items"]
    assert item["id"] == reports["p1_urgent"]
    assert item["patient_id"] == world.patients["P1"] and item["mrn"] == "A-001"
    assert item["effect"] == "swallowing_difficulty" and item["acknowledged_at"] is None
    assert [i["id"] for i in inbox(client, world, "clinician_b")["items"]] == [reports["q1_urgent"]]


def test_the_count_is_the_inbox_total_and_goes_down_once_acknowledged(
    client: TestClient, world: World, reports: dict[str, int], db: Session
) -> None:
    second = report(client, world, "P2", "patient_p2", "breathing_difficulty")
    clinician = actor_of(world, "clinician_a")
    assert count_unacknowledged(db, clinician) == inbox(client, world)["total"] == 2
    assert acknowledge(client, world, "P2", second, "clinician_a").status_code == 200
    assert count_unacknowledged(db, clinician) == inbox(client, world)["total"] == 1
    assert count_unacknowledged(db, actor_of(world, "patient_p1")) == 0


def test_it_acknowledges_a_report_and_audits_the_values_before_and_after(
    client: TestClient, world: World, reports: dict[str, int], db: Session
) -> None:
    record_id = reports["p1_urgent"]
    r = acknowledge(client, world, "P1", record_id, "clinician_a")
    assert r.status_code == 200, r.text
    clinician_id = world["clinician_a"].user.id
    assert r.json()["acknowledged_by"] == clinician_id and r.json()["acknowledged_at"]
    assert inbox(client, world)["total"] == 0

    (row,) = audit_rows(db, action="acknowledge", entity_id=record_id)
    assert row.entity == "adverse_event" and row.user_id == clinician_id
    assert row.patient_id == world.patients["P1"]
    changes = detail_of(row)["changes"]
    assert changes["acknowledged_by"] == {"before": None, "after": clinician_id}
    assert changes["acknowledged_at"]["before"] is None
    assert changes["acknowledged_at"]["after"] == r.json()["acknowledged_at"].replace("+00:00", "Z")


def test_acknowledging_again_keeps_the_first_acknowledgement(
    client: TestClient, world: World, reports: dict[str, int], db: Session
) -> None:
    record_id = reports["p1_urgent"]
    first = acknowledge(client, world, "P1", record_id, "clinician_a").json()
    again = acknowledge(client, world, "P1", record_id, "clinician_a")
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == first["acknowledged_at"]
    rows = audit_rows(db, action="acknowledge", entity_id=record_id)
    assert [detail_of(row)["changes"] == {} for row in rows] == [False, True]


def test_a_patient_cannot_acknowledge_even_their_own_report(
    client: TestClient, world: World, reports: dict[str, int], db: Session
) -> None:
    record_id = reports["p1_urgent"]
    r = acknowledge(client, world, "P1", record_id, "patient_p1")
    assert r.status_code == 403, r.text
    assert "clinicians" in r.json()["detail"]
    event = db.get(AdverseEvent, record_id)
    assert event is not None and event.acknowledged_at is None
    (refusal,) = audit_rows(db, action="refused", patient_id=world.patients["P1"])
    assert detail_of(refusal)["attempted"] == "acknowledge"
    assert (
        client.get(f"{API}/urgent-reports", headers=world["patient_p1"].headers).status_code == 403
    )


def test_a_report_of_another_clinic_or_patient_is_not_found(
    client: TestClient, world: World, reports: dict[str, int]
) -> None:
    assert acknowledge(client, world, "Q1", reports["q1_urgent"], "clinician_a").status_code == 404
    assert acknowledge(client, world, "P2", reports["p1_urgent"], "clinician_a").status_code == 404
    assert inbox(client, world, "clinician_b")["total"] == 1


def test_a_deleted_report_leaves_the_inbox(
    client: TestClient, world: World, reports: dict[str, int]
) -> None:
    r = client.delete(
        f"{API}/patients/{world.patients['P1']}/adverse-events/{reports['p1_urgent']}",
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 204, r.text
    assert inbox(client, world)["total"] == 0


def test_the_migration_indexes_the_waiting_reports_as_the_model_does() -> None:
    migration = importlib.import_module(
        "hemispasm.clinic.migrations.versions.0006_urgent_acknowledged"
    )
    assert migration.WAITING_URGENT == WAITING_URGENT_SQL
    assert "'swallowing_difficulty'" in WAITING_URGENT_SQL


def test_the_count_reads_only_the_index_of_waiting_reports_on_sqlite(
    db: Session, world: World
) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's (PostgreSQL chooses by its statistics)")
    sent: list[tuple[str, Any]] = []
    conn = db.connection()

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "count(" in statement.lower():
            sent.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", note)
    try:
        count_unacknowledged(db, actor_of(world, "clinician_a"))
    finally:
        event.remove(conn, "before_cursor_execute", note)
    (statement, parameters) = sent[0]
    plan = " ".join(
        str(row[-1])
        for row in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    )
    assert "ix_adverse_events_waiting_urgent" in plan, plan
