"""The printable visit summary, its PDF and the next injection as a calendar file."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import Connection, select

from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.services.calendar_file import build_calendar
from hemispasm.clinic.web.i18n import format_day
from tests.clinic.api.conftest import World
from tests.clinic.bodies import session_body, site
from tests.clinic.web.conftest import log_in, text_of

RESULT = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "result_synthetic_left.json").read_text()
)
VISIT = date(2026, 6, 1)
NEXT_DUE = date(2026, 8, 24)  # 84 days (clinic A's interval) after the visit
BOTOX = "onabotulinumtoxinA (Botox)"
XEOMIN = "incobotulinumtoxinA (Xeomin)"


def _post(client: TestClient, world: World, path: str, body: Any) -> Any:
    r = client.post(
        f"/api/v1/patients/{world.patients['P1']}/{path}",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def visit(client: TestClient, world: World) -> dict[str, int]:
    """P1: a cycle in March that lasted 80 days, then a visit on 2026-06-01 with two products.

    Botox: left 2.5 + 2.5 + 5 = 10 U, right 2.5 U (12.5 U). Xeomin at the same visit (a second
    session with a reason): right 5 U, left 2.5 U (7.5 U).
    """
    march = _post(
        client,
        world,
        "sessions",
        session_body("2026-03-02", effect_began_on="2026-03-06", wore_off_on="2026-05-25"),
    )
    _post(client, world, "diagnoses", {"affected_side": "left", "onset_on": "2019-03-01"})
    botox = _post(
        client,
        world,
        "sessions",
        session_body(
            VISIT,
            sites=[
                site("orbicularis_oculi_pretarsal_upper", "left", 2.5),
                site("orbicularis_oculi_pretarsal_lower", "left", 2.5),
                site("zygomaticus_major", "left", 5),
                site("frontalis", "right", 2.5),
            ],
        ),
    )
    xeomin = _post(
        client,
        world,
        "sessions",
        session_body(
            VISIT,
            product="incobotulinumtoxinA",
            early_reason="second product at the same visit",
            sites=[site("procerus", "right", 5), site("corrugator", "left", 2.5)],
        ),
    )
    return {"march": march["id"], "botox": botox["id"], "xeomin": xeomin["id"]}


def _summary_url(world: World, session_id: int, patient: str = "P1", suffix: str = "") -> str:
    return f"/patients/{world.patients[patient]}/sessions/{session_id}/summary{suffix}"


def test_the_summary_page_totals_each_product_per_side_and_never_across_products(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    r = client.get(_summary_url(world, visit["xeomin"]))
    assert r.status_code == 200, r.text
    text = text_of(r.text)
    assert f"{BOTOX} 2.5 U 10 U 12.5 U" in text
    assert f"{XEOMIN} 5 U 2.5 U 7.5 U" in text
    assert "20 U" not in text  # units of two products are not added up
    assert "record number A-001" in text
    assert f"Due on {format_day(NEXT_DUE, 'en')}" in text
    assert "80 days" in text  # the March cycle's effect, from its onset to wear-off
    assert r.text.count('class="facemap-svg"') == 2  # one map per product
    assert len(set(re.findall(r'id="([^"]+)"', r.text))) == len(re.findall(r'id="', r.text))


def test_the_summary_shows_the_latest_video_measures_as_estimates(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    page = text_of(client.get(_summary_url(world, visit["botox"])).text)
    assert "No video analysed yet." in page
    _post(client, world, "video-analyses", {"recorded_on": "2026-06-10", "result": RESULT})
    page = text_of(client.get(_summary_url(world, visit["botox"])).text)
    assert "Latest video measures estimates" in page
    assert "Spasms per minute (estimate)" in page
    assert "Video measures are estimates" in page


def test_the_session_page_links_to_its_summary(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    page = client.get(f"/patients/{world.patients['P1']}/sessions/{visit['botox']}").text
    assert f'href="{_summary_url(world, visit["botox"])}"' in page


def _pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_pdf_is_an_attachment_with_the_record_number_and_the_totals(
    client: TestClient, world: World, visit: dict[str, int], connection: Connection
) -> None:
    log_in(client, "clinician_a")
    r = client.get(_summary_url(world, visit["botox"], suffix=".pdf"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition == 'attachment; filename="visit-summary-A-001-2026-06-01.pdf"'
    assert r.content.startswith(b"%PDF")
    text = " ".join(_pdf_text(r.content).split())
    assert "A-001" in text
    assert f"{BOTOX} 2.5 U 10 U 12.5 U" in text
    assert f"{XEOMIN} 5 U 2.5 U 7.5 U" in text
    assert "estimate" in text
    exports = connection.execute(
        select(AuditEvent.user_id, AuditEvent.detail).where(
            AuditEvent.action == "export",
            AuditEvent.entity == "visit_summary",
            AuditEvent.patient_id == world.patients["P1"],
        )
    ).all()
    assert exports == [(world["clinician_a"].user.id, exports[0][1])]
    assert '"format":"pdf"' in exports[0][1]


def _ics(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith("attachment;")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_patient_downloads_their_next_injection_as_an_all_day_event(
    client: TestClient, world: World, visit: dict[str, int], connection: Connection
) -> None:
    log_in(client, "patient_p1")
    assert 'href="/me/next-injection.ics"' in client.get("/me").text
    event = _ics(client.get("/me/next-injection.ics"))
    assert event.decoded("dtstart") == NEXT_DUE
    assert event.decoded("dtend") == date(2026, 8, 25)  # exclusive: one whole day
    assert str(event["summary"]) == "Botulinum toxin injection due"
    assert isinstance(event.decoded("dtstamp"), datetime)
    text = event.to_ical().decode()
    for private in ("A-001", "Demo Patient", "Botox", "onabotulinumtoxinA", "left"):
        assert private not in text
    audited = (
        connection.execute(
            select(AuditEvent.user_id).where(
                AuditEvent.action == "export", AuditEvent.entity == "next_injection_calendar"
            )
        )
        .scalars()
        .all()
    )
    assert audited == [world["patient_p1"].user.id]


def test_the_clinicians_calendar_file_is_the_same_event_as_the_patients(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    page = client.get(f"/patients/{world.patients['P1']}").text
    assert f'href="/patients/{world.patients["P1"]}/next-injection.ics"' in page
    theirs = _ics(client.get(f"/patients/{world.patients['P1']}/next-injection.ics"))
    client.cookies.clear()
    log_in(client, "patient_p1")
    mine = _ics(client.get("/me/next-injection.ics"))
    assert theirs["uid"] == mine["uid"]  # stable per patient and due date
    assert theirs.decoded("dtstart") == mine.decoded("dtstart") == NEXT_DUE


def test_a_record_without_a_due_date_gets_a_clear_refusal_not_an_empty_calendar(
    client: TestClient, world: World
) -> None:
    log_in(client, "patient_p2")
    r = client.get("/me/next-injection.ics")
    assert r.status_code == 409
    assert "no next injection is due" in text_of(r.text)


def test_a_due_window_spans_from_the_earliest_allowed_day_to_the_due_date() -> None:
    content = build_calendar(
        first_day=date(2026, 8, 10),
        last_day=date(2026, 8, 24),
        uid="x@hemispasm",
        stamp=datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
        clinic_name="Clinic A",
        clinic_phone="+49 30 5550100",
    )
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == date(2026, 8, 10)
    assert event.decoded("dtend") == date(2026, 8, 25)
    assert "+49 30 5550100" in str(event["description"])


ROUTES = (
    ("summary", "GET {summary}"),
    ("pdf", "GET {summary}.pdf"),
    ("ics", "GET /patients/{P1}/next-injection.ics"),
)
EXPECTED = {
    # the summary is the clinic team's; the patient reads the calendar file of their own record
    "clinician_a": {"summary": 200, "pdf": 200, "ics": 200},
    "patient_p1": {"summary": 403, "pdf": 403, "ics": 200},
    "patient_p2": {"summary": 404, "pdf": 404, "ics": 404},
    "clinician_b": {"summary": 404, "pdf": 404, "ics": 404},
    "patient_q1": {"summary": 404, "pdf": 404, "ics": 404},
    "admin_a": {"summary": 403, "pdf": 403, "ics": 403},
}


@pytest.mark.parametrize("caller", sorted(EXPECTED))
def test_only_the_care_team_and_the_patient_themselves_get_the_downloads(
    client: TestClient, world: World, visit: dict[str, int], connection: Connection, caller: str
) -> None:
    log_in(client, caller)
    summary = _summary_url(world, visit["botox"])
    for name, route in ROUTES:
        url = route.split(" ", 1)[1].format(summary=summary, P1=world.patients["P1"])
        r = client.get(url)
        assert r.status_code == EXPECTED[caller][name], f"{caller} {url}: {r.status_code}"
        if r.status_code != 200:
            assert "text/html" in r.headers["content-type"]
            assert b"%PDF" not in r.content and b"BEGIN:VCALENDAR" not in r.content
    if EXPECTED[caller]["pdf"] != 200:
        refused = (
            connection.execute(
                select(AuditEvent.action).where(
                    AuditEvent.user_id == world[caller].user.id,
                    AuditEvent.patient_id == world.patients["P1"],
                )
            )
            .scalars()
            .all()
        )
        assert refused, f"the refusals of {caller} were not audited"


def test_anonymous_callers_are_sent_to_the_login_page(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    for url in (
        _summary_url(world, visit["botox"]),
        _summary_url(world, visit["botox"], suffix=".pdf"),
        f"/patients/{world.patients['P1']}/next-injection.ics",
        "/me/next-injection.ics",
    ):
        r = client.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url


def test_a_session_of_another_patient_is_not_found_under_this_patient(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    r = client.get(_summary_url(world, visit["botox"], patient="P2"))
    assert r.status_code == 404
    assert f"injection session {visit['botox']} not found" in text_of(r.text)


def test_the_api_answers_the_same_calendar_file_to_the_patients_token(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    url = f"/api/v1/patients/{world.patients['P1']}/next-injection.ics"
    event = _ics(client.get(url, headers=world["patient_p1"].headers))
    assert event.decoded("dtstart") == NEXT_DUE
    refused = client.get(url, headers=world["patient_p2"].headers)
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/json")
