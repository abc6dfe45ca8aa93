"""A session's vials and consent recorded in the browser at a phone's and a desktop's width, and
the dose history page with its chart and table; axe finds no serious problem on either."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

WIDTHS = {"phone": {"width": 375, "height": 800}, "desktop": {"width": 1280, "height": 900}}


def session_url(server: Server) -> str:
    """The page of patient 1's session (the scene's only one)."""
    patient = server.patients["1"]
    sessions = server.api("GET", f"/api/v1/patients/{patient}/sessions")["items"]
    return f"{server.url}/patients/{patient}/sessions/{sessions[-1]['id']}"


def assert_fits(page: Any, width: int, name: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page is {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_clinician_records_a_vial_and_the_consent_on_a_session(
    page: Any, server: Server, screen: str
) -> None:
    size = WIDTHS[screen]
    page.set_viewport_size(size)
    log_in(page, server, "clinician@example.org")
    page.goto(session_url(server))
    lot = f"E2E-{screen.upper()}"
    vials = page.locator(".vial-table tbody tr")
    before = vials.count()

    form = page.locator("form", has=page.get_by_role("button", name="Add the vial"))
    form.get_by_label("Lot").fill(lot)
    form.get_by_label("Expiry date").fill((date.today() + timedelta(days=365)).isoformat())
    form.get_by_label("Units in the vial").fill("100")
    form.get_by_label("Saline added (mL)").fill("2.5")
    form.get_by_label("Units drawn up").fill("10")
    add = form.get_by_role("button", name="Add the vial")
    box = add.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box  # WCAG 2.2 target size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
    add.click()
    page.wait_for_load_state()

    assert vials.count() == before + 1
    row = page.locator(".vial-table tbody tr", has_text=lot)
    assert "4 U per 0.1 mL" in row.inner_text()
    assert page.locator("[data-wasted]").inner_text().endswith("U")

    consent = page.locator("form", has=page.get_by_role("button", name="Record the consent"))
    consent.get_by_label("Verbal").check()
    consent.get_by_role("button", name="Record the consent").click()
    page.wait_for_load_state()
    facts = page.locator(".consent-facts").inner_text()
    assert "Verbal" in facts and "You" in facts

    assert_fits(page, size["width"], f"session-records-{screen}")
    check_page(page, f"session-records-{screen}")


def test_an_expired_vial_is_refused_in_the_browser_next_to_its_field(
    page: Any, server: Server
) -> None:
    log_in(page, server, "clinician@example.org")
    page.goto(session_url(server))
    form = page.locator("form", has=page.get_by_role("button", name="Add the vial"))
    form.get_by_label("Lot").fill("E2E-OLD")
    form.get_by_label("Expiry date").fill("2001-01-01")
    form.get_by_label("Units in the vial").fill("100")
    form.get_by_label("Saline added (mL)").fill("2.5")
    form.get_by_label("Units drawn up").fill("10")
    page.console_errors.clear()
    form.get_by_role("button", name="Add the vial").click()
    page.wait_for_load_state()
    page.console_errors.clear()  # the browser reports the page's 422 answer

    expiry = page.get_by_label("Expiry date")
    assert expiry.get_attribute("aria-invalid") == "true"
    assert "an expired vial" in page.locator("#vial-expiry_on-error").inner_text()
    assert page.locator(".vial-table tbody tr", has_text="E2E-OLD").count() == 0
    check_page(page, "session-records-refused")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_dose_history_page_shows_its_chart_and_table(
    page: Any, server: Server, screen: str
) -> None:
    size = WIDTHS[screen]
    page.set_viewport_size(size)
    log_in(page, server, "clinician@example.org")
    page.goto(f"{server.url}/patients/{server.patients['1']}")
    page.get_by_role("link", name="Dose history").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Dose history", level=1).is_visible()
    chart = page.locator(".dose-chart svg").first
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 80, box
    assert box["x"] + box["width"] <= size["width"], box
    assert page.locator(".dose-chart rect[fill]").count() >= 1
    table = page.locator(".dose-table").first
    assert table.locator("tfoot").inner_text().startswith("All years")
    assert_fits(page, size["width"], f"dose-history-{screen}")
    check_page(page, f"dose-history-{screen}")
