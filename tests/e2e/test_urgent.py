"""Urgent reports in a browser, at a phone's, a tablet's and a desktop's width: the patient
reports trouble swallowing and is given numbers to tap; the clinician sees the report in the
worklist's Urgent tab with the header's count, acknowledges it, and it clears. The worklist's
search finds a patient from every tab."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, Server, check_page, log_in, screenshot

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

WIDTHS = (375, 768, 1280)
CLINIC_PHONE = "+1 202 555 0142"
"""A fictional number (555-0100 to 555-0199 are set aside for fiction)."""


@pytest.fixture(scope="module")
def clinic_with_phone(server: Server) -> Server:
    """The clinic's admin has set the number patients call."""
    request = urllib.request.Request(
        server.url + "/api/v1/auth/token",
        method="POST",
        data=json.dumps({"email": "admin@example.org", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    request = urllib.request.Request(
        server.url + "/api/v1/clinic",
        method="PATCH",
        data=json.dumps({"phone": CLINIC_PHONE}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass
    return server


@pytest.fixture(scope="module")
def logins(chromium: Any, server: Server) -> dict[str, Any]:
    """The cookies of the clinician and of patient 1, each logged in once for the module (the
    server allows only a few logins a minute from one address)."""
    states = {}
    for email in ("clinician@example.org", "patient1@example.org"):
        context = chromium.new_context()
        log_in(context.new_page(), server, email)
        states[email] = context.storage_state()
        context.close()
    return states


def open_as(chromium: Any, logins: dict[str, Any], email: str, width: int) -> Iterator[Any]:
    """A tab of ``email``'s own, ``width`` px wide; browser errors fail the test."""
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, storage_state=logins[email]
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def width(request: pytest.FixtureRequest) -> int:
    """The screen's width."""
    return int(request.param)


@pytest.fixture
def clinician(chromium: Any, logins: dict[str, Any], width: int) -> Iterator[Any]:
    """The clinician's tab."""
    yield from open_as(chromium, logins, "clinician@example.org", width)


@pytest.fixture
def patient(chromium: Any, logins: dict[str, Any], width: int) -> Iterator[Any]:
    """Patient 1's tab."""
    yield from open_as(chromium, logins, "patient1@example.org", width)


def header_count(page: Any) -> int:
    """The count beside "Urgent" in the page's header (0 when none is shown)."""
    badge = page.locator("header #urgent-count")
    return int(badge.inner_text()) if badge.count() else 0


def assert_fits(page: Any, width: int, name: str) -> None:
    """Nothing runs off the side of the screen (a table may scroll in its own box)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page is {scroll} px wide on a {width} px screen"


def test_an_urgent_report_reaches_the_clinician_who_acknowledges_it(
    patient: Any, clinician: Any, clinic_with_phone: Server, width: int
) -> None:
    server, page, tab = clinic_with_phone, patient, clinician
    note = f"cannot swallow, seen at {width} px"
    tab.goto(server.url + "/worklist")
    before = header_count(tab)

    # the patient reports trouble swallowing in the diary
    page.goto(server.url + "/me/diary")
    page.get_by_label("Side effect", exact=True).select_option("swallowing_difficulty")
    page.locator("#severity-severe").check()
    page.locator("#notes").fill(note)
    page.get_by_role("button", name="Save the side effect").click()
    page.wait_for_load_state()
    alert = page.locator(".urgent-alert")
    assert alert.is_visible()
    emergency = alert.get_by_role("link", name=re.compile("Emergency: call 112"))
    clinic = alert.get_by_role("link", name=re.compile("Your clinic: call"))
    assert emergency.get_attribute("href") == "tel:112"
    assert clinic.get_attribute("href") == "tel:" + CLINIC_PHONE.replace(" ", "")
    for link in (emergency, clinic):
        box = link.bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert_fits(page, width, "diary after an urgent report")
    check_page(page, f"urgent-patient-{width}")
    alert_png = screenshot(page, f"urgent-patient-{width}").with_suffix(".alert.png")
    alert.screenshot(path=str(alert_png))

    # the clinician's header counts it on any page; the Urgent tab lists it
    tab.goto(server.url + f"/patients/{server.patients['2']}")
    assert header_count(tab) == before + 1
    tab.goto(server.url + f"/patients/{server.patients['1']}")  # the banner offers it too
    assert tab.locator(".urgent-acknowledge").get_by_role("button").first.is_visible()
    check_page(tab, f"urgent-patient-page-{width}")
    tab.get_by_role("link", name=re.compile(r"^Urgent")).first.click()
    tab.wait_for_load_state()
    assert tab.url.endswith("/worklist/urgent")
    row = tab.locator("tr", has_text=note)
    assert row.count() == 1
    assert "Demo Patient 1" in row.inner_text() and "swallowing" in row.inner_text().lower()
    assert row.get_by_role("link", name="Demo Patient 1").get_attribute("href") == (
        f"/patients/{server.patients['1']}"
    )
    assert_fits(tab, width, "urgent tab")
    check_page(tab, f"urgent-tab-{width}")

    button = row.get_by_role("button", name=re.compile("^Acknowledge"))
    box = button.bounding_box()  # on screen without scrolling sideways, and big enough to tap
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 24
    button.click()
    tab.wait_for_load_state()
    assert tab.get_by_role("status").filter(has_text="Acknowledged").is_visible()
    assert tab.locator("tr", has_text=note).count() == 0
    assert header_count(tab) == before
    check_page(tab, f"urgent-tab-acknowledged-{width}")


def test_a_search_from_every_tab_finds_a_patient_of_another_tab(
    clinician: Any, server: Server, width: int
) -> None:
    page = clinician
    for tab_path in (
        "/worklist?due=overdue",
        "/worklist?due=due_soon",
        "/worklist?due=due_this_week",
        "/worklist?due=",
        "/worklist/urgent",
    ):
        page.goto(server.url + tab_path)
        # Demo Patient 2 has no injection yet: on no due tab, and never urgent
        if tab_path != "/worklist?due=":
            assert page.get_by_role("link", name="Demo Patient 2").count() == 0, tab_path
        page.get_by_label(re.compile("^Find a patient")).fill("E2E-0002")
        page.get_by_role("button", name="Search").click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name="Demo Patient 2").is_visible(), tab_path
        status = page.get_by_role("status").inner_text()
        assert "1 patient matching" in status and "among all patients" in status, tab_path
        assert_fits(page, width, f"search from {tab_path}")
        if tab_path.endswith("overdue"):
            check_page(page, f"worklist-search-{width}")
        page.get_by_role("link", name="Clear the search").click()
        page.wait_for_load_state()
        assert page.url == server.url + tab_path, tab_path
        assert page.get_by_label(re.compile("^Find a patient")).input_value() == ""
