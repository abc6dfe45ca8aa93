"""A patient in a real browser: rate the spasms, say the injection wore off, see the next due
date, open the recording page, and be refused another patient's page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from hemispasm.clinic.web.i18n import format_day
from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run


def test_a_patient_keeps_a_diary_and_sees_the_next_injection(page: Any, server: Server) -> None:
    assert server.last_session_on is not None
    due = server.last_session_on + timedelta(weeks=12)  # the clinic's default interval
    log_in(page, server, "patient1@example.org")
    assert page.url.endswith("/me")
    assert page.locator(".me-next").get_by_text(format_day(due, "en")).count() >= 1

    page.get_by_role("link", name=re.compile("My diary")).click()
    page.locator('label[for="score-6"]').click()  # the big 0-10 buttons are the labels
    assert page.is_checked("#score-6")
    page.get_by_role("button", name="Save my rating").click()
    page.wait_for_url(re.compile(r"/me/diary"))
    today = format_day(date.today(), "en")  # "7 Dec 2026": pages show dates in words
    rating = page.locator(".diary-score").first
    assert rating.inner_text().startswith("6")  # the newest rating, just saved
    page.get_by_role("button", name="It wore off").click()
    page.wait_for_url(re.compile(r"/me/diary"))
    assert f"Wore off {today}" in page.locator("main").inner_text()
    check_page(page, "diary")

    page.goto(server.url + "/me")
    text = page.locator("main").inner_text()
    assert format_day(due, "en") in text and today in text  # the due date, the new wear-off
    check_page(page, "me-with-diary")

    page.goto(server.url + "/me/record")
    check_page(page, "record")


def test_a_patient_is_refused_another_patients_page(page: Any, server: Server) -> None:
    log_in(page, server, "patient1@example.org")
    for path in (f"/patients/{server.patients['2']}", f"/patients/{server.patients['2']}/videos"):
        response = page.goto(server.url + path)
        assert response is not None and response.status in (403, 404), path
        assert "Demo Patient 2" not in page.content()
        page.console_errors.clear()  # the browser reports the refused page as a failed load
    page.goto(server.url + "/me")
    assert "Demo Patient 1" in page.locator("main").inner_text()
