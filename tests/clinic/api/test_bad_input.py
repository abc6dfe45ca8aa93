"""Bad input is refused with a 4xx naming the field, and nothing of the request is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import World

API = "/api/v1"
RESULT_FILE = Path(__file__).parents[2] / "data" / "result_synthetic_left.json"
MISSING_ID = 987_654


def assert_refused(r: httpx2.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """``r`` has ``status``, the error body (``detail``, ``errors``) and names ``field``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert isinstance(body.get("detail"), str), body
    assert isinstance(body.get("errors"), list), body
    if field is not None:
        named = {e["field"] for e in body["errors"]}
        assert field in named or body["detail"].startswith(f"{field}:"), body
    return body


def case(value: Any) -> str:
    """A short test id for one parameter (a site shows only how it differs from ``site()``)."""
    if isinstance(value, dict) and value.keys() == site().keys():
        return ",".join(f"{k}={case(v)}" for k, v in value.items() if v != site()[k]) or "ok"
    if isinstance(value, dict):
        return ",".join(f"{k}={case(v)}" for k, v in value.items())
    if isinstance(value, list):
        return f"[{len(value)} items]" if len(value) > 3 else f"[{','.join(map(case, value))}]"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 28 else text[:25] + "..."


def site(muscle: str = "orbicularis_oculi_pretarsal_upper", side: str = "left",
         units: Any = 2.5) -> dict[str, Any]:
    """One injected site."""
    return {"muscle": muscle, "side": side, "units": units}


def session_body(**changes: Any) -> dict[str, Any]:
    """A valid first session of P1, changed by ``changes``."""
    body = {
        "session_on": "2026-05-01",
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [site(), site("orbicularis_oculi_pretarsal_lower")],
    }
    return body | changes


def add_session(client: TestClient, world: World, patient: str = "P1", **changes: Any) -> int:
    """Record a session through the API; its id."""
    pid = world.patients[patient]
    r = client.post(f"{API}/patients/{pid}/sessions", json=session_body(**changes),
                    headers=world["clinician_a"].headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def listed(client: TestClient, world: World, path: str, patient: str = "P1") -> list[Any]:
    """The items of a record list of the patient."""
    pid = world.patients[patient]
    r = client.get(f"{API}/patients/{pid}/{path}", headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def patient_of(client: TestClient, world: World, patient: str = "P1") -> dict[str, Any]:
    """The patient as the API shows it."""
    url = f"{API}/patients/{world.patients[patient]}"
    r = client.get(url, headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def mrn_count(client: TestClient, world: World, mrn: str) -> int:
    """How many patients of clinic A match ``mrn``."""
    r = client.get(f"{API}/patients", params={"q": mrn}, headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


# --- patients ----------------------------------------------------------------------------------


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
    r = client.patch(f"{API}/patients/{world.patients['P2']}", json={"mrn": "A-001"},
                     headers=world["clinician_a"].headers)
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
    r = client.patch(f"{API}/patients/{world.patients['P1']}", json=changes,
                     headers=world["clinician_a"].headers)
    assert_refused(r, 409 if field == "mrn" else 422, field)
    assert patient_of(client, world) == before


@pytest.mark.parametrize("field", ["mrn", "name"])
def test_it_refuses_to_set_a_required_patient_field_to_null(
    client: TestClient, world: World, field: str
) -> None:
    r = client.patch(f"{API}/patients/{world.patients['P1']}", json={field: None},
                     headers=world["clinician_a"].headers)
    body = assert_refused(r, 422)
    assert field in body["detail"], body
    assert patient_of(client, world)[field] is not None


def test_it_refuses_a_birth_date_after_the_patients_sessions(
    client: TestClient, world: World
) -> None:
    add_session(client, world)
    r = client.patch(f"{API}/patients/{world.patients['P1']}", json={"birth_date": "2026-05-02"},
                     headers=world["clinician_a"].headers)
    assert_refused(r, 422, "birth_date")
    assert patient_of(client, world)["birth_date"] == "1960-01-01"


# --- injection sessions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sites": [site(units=-2.5)]}, "sites[0].units"),
        ({"sites": [site(units=0)]}, "sites[0].units"),
        ({"sites": [site(units=1e9)]}, "sites[0].units"),
        ({"sites": [site(units=float("nan"))]}, "sites[0].units"),
        ({"sites": [site(units=float("inf"))]}, "sites[0].units"),
        ({"sites": [site(units="abc")]}, "sites[0].units"),
        ({"sites": [site(units=True)]}, "sites[0].units"),
        ({"sites": [site(muscle="nose")]}, "sites[0].muscle"),
        ({"sites": [site(side="middle")]}, "sites[0].side"),
        ({"sites": [site()] * 61}, "sites"),
        ({"dilution_units_per_0_1_ml": 0}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": -2.5}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": 1e9}, "dilution_units_per_0_1_ml"),
        ({"product": "botox"}, "product"),
        ({"product": "other"}, "product_name"),
        ({"product": "other", "product_name": "   "}, "product_name"),
        ({"session_on": "2026-06-16"}, "session_on"),
        ({"session_on": "1959-12-31"}, "session_on"),
        ({"session_on": "not a date"}, "session_on"),
        ({"wore_off_on": "2026-04-30"}, "wore_off_on"),
        ({"effect_began_on": "2026-04-30"}, "effect_began_on"),
        ({"wore_off_on": "2026-06-16"}, "wore_off_on"),
        ({"injector_id": MISSING_ID}, "injector_id"),
        ({"injector_id": 2**63}, "injector_id"),
        ({"early_reason": "x" * 501}, "early_reason"),
    ],
    ids=case,
)
def test_it_refuses_an_impossible_session(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    pid = world.patients["P1"]
    # json.dumps writes NaN and Infinity literals; the client's json= refuses to
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    r = client.post(f"{API}/patients/{pid}/sessions", content=json.dumps(session_body(**changes)),
                    headers=h)
    assert_refused(r, 422, field)
    assert listed(client, world, "sessions") == []


def test_it_refuses_an_effect_that_began_after_it_wore_off(
    client: TestClient, world: World
) -> None:
    body = session_body(effect_began_on="2026-06-01", wore_off_on="2026-05-20")
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    named = assert_refused(r, 422)
    assert {e["field"] for e in named["errors"]} & {"effect_began_on", "wore_off_on"}, named
    assert listed(client, world, "sessions") == []


def test_it_refuses_an_injector_of_another_clinic(client: TestClient, world: World) -> None:
    body = session_body(injector_id=world["clinician_b"].user.id)
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, "injector_id")
    assert listed(client, world, "sessions") == []


def test_it_refuses_a_session_within_the_minimum_interval_without_a_reason(
    client: TestClient, world: World
) -> None:
    add_session(client, world, session_on="2026-04-01")
    body = session_body(session_on="2026-05-01")
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, "early_reason")
    assert [s["session_on"] for s in listed(client, world, "sessions")] == ["2026-04-01"]


