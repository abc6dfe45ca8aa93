"""Pages that need no data of their own: each opens, passes axe, shows no browser error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run


def test_the_login_and_education_pages_are_accessible(page: Any, server: Server) -> None:
    page.goto(server.url + "/login")
    check_page(page, "login")
    page.goto(server.url + "/education")
    assert page.get_by_role("heading", level=1).count() == 1
    check_page(page, "education")


def test_a_clinician_lands_on_the_worklist(page: Any, server: Server) -> None:
    log_in(page, server, "clinician@example.org")
    assert page.url.endswith("/worklist")
    page.goto(server.url + "/worklist?due=")
    assert page.get_by_text("Demo Patient 1").count() >= 1
    check_page(page, "worklist")


def test_a_patient_lands_on_their_own_page(page: Any, server: Server) -> None:
    log_in(page, server, "patient1@example.org")
    assert page.url.endswith("/me")
    check_page(page, "me")
