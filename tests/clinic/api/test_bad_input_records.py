"""Bad cycles, side effects, ratings, surgery and video results are refused by field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World
from tests.clinic.api.refusals import (
    API,
    MISSING_ID,
    RESULT_FILE,
    add_session,
    assert_refused,
    case,
    listed,
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"wore_off_on": "2026-04-30"}, "wore_off_on"),
        ({"effect_began_on": "2026-04-01"}, "effect_began_on"),
        ({"wore_off_on": "2026-07-01"}, "wore_off_on"),
        ({"effect_peak_on": "2026-05-10", "effect_began_on": "2026-05-20"}, "effect_peak_on"),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_cycle_course(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    sid = add_session(client, world)
    url = f"{API}/patients/{world.patients['P1']}/cycles/{sid}"
    r = client.patch(url, json=changes, headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    cycle = client.get(url, headers=world["clinician_a"].headers).json()
    assert cycle["wore_off_on"] is None and cycle["effect_began_on"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resolved_on": "2026-05-31"}, "resolved_on"),
        ({"onset_on": "2026-06-16"}, "onset_on"),
        ({"resolved_on": "2026-06-16"}, "resolved_on"),
        ({"effect": "hiccups"}, "effect"),
        ({"severity": "deadly"}, "severity"),
        ({"session_id": MISSING_ID}, "session_id"),
        ({"session_id": 2**63}, "session_id"),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_adverse_event(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    body = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-06-01"} | changes
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/adverse-events",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, field)
    assert listed(client, world, "adverse-events") == []


def test_it_refuses_an_adverse_event_of_another_patients_session(
    client: TestClient, world: World
) -> None:
    other = add_session(client, world, patient="P2")
    body = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-06-01", "session_id": other}
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/adverse-events",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, "session_id")
    assert listed(client, world, "adverse-events") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("jankovic_severity", 5),
        ("jankovic_severity", -1),
        ("jankovic_frequency", 5),
        ("smc_grade", 0),
        ("smc_grade", 5),
        ("hfs7_total", 29),
        ("hfs30_total", 121),
        ("hfs30_total", 2.5),
        ("assessed_on", "2026-06-16"),
        ("assessed_on", "1959-12-31"),
        ("assessor_id", MISSING_ID),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_assessment(
    client: TestClient, world: World, field: str, value: Any
) -> None:
    body = {"assessed_on": "2026-06-01", field: value}
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/assessments",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, field)
    assert listed(client, world, "assessments") == []


@pytest.mark.parametrize(
    ("field", "value"), [("score", 11), ("score", -1), ("score", "bad"), ("rated_on", "2026-06-16")]
)
def test_it_refuses_an_impossible_self_rating(
    client: TestClient, world: World, field: str, value: Any
) -> None:
    body = {"rated_on": "2026-06-01", "score": 3, field: value}
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/self-ratings",
        json=body,
        headers=world["patient_p1"].headers,
    )
    assert_refused(r, 422, field)
    assert listed(client, world, "self-ratings") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recurrence_on": "2025-01-09"}, "recurrence_on"),
        ({"complications": ["stroke"]}, "complications[0]"),
        ({"side": "both"}, "side"),
        ({"outcome": "great"}, "outcome"),
        ({"surgery_on": "2026-06-16"}, "surgery_on"),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_surgery(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    body = {"surgery_on": "2025-01-10", "side": "left"} | changes
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/surgeries",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, field)
    assert listed(client, world, "surgeries") == []


def valid_result() -> dict[str, Any]:
    """A real ``hemispasm.analysis/1`` document."""
    return dict(json.loads(RESULT_FILE.read_text()))


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"schema": "x"}, "result.schema"),
        ({"schema": "hemispasm.analysis/1"}, "result.source"),
        (valid_result() | {"metrics": "none"}, "result.metrics"),
        (valid_result() | {"grades": {}}, "result.grades.caveat"),
        (valid_result() | {"affected_side": "middle"}, "result.affected_side"),
        (valid_result() | {"source": {"sha256": "abc"}}, "result.source.file"),
    ],
    ids=["other-schema", "schema-only", "metrics-not-a-map", "no-grades", "bad-side", "no-source"],
)
def test_it_refuses_a_result_that_is_not_an_analysis(
    client: TestClient, world: World, result: dict[str, Any], field: str
) -> None:
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/video-analyses",
        json={"recorded_on": "2026-06-01", "result": result},
        headers=world["clinician_a"].headers,
    )
    body = assert_refused(r, 422, field)
    assert all(e["field"].startswith("result") for e in body["errors"]), body
    assert listed(client, world, "video-analyses") == []


def test_it_accepts_a_real_analysis_result(client: TestClient, world: World) -> None:
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/video-analyses",
        json={"recorded_on": "2026-06-01", "result": valid_result()},
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["affected_side"] == "left"


def test_it_refuses_to_empty_a_field_that_has_a_default_but_cannot_be_empty(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    url = f"{API}/patients/{world.patients['P1']}/surgeries"
    created = client.post(url, json={"surgery_on": "2026-01-10", "side": "left"}, headers=h)
    assert created.status_code == 201, created.text
    surgery = f"{url}/{created.json()['id']}"
    assert_refused(client.patch(surgery, json={"outcome": None}, headers=h), 422, "outcome")
    assert client.get(surgery, headers=h).json()["outcome"] == created.json()["outcome"]
    patient = f"{API}/patients/{world.patients['P1']}"
    assert_refused(client.patch(patient, json={"sex": None}, headers=h), 422, "sex")