def test_it_accepts_a_session_within_the_minimum_interval_with_a_reason(
    client: TestClient, world: World
) -> None:
    add_session(client, world, session_on="2026-04-01")
    body = session_body(session_on="2026-05-01", early_reason="spasms back after 3 weeks")
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (site("zygomaticus_major", units=-1), "sites[1].units"),
        (site("nose"), "sites[1].muscle"),
        (site(side="middle"), "sites[1].side"),
    ],
    ids=case,
)
def test_a_session_with_one_bad_site_writes_nothing(
    client: TestClient, world: World, bad: dict[str, Any], field: str
) -> None:
    body = session_body(sites=[site(), bad, site("corrugator")])
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert listed(client, world, "sessions") == []
    assert patient_of(client, world)["next_due_on"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"product": "other"}, "product_name"),
        ({"wore_off_on": "2026-05-31"}, "wore_off_on"),
        ({"session_on": "2026-06-16"}, "session_on"),
    ],
    ids=case,
)
def test_a_session_refused_by_the_clinic_rules_writes_nothing(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    add_session(client, world, session_on="2026-03-01")
    before = patient_of(client, world)
    body = session_body(**({"session_on": "2026-06-01"} | changes))
    r = client.post(f"{API}/patients/{world.patients['P1']}/sessions", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert [s["session_on"] for s in listed(client, world, "sessions")] == ["2026-03-01"]
    assert patient_of(client, world)["next_due_on"] == before["next_due_on"] == "2026-05-24"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sites": [site("corrugator"), site("nose")]}, "sites[1].muscle"),
        ({"sites": [site("corrugator"), site(units=0)]}, "sites[1].units"),
        ({"sites": [site("corrugator")], "product": "other"}, "product_name"),
        ({"sites": [site("corrugator")], "wore_off_on": "2026-04-01"}, "wore_off_on"),
        ({"sites": [site("corrugator")], "dilution_units_per_0_1_ml": 0},
         "dilution_units_per_0_1_ml"),
    ],
    ids=case,
)
def test_a_refused_session_correction_keeps_the_old_sites(
    client: TestClient, world: World, changes: dict[str, Any], field: str
) -> None:
    sid = add_session(client, world)
    url = f"{API}/patients/{world.patients['P1']}/sessions/{sid}"
    h = world["clinician_a"].headers
    before = client.get(url, headers=h).json()
    r = client.patch(url, json=changes, headers=h)
    assert_refused(r, 422, field)
    after = client.get(url, headers=h).json()
    assert after["sites"] == before["sites"]
    assert after["product"] == "onabotulinumtoxinA" and after["wore_off_on"] is None


