"""Bad injection sessions are refused with the field named, and nothing is written."""

from __future__ import annotations

import json
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
    listed,
    patient_of,
    session_body,
    site,
)


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
        ({"sites": [site(units=1e-320)]}, "sites[0].units"),
        ({"sites": [site(units=2.555)]}, "sites[0].units"),
        ({"sites": [site(muscle="nose")]}, "sites[0].muscle"),
        ({"sites": [site(side="middle")]}, "sites[0].side"),
        ({"sites": [site()] * 61}, "sites"),
        ({"dilution_units_per_0_1_ml": 0}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": -2.5}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": 1e9}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": 1e-320}, "dilution_units_per_0_1_ml"),
        ({"dilution_units_per_0_1_ml": 3.333}, "dilution_units_per_0_1_ml"),
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
    r = client.post(
        f"{API}/patients/{pid}/sessions", content=json.dumps(session_body(**changes)), headers=h
    )
    assert_refused(r, 422, field)
    assert listed(client, world, "sessions") == []


def test_it_refuses_an_effect_that_began_after_it_wore_off(
    client: TestClient, world: World
) -> None:
    body = session_body(effect_began_on="2026-06-01", wore_off_on="2026-05-20")
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    named = assert_refused(r, 422)
    assert {e["field"] for e in named["errors"]} & {"effect_began_on", "wore_off_on"}, named
    assert listed(client, world, "sessions") == []


def test_it_refuses_an_injector_of_another_clinic(client: TestClient, world: World) -> None:
    body = session_body(injector_id=world["clinician_b"].user.id)
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, "injector_id")
    assert listed(client, world, "sessions") == []


def test_it_refuses_a_session_within_the_minimum_interval_without_a_reason(
    client: TestClient, world: World
) -> None:
    add_session(client, world, session_on="2026-04-01")
    body = session_body(session_on="2026-05-01")
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, "early_reason")
    assert [s["session_on"] for s in listed(client, world, "sessions")] == ["2026-04-01"]


def test_it_accepts_a_session_within_the_minimum_interval_with_a_reason(
    client: TestClient, world: World
) -> None:
    add_session(client, world, session_on="2026-04-01")
    body = session_body(session_on="2026-05-01", early_reason="spasms back after 3 weeks")
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
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
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
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
    r = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
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
        (
            {"sites": [site("corrugator")], "dilution_units_per_0_1_ml": 0},
            "dilution_units_per_0_1_ml",
        ),
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
