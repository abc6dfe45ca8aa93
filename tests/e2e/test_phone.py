"""The pages on a phone-sized screen (375 px wide): nothing runs off the side, and axe-core finds
no serious problem. Patients mostly use their phones; clinicians sometimes do on the ward."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def phone(page: Any) -> Any:
    """The test's tab, resized to a phone's screen."""
    page.set_viewport_size(PHONE)
    return page


def assert_fits(page: Any, name: str) -> None:
    """The page is no wider than the screen (a table may scroll inside its own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a 375 px screen"
    check_page(page, f"phone-{name}")


def test_a_patients_pages_fit_a_phone(phone: Any, server: Server) -> None:
    log_in(phone, server, "patient1@example.org")
    for path, name in (
        ("/me", "me"),
        ("/me/diary", "diary"),
        ("/me/record", "record"),
        ("/me/videos", "my-videos"),
        ("/education", "education"),
    ):
        phone.goto(server.url + path)
        assert_fits(phone, name)


def test_a_clinicians_pages_fit_a_phone(phone: Any, server: Server) -> None:
    log_in(phone, server, "clinician@example.org")
    patient = f"/patients/{server.patients['1']}"
    for path, name in (
        ("/worklist?due=", "worklist"),
        (patient, "patient"),
        (f"{patient}/sessions/new?from=last", "session-form"),
        (f"{patient}/adverse-events/new", "side-effect-form"),
    ):
        phone.goto(server.url + path)
        assert_fits(phone, name)
