"""The urgent tab of the worklist, the header's count, the numbers a patient is given with an
urgent report, and the worklist's search over every tab."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from hemispasm.clinic.web.i18n import format_moment
from tests.clinic.api.conftest import World
from tests.clinic.api.test_urgent_reports import report
from tests.clinic.web.conftest import csrf_token, log_in, text_of

BADGE = re.compile(
    r'<a href="/worklist/urgent">Urgent <span class="badge" id="urgent-count">(\d+)<'
)


def badge(html: str) -> int:
    """The header's count of urgent reports (0 when it shows none)."""
    match = BADGE.search(html)
    return int(match.group(1)) if match else 0


def test_the_header_counts_the_urgent_reports_on_every_clinician_page(
    client: TestClient, world: World
) -> None:
    report(client, world, "P1", "patient_p1", "swallowing_difficulty")
    report(client, world, "P2", "patient_p2", "breathing_difficulty")
    report(client, world, "P2", "patient_p2", "tearing")
    log_in(client, "clinician_a")
    for path in ("/worklist", f"/patients/{world.patients['P1']}", "/patients/new"):
        assert badge(client.get(path).text) == 2, path


def test_a_patient_sees_no_urgent_link(client: TestClient, world: World) -> None:
    report(client, world, "P1", "patient_p1", "swallowing_difficulty")
    log_in(client, "patient_p1")
    html = client.get("/me").text
    assert "/worklist/urgent" not in html
    assert client.get("/worklist/urgent").status_code == 403


def test_the_clinician_acknowledges_a_report_and_it_leaves_the_tab(
    client: TestClient, world: World
) -> None:
    record_id = report(client, world, "P1", "patient_p1", "swallowing_difficulty", notes="choking")
    token = log_in(client, "clinician_a")
    html = client.get("/worklist/urgent").text
    text = text_of(html)
    assert "1 report waiting" in text and "Demo Patient P1" in text and "“choking”" in text
    assert f'href="/patients/{world.patients["P1"]}"' in html
    action = f"/worklist/urgent/{world.patients['P1']}/{record_id}/acknowledge"
    assert f'action="{action}"' in html and badge(html) == 1

    response = client.post(action, data={"csrf_token": token})
    assert response.status_code == 303, response.text
    after = client.get(response.headers["location"]).text
    assert "Acknowledged." in text_of(after) and "No urgent report waits." in text_of(after)
    assert badge(after) == 0


def test_an_acknowledgement_without_the_form_token_is_refused_and_changes_nothing(
    client: TestClient, world: World
) -> None:
    record_id = report(client, world, "P1", "patient_p1", "breathing_difficulty")
    log_in(client, "clinician_a")
    action = f"/worklist/urgent/{world.patients['P1']}/{record_id}/acknowledge"
    assert client.post(action, data={"csrf_token": "forged"}).status_code == 403
    assert badge(client.get("/worklist").text) == 1


def test_an_urgent_report_gives_the_patient_numbers_to_tap(
    client: TestClient, world: World
) -> None:
    r = client.patch(
        "/api/v1/clinic", json={"phone": "+1 202 555 0100"}, headers=world["admin_a"].headers
    )
    assert r.status_code == 200, r.text
    token = log_in(client, "patient_p1")
    data = {
        "csrf_token": token,
        "effect": "swallowing_difficulty",
        "severity": "severe",
        "onset_on": "2026-06-14",
    }
    response = client.post("/me/diary/side-effect", data=data)
    assert response.status_code == 303, response.text
    html = client.get(response.headers["location"]).text
    alert = re.search(r'<div class="urgent-alert" role="alert".*?</div>', html, re.S)
    assert alert, "no urgent message"
    assert 'href="tel:112"' in alert.group(0)
    assert 'href="tel:+12025550100"' in alert.group(0)