@pytest.mark.parametrize("field", ["session_on", "product", "dilution_units_per_0_1_ml"])
def test_it_refuses_to_set_a_required_session_field_to_null(
    client: TestClient, world: World, field: str
) -> None:
    sid = add_session(client, world)
    url = f"{API}/patients/{world.patients['P1']}/sessions/{sid}"
    h = world["clinician_a"].headers
    r = client.patch(url, json={field: None}, headers=h)
    body = assert_refused(r, 422)
    assert field in body["detail"], body
    assert client.get(url, headers=h).json()[field] == session_body()[field]


# --- cycles, adverse events, assessments, self-ratings, surgery, video ------------------------


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
    r = client.post(f"{API}/patients/{world.patients['P1']}/adverse-events", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert listed(client, world, "adverse-events") == []


def test_it_refuses_an_adverse_event_of_another_patients_session(
    client: TestClient, world: World
) -> None:
    other = add_session(client, world, patient="P2")
    body = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-06-01", "session_id": other}
    r = client.post(f"{API}/patients/{world.patients['P1']}/adverse-events", json=body,
                    headers=world["clinician_a"].headers)
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
    r = client.post(f"{API}/patients/{world.patients['P1']}/assessments", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert listed(client, world, "assessments") == []


@pytest.mark.parametrize(
    ("field", "value"), [("score", 11), ("score", -1), ("score", "bad"), ("rated_on", "2026-06-16")]
)
def test_it_refuses_an_impossible_self_rating(
    client: TestClient, world: World, field: str, value: Any
) -> None:
    body = {"rated_on": "2026-06-01", "score": 3, field: value}
    r = client.post(f"{API}/patients/{world.patients['P1']}/self-ratings", json=body,
                    headers=world["patient_p1"].headers)
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
    r = client.post(f"{API}/patients/{world.patients['P1']}/surgeries", json=body,
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, field)
    assert listed(client, world, "surgeries") == []


def valid_result() -> dict[str, Any]:
    """A real ``hemispasm.analysis/1`` document."""
    return dict(json.loads(RESULT_FILE.read_text()))


@pytest.mark.parametrize(
    "result",
    [
        {"schema": "x"},
        {"schema": "hemispasm.analysis/1"},
        valid_result() | {"metrics": "none"},
        valid_result() | {"grades": {}},
        valid_result() | {"affected_side": "middle"},
        valid_result() | {"source": {"sha256": "abc"}},
    ],
    ids=["other-schema", "schema-only", "metrics-not-a-map", "no-grades", "bad-side", "no-source"],
)
def test_it_refuses_a_result_that_is_not_an_analysis(
    client: TestClient, world: World, result: dict[str, Any]
) -> None:
    r = client.post(f"{API}/patients/{world.patients['P1']}/video-analyses",
                    json={"recorded_on": "2026-06-01", "result": result},
                    headers=world["clinician_a"].headers)
    assert_refused(r, 422, "result")
    assert listed(client, world, "video-analyses") == []


def test_it_accepts_a_real_analysis_result(client: TestClient, world: World) -> None:
    r = client.post(f"{API}/patients/{world.patients['P1']}/video-analyses",
                    json={"recorded_on": "2026-06-01", "result": valid_result()},
                    headers=world["clinician_a"].headers)
    assert r.status_code == 201, r.text
    assert r.json()["affected_side"] == "left"


# --- the body itself ---------------------------------------------------------------------------


def test_it_refuses_malformed_json(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    r = client.post(f"{API}/patients", content=b'{"mrn": ', headers=h)
    body = assert_refused(r, 422, "body")
    assert "not valid JSON" in body["detail"]


@pytest.mark.parametrize("payload", [[{"mrn": "A-500", "name": "Demo"}], "A-500", 42, None])
def test_it_refuses_json_that_is_not_an_object(
    client: TestClient, world: World, payload: Any
) -> None:
    r = client.post(f"{API}/patients", json=payload, headers=world["clinician_a"].headers)
    assert_refused(r, 422, "body")
    assert mrn_count(client, world, "A-500") == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_refuses_a_body_that_is_not_sent_as_json(
    client: TestClient, world: World, content_type: str
) -> None:
    h = world["clinician_a"].headers | {"content-type": content_type}
    r = client.post(f"{API}/patients", content=b'{"mrn": "A-500", "name": "Demo"}', headers=h)
    assert_refused(r, 422, "body")
    assert mrn_count(client, world, "A-500") == 0


def padded_patient(total_bytes: int) -> bytes:
    """A valid patient body, padded with whitespace to ``total_bytes``."""
    head, tail = b'{"mrn": "A-777", "name": "Demo Patient Large"', b"}"
    return head + b" " * (total_bytes - len(head) - len(tail)) + tail


def streamed(data: bytes, chunk_bytes: int = 64_000) -> Iterator[bytes]:
    """``data`` in chunks, sent without a Content-Length."""
    for start in range(0, len(data), chunk_bytes):
        yield data[start:start + chunk_bytes]


def test_it_refuses_a_body_declared_larger_than_the_limit(
    client: TestClient, world: World, settings: Settings
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    data = padded_patient(settings.max_body_bytes + 1)
    r = client.post(f"{API}/patients", content=data, headers=h)
    assert_refused(r, 413, "body")
    assert mrn_count(client, world, "A-777") == 0


@pytest.mark.parametrize("send", [bytes, streamed], ids=["declared", "streamed"])
def test_it_accepts_a_body_at_the_limit(
    client: TestClient, world: World, settings: Settings, send: Any
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    r = client.post(f"{API}/patients", content=send(padded_patient(settings.max_body_bytes)),
                    headers=h)
    assert r.status_code == 201, r.text


def test_it_refuses_a_streamed_body_larger_than_the_limit(
    client: TestClient, world: World, settings: Settings
) -> None:
    h = world["clinician_a"].headers | {"content-type": "application/json"}
    data = padded_patient(settings.max_body_bytes + 100_000)
    r = client.post(f"{API}/patients", content=streamed(data), headers=h)
    assert "content-length" not in r.request.headers
    assert mrn_count(client, world, "A-777") == 0
    assert_refused(r, 413, "body")


# --- paths and queries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/patients/abc", "patient_id"),
        ("/patients/1.5", "patient_id"),
        ("/patients/{P1}/sessions/abc", "record_id"),
        ("/patients/{P1}/cycles/1e3", "record_id"),
        ("/patients/abc/timeline", "patient_id"),
        ("/patients/0", "patient_id"),
        (f"/patients/{2**31}", "patient_id"),
        ("/patients/{P1}/sessions/" + str(2**63), "record_id"),
    ],
)
def test_it_refuses_an_id_that_is_not_a_positive_32_bit_integer(
    client: TestClient, world: World, path: str, field: str
) -> None:
    url = API + path.format(P1=world.patients["P1"])
    assert_refused(client.get(url, headers=world["clinician_a"].headers), 422, field)


@pytest.mark.parametrize(
    "path",
    [
        f"/patients/{MISSING_ID}",
        f"/patients/{MISSING_ID}/timeline",
        "/patients/{Q1}",
        "/patients/{P1}/sessions/" + str(MISSING_ID),
        "/patients/{P1}/cycles/" + str(MISSING_ID),
        "/patients/{P1}/surgeries/" + str(MISSING_ID),
    ],
)
def test_it_answers_not_found_for_an_id_that_does_not_exist(
    client: TestClient, world: World, path: str
) -> None:
    url = API + path.format(P1=world.patients["P1"], Q1=world.patients["Q1"])
    assert_refused(client.get(url, headers=world["clinician_a"].headers), 404)


def test_it_answers_not_found_when_correcting_a_record_that_does_not_exist(
    client: TestClient, world: World
) -> None:
    r = client.patch(f"{API}/patients/{world.patients['P1']}/sessions/{MISSING_ID}",
                     json={"notes": "x"}, headers=world["clinician_a"].headers)
    assert_refused(r, 404)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/patients", {"page": 0}, "page"),
        ("/patients", {"page": -1}, "page"),
        ("/patients", {"page_size": 1000}, "page_size"),
        ("/patients", {"page_size": 0}, "page_size"),
        ("/patients", {"page": "first"}, "page"),
        ("/patients", {"due": "sometimes"}, "due"),
        ("/patients", {"product": "botox"}, "product"),
        ("/patients", {"q": "x" * 101}, "q"),
        ("/patients/{P1}/sessions", {"page": 0}, "page"),
        ("/patients/{P1}/sessions", {"page_size": 1000}, "page_size"),
    ],
)
def test_it_refuses_an_impossible_query(
    client: TestClient, world: World, path: str, params: dict[str, Any], field: str
) -> None:
    url = API + path.format(P1=world.patients["P1"])
    assert_refused(client.get(url, params=params, headers=world["clinician_a"].headers), 422, field)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/no-such-thing", 404), ("PUT", "/patients", 405), ("DELETE", "/patients", 405)],
)
def test_an_unknown_route_or_method_answers_in_the_error_shape(
    client: TestClient, world: World, method: str, path: str, status: int
) -> None:
    r = client.request(method, API + path, headers=world["clinician_a"].headers)
    assert_refused(r, status)
