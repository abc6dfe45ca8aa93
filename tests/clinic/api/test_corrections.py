"""The corrections' JSON API: a clinician confirms, rejects, relabels and adds events and reads
them back with the recomputed result; bad input is a 422 naming the field; patients and other
clinics are refused; a cookie needs its CSRF token; the labels download loads with
``read_labels``. On each database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent, EventCorrection
from hemispasm.clinic.settings import Settings
from hemispasm.labels.format import read_labels
from tests.clinic.api.conftest import PASSWORD, World
from tests.clinic.reviews import analysed_upload
from tests.clinic.uploads import sessions, settings

__all__ = ["sessions", "settings"]


@pytest.fixture
def analysis(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> tuple[int, int]:
    """P1's analysed video with the sample result."""
    return analysed_upload(db, settings, sessions, world)


def base(analysis: tuple[int, int]) -> str:
    pid, aid = analysis
    return f"/api/v1/patients/{pid}/video-analyses/{aid}"


def stored_corrections(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(EventCorrection)) or 0)


def test_a_clinician_corrects_and_reads_the_corrections_back(
    client: TestClient, world: World, analysis: tuple[int, int]
) -> None:
    headers = world["clinician_a"].headers
    rejected = client.post(
        f"{base(analysis)}/events/e1/corrections", json={"action": "reject"}, headers=headers
    )
    relabelled = client.post(
        f"{base(analysis)}/events/e2/corrections",
        json={"action": "relabel", "kind": "spasm", "side": "right", "type": "twitch"},
        headers=headers,
    )
    added = client.post(
        f"{base(analysis)}/events",
        json={"start_s": 11.2, "end_s": 11.5, "kind": "blink", "side": "both"},
        headers=headers,
    )

    assert [r.status_code for r in (rejected, relabelled, added)] == [201, 201, 201]
    assert rejected.json()["after"] is None and rejected.json()["before"]["kind"] == "spasm"
    assert relabelled.json()["after"]["side"] == "right"
    assert added.json()["event_key"] == "a1" and added.json()["action"] == "add"
    read = client.get(f"{base(analysis)}/corrections", headers=headers).json()
    assert [c["event_key"] for c in read["corrections"]] == ["a1", "e2", "e1"]
    metrics = read["corrected_result"]["metrics"]
    assert (metrics["spasm_count"], metrics["blink_count"]) == (4, 3)
    analysis_row = client.get(
        f"/api/v1/patients/{analysis[0]}/video-analyses/{analysis[1]}", headers=headers
    ).json()
    assert analysis_row["spasms_per_min"] == 20.0  # 4 spasms in 12 s, as corrected
    assert analysis_row["result"]["metrics"]["spasm_count"] == 4  # as detected: other spasms
    assert analysis_row["corrected_result"] == read["corrected_result"]
    assert analysis_row["corrected_at"] == read["corrected_at"] is not None


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/events/e1/corrections", {"action": "approve"}, "action"),
        ("/events/e1/corrections", {"action": "relabel", "kind": "blink", "side": "left"}, "side"),
        ("/events/e1/corrections", {"action": "relabel", "side": "left"}, "kind"),
        ("/events/e1/corrections", {"action": "reject", "note": "x"}, "note"),
        ("/events/e9/corrections", {"action": "reject"}, "event"),
        ("/events/x1/corrections", {"action": "reject"}, "key"),
        ("/events", {"start_s": 3.0, "end_s": 2.0, "kind": "blink", "side": "both"}, "end_s"),
        ("/events", {"start_s": 3.0, "end_s": 99.0, "kind": "blink", "side": "both"}, "end_s"),
        ("/events", {"start_s": "x", "end_s": 2.0, "kind": "blink", "side": "both"}, "start_s"),
        ("/events", {"start_s": 1.0, "end_s": 2.0, "kind": "spasm", "side": "both"}, "side"),
        (
            "/events",
            {"start_s": 1.0, "end_s": 2.0, "kind": "spasm", "side": "left", "type": "incomplete"},
            "type",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    client: TestClient,
    db: Session,
    world: World,
    analysis: tuple[int, int],
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.post(
        f"{base(analysis)}{path}", json=body, headers=world["clinician_a"].headers
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert stored_corrections(db) == 0


@pytest.mark.parametrize(
    ("who", "status"), [("patient_p1", 403), ("admin_a", 403), ("clinician_b", 404)]
)
def test_only_the_clinics_clinicians_correct_read_or_export(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int], who: str, status: int
) -> None:
    headers = world[who].headers
    posted = client.post(
        f"{base(analysis)}/events/e1/corrections", json={"action": "reject"}, headers=headers
    )
    listed = client.get(f"{base(analysis)}/corrections", headers=headers)
    exported = client.get(f"{base(analysis)}/labels", params={"condition": "hfs"}, headers=headers)

    assert (posted.status_code, listed.status_code, exported.status_code) == (status,) * 3
    assert stored_corrections(db) == 0


def test_a_cookie_correction_needs_the_csrf_header(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    login = client.post(
        "/api/v1/auth/login", json={"email": "clinician_a@example.org", "password": PASSWORD}
    )
    url = f"{base(analysis)}/events/e1/corrections"

    refused = client.post(url, json={"action": "reject"})
    accepted = client.post(
        url, json={"action": "reject"}, headers={"X-CSRF-Token": login.json()["csrf_token"]}
    )

    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    assert accepted.status_code == 201
    assert stored_corrections(db) == 1


def test_the_labels_download_loads_with_read_labels_and_is_audited(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int], tmp_path: Path
) -> None:
    headers = world["clinician_a"].headers
    client.post(
        f"{base(analysis)}/events/e7/corrections", json={"action": "reject"}, headers=headers
    )

    response = client.get(f"{base(analysis)}/labels", params={"condition": "hfs"}, headers=headers)
    unsaid = client.get(f"{base(analysis)}/labels", headers=headers)
    wrong = client.get(f"{base(analysis)}/labels", params={"condition": "ill"}, headers=headers)

    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    name = response.headers["content-disposition"].split('filename="')[1].rstrip('"')
    (tmp_path / name).write_text(response.text, encoding="utf-8")
    labels = read_labels(tmp_path / name)
    assert labels.subject.condition == "hfs" and len(labels.events) == 6
    assert not any(e.type == "tonic" or e.start_s == 9.406 for e in labels.events)
    assert unsaid.status_code == 422 and unsaid.json()["errors"][0]["field"] == "condition"
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "condition"
    db.expire_all()
    exports = select(func.count()).where(
        AuditEvent.entity == "event_correction", AuditEvent.action == "export"
    )
    assert db.scalar(exports) == 1
