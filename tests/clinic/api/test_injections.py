"""Injection sessions, the schedule they set, cycles and worklists."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.clinic.api.conftest import TODAY, World
from tests.clinic.bodies import session_body


def test_the_next_due_date_follows_the_latestsession_body(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    pid = world.patients["P1"]
    first = client.post(
        f"/api/v1/patients/{pid}/sessions", json=session_body(date(2025, 12, 1)), headers=h
    ).json()
    client.post(f"/api/v1/patients/{pid}/sessions", json=session_body(date(2026, 3, 2)), headers=h)
    p = client.get(f"/api/v1/patients/{pid}", headers=h).json()
    assert p["last_session_on"] == "2026-03-02" and p["next_due_on"] == "2026-05-25"
    late = client.delete(f"/api/v1/patients/{pid}/sessions/{first['id']}", headers=h)
    assert late.status_code == 204
    s = client.get(f"/api/v1/patients/{pid}/summary", headers=world["patient_p1"].headers).json()
    assert s["schedule"] == {
        "last_session_on": "2026-03-02",
        "next_due_on": "2026-05-25",
        "earliest_allowed_on": "2026-05-25",
        "status": "overdue",
    }


def test_an_early_session_needs_a_reason(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    base = f"/api/v1/patients/{world.patients['P1']}/sessions"
    client.post(base, json=session_body(TODAY - timedelta(days=40)), headers=h)
    refused = client.post(base, json=session_body(TODAY), headers=h)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "early_reason"
    allowed = client.post(
        base, json=session_body(TODAY, early_reason="spasms back early"), headers=h
    )
    assert allowed.status_code == 201


def test_the_session_warns_above_the_clinics_limits(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    body = session_body(
        TODAY,
        sites=[
            {"muscle": "orbicularis_oculi_preseptal", "side": side, "units": 5.0}
            for side in ("left", "right")
        ]
        * 6,
    )
    s = client.post(
        f"/api/v1/patients/{world.patients['P1']}/sessions", json=body, headers=h
    ).json()
    assert s["total_units"] == 60 and s["units_left"] == 30 and s["units_right"] == 30
    assert [w["scope"] for w in s["warnings"]] == ["session"]
    assert "50 U" in s["warnings"][0]["message"]
    lower = client.patch(
        "/api/v1/clinic",
        json={
            "dose_limits": [
                {
                    "product": "onabotulinumtoxinA",
                    "max_units_per_site": 4,
                    "max_units_per_session": 100,
                }
            ]
        },
        headers=world["admin_a"].headers,
    )
    assert lower.status_code == 200, lower.text
    again = client.get(
        f"/api/v1/patients/{world.patients['P1']}/sessions/{s['id']}", headers=h
    ).json()
    assert len(again["warnings"]) == 12 and all(w["limit"] == 4 for w in again["warnings"])


def test_a_patient_reports_when_the_effect_began_and_wore_off(
    client: TestClient, world: World
) -> None:
    pid = world.patients["P1"]
    ids = [
        client.post(
            f"/api/v1/patients/{pid}/sessions",
            json=session_body(on),
            headers=world["clinician_a"].headers,
        ).json()["id"]
        for on in (date(2025, 6, 2), date(2025, 9, 1), date(2025, 12, 1), date(2026, 3, 2))
    ]
    me = world["patient_p1"].headers
    for sid, days in zip(ids[:3], (100, 90, 80), strict=True):
        on = client.get(f"/api/v1/patients/{pid}/cycles/{sid}", headers=me).json()["session_on"]
        began = date.fromisoformat(on) + timedelta(days=4)
        r = client.patch(
            f"/api/v1/patients/{pid}/cycles/{sid}",
            json={
                "effect_began_on": began.isoformat(),
                "wore_off_on": (began + timedelta(days=days)).isoformat(),
            },
            headers=me,
        )
        assert r.status_code == 200, r.text
        assert r.json()["effect_days"] == days and r.json()["course_reported_by"] == "patient"
    summary = client.get(f"/api/v1/patients/{pid}/summary", headers=me).json()
    assert summary["effect_trend_days_per_cycle"] == -10.0
    assert "estimates" in summary["caveat"]
    refused = client.patch(
        f"/api/v1/patients/{pid}/sessions/{ids[0]}", json={"notes": "x"}, headers=me
    )
    assert refused.status_code == 403


def test_worklists_find_who_is_overdue_due_soon_and_due_this_week(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    ids = {}
    for mrn, last in (("W-1", 100), ("W-2", 80), ("W-3", 30), ("W-4", 85)):
        pid = client.post(
            "/api/v1/patients", json={"mrn": mrn, "name": f"Demo {mrn}"}, headers=h
        ).json()["id"]
        client.post(
            f"/api/v1/patients/{pid}/sessions",
            json=session_body(TODAY - timedelta(last)),
            headers=h,
        )
        ids[mrn] = pid

    # due = last + 84 days: W-1 16 days ago, W-4 yesterday, W-2 in 4 days, W-3 in 54 days
    def names(**params: str) -> list[str]:
        page = client.get("/api/v1/patients", params=params, headers=h).json()
        return [p["mrn"] for p in page["items"]]

    assert names(due="overdue") == ["W-1", "W-4"]
    assert names(due="due_soon") == ["W-2"]
    # TODAY (2026-06-15) is a Monday: this week runs to Sunday 2026-06-21
    assert names(due="due_this_week") == ["W-2"]
    assert names(q="w-3") == ["W-3"]
    assert names(product="onabotulinumtoxinA", page_size="2") == ["W-1", "W-2"]
    assert names(due="overdue", clinician_id=str(world["clinician_a"].user.id)) == []


def test_it_refuses_a_product_that_expired_before_thesession_body(
    client: TestClient, world: World
) -> None:
    body = session_body(TODAY, expiry_on=(TODAY - timedelta(days=1)).isoformat(), lot="L-1")
    r = client.post(
        f"/api/v1/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expiry_on"


def test_a_patient_cured_by_decompression_leaves_the_worklist_until_the_spasm_returns(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    pid = world.patients["P1"]
    client.post(
        f"/api/v1/patients/{pid}/sessions", json=session_body(TODAY - timedelta(100)), headers=h
    )

    def overdue() -> list[int]:
        page = client.get("/api/v1/patients", params={"due": "overdue"}, headers=h).json()
        return [p["id"] for p in page["items"]]

    assert overdue() == [pid]
    surgery = {"surgery_on": (TODAY - timedelta(60)).isoformat(), "side": "left",
               "outcome": "complete"}  # fmt: skip
    r = client.post(f"/api/v1/patients/{pid}/surgeries", json=surgery, headers=h)
    assert r.status_code == 201, r.text
    schedule = client.get(f"/api/v1/patients/{pid}/timeline", headers=h).json()["schedule"]
    assert schedule["status"] == "stopped_after_surgery" and schedule["next_due_on"] is None
    assert overdue() == []

    back = {"recurrence_on": (TODAY - timedelta(10)).isoformat()}
    r = client.patch(f"/api/v1/patients/{pid}/surgeries/{r.json()['id']}", json=back, headers=h)
    assert r.status_code == 200, r.text
    assert overdue() == [pid]
