"""The pages say who reported each record a patient can report too: the patient or the clinic."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World
from tests.clinic.bodies import session_body
from tests.clinic.web.conftest import log_in, text_of

API = "/api/v1"


def _post(client: TestClient, world: World, who: str, kind: str, body: Any) -> int:
    pid = world.patients["P1"]
    r = client.post(f"{API}/patients/{pid}/{kind}", json=body, headers=world[who].headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _history(client: TestClient, world: World) -> None:
    """P1: one rating of their own and one the clinic entered; the clinic recorded when the
    older injection began to work, P1 when the newer one did."""
    older = _post(client, world, "clinician_a", "sessions", session_body("2026-02-02"))
    newer = _post(client, world, "clinician_a", "sessions", session_body("2026-05-01"))
    _post(client, world, "patient_p1", "self-ratings", {"rated_on": "2026-06-01", "score": 4})
    _post(client, world, "clinician_a", "self-ratings", {"rated_on": "2026-06-02", "score": 6})
    base = f"{API}/patients/{world.patients['P1']}/cycles"
    for who, cycle, began in (
        ("clinician_a", older, "2026-02-06"),
        ("patient_p1", newer, "2026-05-04"),
    ):
        r = client.patch(
            f"{base}/{cycle}", json={"effect_began_on": began}, headers=world[who].headers
        )
        assert r.status_code == 200, r.text


def test_the_clinicians_patient_page_says_who_reported_each_rating_and_cycle(
    client: TestClient, world: World
) -> None:
    _history(client, world)
    log_in(client, "clinician_a")

    text = text_of(client.get(f"/patients/{world.patients['P1']}").text)

    assert "2 Jun 2026 6 the clinic" in text
    assert "1 Jun 2026 4 the patient" in text
    assert "1 May 2026 4 May 2026 — — — The patient" in text
    assert "2 Feb 2026 6 Feb 2026 — — — The clinic" in text


def test_the_patients_own_pages_say_what_the_clinic_recorded(
    client: TestClient, world: World
) -> None:
    _history(client, world)
    log_in(client, "patient_p1")

    me = text_of(client.get("/me").text)
    assert "1 May 2026 4 May 2026 — — — Me" in me
    assert "2 Feb 2026 6 Feb 2026 — — — The clinic" in me
    diary = text_of(client.get("/me/diary").text)
    assert "2 Jun 2026 6 of 10 Entered by the clinic" in diary
    assert "1 Jun 2026 4 of 10 Entered" not in diary


def test_the_diary_refuses_to_change_a_course_the_clinic_recorded_and_says_why(
    client: TestClient, world: World
) -> None:
    _history(client, world)
    base = f"{API}/patients/{world.patients['P1']}/cycles"
    clinician = world["clinician_a"].headers
    newest = client.get(base, headers=clinician).json()["items"][0]
    r = client.patch(
        f"{base}/{newest['id']}", json={"effect_began_on": "2026-05-05"}, headers=clinician
    )
    assert r.json()["course_reported_by"] == "clinician"
    token = log_in(client, "patient_p1")

    page = client.post(
        "/me/diary/wore-off", data={"wore_off_on": "2026-06-10", "csrf_token": token}
    )

    assert page.status_code == 403
    assert "your clinic recorded this cycle" in text_of(page.text)
    after = client.get(f"{base}/{newest['id']}", headers=clinician).json()
    assert after["wore_off_on"] is None and after["effect_began_on"] == "2026-05-05"
