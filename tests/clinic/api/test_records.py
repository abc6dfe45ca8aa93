"""Each kind of record can be created, read, changed, listed and (softly) deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas.people import TimelineOut
from hemispasm.clinic.db.models import SelfRating
from tests.clinic.api.conftest import World

RESULT = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "result_synthetic_left.json").read_text()
)

KINDS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("diagnoses", {"affected_side": "left", "onset_on": "2019-03-01"}, {"affected_side": "right"}),
    (
        "mri-studies",
        {
            "study_on": "2020-01-10",
            "sequences": ["3D-TOF", "3D-CISS"],
            "vessels": ["aica"],
            "site": "root_exit_zone",
            "contact": "compression",
            "compression_found": True,
        },
        {"vessels": ["aica", "vein"]},
    ),
    (
        "adverse-events",
        {"effect": "ptosis", "severity": "mild", "onset_on": "2026-05-01"},
        {"resolved_on": "2026-05-20"},
    ),
    (
        "assessments",
        {
            "assessed_on": "2026-05-01",
            "jankovic_severity": 3,
            "jankovic_frequency": 2,
            "smc_grade": 2,
            "hfs7_total": 12,
        },
        {"hfs30_total": 40},
    ),
    ("self-ratings", {"rated_on": "2026-06-01", "score": 6, "note": "worse"}, {"score": 4}),
    ("video-analyses", {"recorded_on": "2026-06-01", "result": RESULT}, {"notes": "before"}),
    (
        "surgeries",
        {
            "surgery_on": "2024-02-01",
            "side": "left",
            "vessels": ["aica"],
            "outcome": "complete",
            "complications": ["hearing_loss"],
            "monitoring": "lateral spread response gone",
        },
        {"outcome": "partial", "recurrence_on": "2025-01-01"},
    ),
    (
        "sessions",
        {
            "session_on": "2026-03-01",
            "product": "incobotulinumtoxinA",
            "dilution_units_per_0_1_ml": 2.5,
            "sites": [{"muscle": "orbicularis_oculi_preseptal", "side": "left", "units": 2.5}],
        },
        {"sites": [{"muscle": "procerus", "side": "left", "units": 1.25}]},
    ),
]


@pytest.mark.parametrize(("path", "body", "change"), KINDS, ids=[k[0] for k in KINDS])
def test_each_record_kind_goes_through_its_whole_life(
    client: TestClient, world: World, path: str, body: dict[str, Any], change: dict[str, Any]
) -> None:
    h = world["clinician_a"].headers
    base = f"/api/v1/patients/{world.patients['P1']}/{path}"
    created = client.post(base, json=body, headers=h)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert client.get(f"{base}/{rid}", headers=h).status_code == 200
    changed = client.patch(f"{base}/{rid}", json=change, headers=h)
    assert changed.status_code == 200, changed.text
    for key, value in change.items():
        got = changed.json()[key]
        if key == "sites":
            assert [(s["muscle"], s["units"]) for s in got] == [("procerus", 1.25)]
        else:
            assert got == value
    listed = client.get(base, headers=h).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == rid
    assert client.delete(f"{base}/{rid}", headers=h).status_code == 204
    assert client.get(f"{base}/{rid}", headers=h).status_code == 404
    assert client.get(base, headers=h).json()["total"] == 0


def test_a_deleted_record_stays_in_the_database(
    client: TestClient, world: World, db: Session
) -> None:
    h = world["patient_p1"].headers
    base = f"/api/v1/patients/{world.patients['P1']}/self-ratings"
    rid = client.post(base, json={"rated_on": "2026-06-01", "score": 3}, headers=h).json()["id"]
    r = client.delete(f"{base}/{rid}", headers=world["clinician_a"].headers)
    assert r.status_code == 204, r.text
    row = db.scalars(select(SelfRating).where(SelfRating.id == rid)).one()
    assert row.deleted_at is not None and row.score == 3


def test_the_diagnosis_carries_the_codes_of_its_side(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    base = f"/api/v1/patients/{world.patients['P1']}/diagnoses"
    d = client.post(base, json={"affected_side": "right"}, headers=h).json()
    assert (d["icd10"], d["snomed"]) == ("G51.31", "13753008")
    d = client.patch(f"{base}/{d['id']}", json={"affected_side": "left"}, headers=h).json()
    assert d["icd10"] == "G51.32"


def test_a_video_analysis_keeps_its_metrics_queryable(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    base = f"/api/v1/patients/{world.patients['P1']}/video-analyses"
    stored = client.post(base, json={"recorded_on": "2026-06-01", "result": RESULT}, headers=h)
    metrics = RESULT["metrics"]
    assert stored.json()["spasms_per_min"] == metrics["spasms_per_min"]
    found = client.get(
        "/api/v1/video-analyses",
        params={"min_spasms_per_min": metrics["spasms_per_min"] - 0.1, "affected_side": "left"},
        headers=h,
    ).json()
    assert found["total"] == 1 and "result" not in found["items"][0]
    none = client.get(
        "/api/v1/video-analyses",
        params={"min_spasms_per_min": metrics["spasms_per_min"] + 0.1},
        headers=h,
    ).json()
    assert none["total"] == 0
    other_clinic = client.get("/api/v1/video-analyses", headers=world["clinician_b"].headers)
    assert other_clinic.json()["total"] == 0


def test_an_adverse_effect_of_distant_spread_is_flagged_urgent(
    client: TestClient, world: World
) -> None:
    base = f"/api/v1/patients/{world.patients['P1']}/adverse-events"
    body = {"effect": "swallowing_difficulty", "severity": "moderate", "onset_on": "2026-06-10"}
    made = client.post(base, json=body, headers=world["patient_p1"].headers).json()
    assert made["urgent"] is True and made["reported_by"] == "patient"


def test_the_assessment_adds_up_the_jankovic_total(client: TestClient, world: World) -> None:
    base = f"/api/v1/patients/{world.patients['P1']}/assessments"
    body = {"assessed_on": "2026-06-01", "jankovic_severity": 3, "jankovic_frequency": 4}
    assert (
        client.post(base, json=body, headers=world["clinician_a"].headers).json()["jankovic_total"]
        == 7
    )


def test_the_timeline_holds_one_of_every_kind_of_record(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    base = f"/api/v1/patients/{world.patients['P1']}"
    for path, body, _ in KINDS:
        assert client.post(f"{base}/{path}", json=body, headers=h).status_code == 201
    t = client.get(f"{base}/timeline", headers=h)
    assert t.status_code == 200, t.text
    timeline = t.json()
    for key in (
        "diagnoses",
        "mri_studies",
        "adverse_events",
        "assessments",
        "self_ratings",
        "video_analyses",
        "surgeries",
        "sessions",
        "cycles",
    ):
        assert len(timeline[key]) == 1, key
    assert timeline["assessments"][0]["jankovic_total"] == 5
    assert timeline["adverse_events"][0]["urgent"] is False
    assert "result" not in timeline["video_analyses"][0]
    assert timeline["sessions"][0]["site_count"] == 1
    assert timeline["sessions"][0]["units_left"] == 2.5
    TimelineOut.model_validate(timeline)  # sessions are built unvalidated: check the shape