def test_without_a_clinic_number_the_patient_is_told_where_to_find_it(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "patient_p1")
    data = {"csrf_token": token, "effect": "breathing_difficulty", "severity": "mild"}
    html = client.get(
        client.post("/me/diary/side-effect", data=data | {"onset_on": "2026-06-14"}).headers[
            "location"
        ]
    ).text
    assert 'href="tel:112"' in html and "number on your appointment letter" in html


def test_a_search_from_any_tab_finds_patients_of_every_tab(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    assert "Demo Patient P2" not in text_of(client.get("/worklist?due=overdue").text)
    for tab in ("overdue", "due_soon", "due_this_week", "", "urgent"):
        html = client.get(f"/worklist?due={tab}&q=A-002").text
        text = text_of(html)
        assert "1 patient matching “A-002”, searched among all patients" in text, tab
        assert "Demo Patient P2" in text, tab
        clear = "/worklist/urgent" if tab == "urgent" else f"/worklist?due={tab}"
        assert f'<a href="{clear}">Clear the search</a>' in html, tab


def test_the_urgent_tab_has_the_search_and_a_search_there_goes_to_all_patients(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    html = client.get("/worklist/urgent").text
    assert 'action="/worklist"' in html and 'name="due" value="urgent"' in html
    assert client.get("/worklist?due=urgent").headers["location"] == "/worklist/urgent"
    token = csrf_token(html)
    assert token


def test_the_numbers_to_tap_are_offered_in_spanish_too(client: TestClient, world: World) -> None:
    token = log_in(client, "patient_p1")
    client.cookies.set("lang", "es")
    data = {"csrf_token": token, "effect": "breathing_difficulty", "severity": "severe"}
    response = client.post("/me/diary/side-effect", data=data | {"onset_on": "2026-06-14"})
    html = client.get(response.headers["location"]).text
    assert '<html lang="es">' in html
    assert "Emergencias: llame al" in text_of(html) and 'href="tel:112"' in html


def test_the_time_of_a_report_is_shown_in_the_clinics_time_zone(
    client: TestClient, world: World
) -> None:
    r = client.patch(
        "/api/v1/clinic", json={"time_zone": "Asia/Kolkata"}, headers=world["admin_a"].headers
    )
    assert r.status_code == 200, r.text
    report(client, world, "P1", "patient_p1", "swallowing_difficulty")
    (item,) = client.get("/api/v1/urgent-reports", headers=world["clinician_a"].headers).json()[
        "items"
    ]
    reported_at = datetime.fromisoformat(item["reported_at"])
    log_in(client, "clinician_a")
    text = text_of(client.get("/worklist/urgent").text)
    assert format_moment(reported_at, "Asia/Kolkata", "en") in text
    assert format_moment(reported_at, "UTC", "en") not in text  # 5 h 30 min apart


def test_the_patient_page_offers_to_acknowledge_and_comes_back_to_it(
    client: TestClient, world: World
) -> None:
    record_id = report(client, world, "P1", "patient_p1", "breathing_difficulty")
    report(client, world, "P1", "clinician_a", "swallowing_difficulty")  # the clinic knows
    token = log_in(client, "clinician_a")
    page = f"/patients/{world.patients['P1']}"
    action = f"/worklist/urgent/{world.patients['P1']}/{record_id}/acknowledge"
    html = client.get(page).text
    assert html.count('class="urgent-acknowledge"') == 1 and f'action="{action}"' in html

    response = client.post(action, data={"csrf_token": token, "back": page})
    assert response.status_code == 303 and response.headers["location"] == page
    html = client.get(page).text
    assert 'class="urgent-acknowledge"' not in html and badge(html) == 0


def test_an_acknowledgement_never_sends_the_browser_elsewhere(
    client: TestClient, world: World
) -> None:
    record_id = report(client, world, "P1", "patient_p1", "breathing_difficulty")
    token = log_in(client, "clinician_a")
    action = f"/worklist/urgent/{world.patients['P1']}/{record_id}/acknowledge"
    response = client.post(action, data={"csrf_token": token, "back": "https://example.org/"})
    assert response.headers["location"].startswith("/worklist/urgent?acknowledged=")
