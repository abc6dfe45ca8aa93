"""The clinician's pages whose text goes through gettext, opened in Spanish in a real browser:
``<html lang="es">`` and axe with no serious or critical finding, on a phone and a desktop."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in
from tests.e2e.test_session_records import session_url

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

RESULT = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "result_synthetic_left.json").read_text()
)
"""An analysis made elsewhere, sent in as a result: a video report without running an analysis."""


def imported_videos(server: Server) -> tuple[str, str]:
    """Two imported analyses of patient 2 a month apart: their report and comparison pages."""
    patient = server.patients["2"]
    ids = [
        server.api(
            "POST",
            f"/api/v1/patients/{patient}/video-analyses",
            {"recorded_on": str(date.today() - timedelta(days=days)), "result": RESULT},
        )["id"]
        for days in (40, 10)
    ]
    videos = f"{server.url}/patients/{patient}/videos"
    return f"{videos}/{ids[1]}", f"{videos}/compare?a={ids[0]}&b={ids[1]}"


def clinician_pages(server: Server) -> dict[str, str]:
    """Each converted page by a short name: patient 1's (with the session), patient 2's videos."""
    patient = f"{server.url}/patients/{server.patients['1']}"
    session = session_url(server)
    report, compare = imported_videos(server)
    return {
        "patient": patient,
        "session-new": patient + "/sessions/new",
        "session": session,
        "session-print": session + "/print",
        "dose-history": patient + "/dose-history",
        "urgent": server.url + "/worklist/urgent",
        "video-report": report,
        "video-compare": compare,
    }


def test_the_clinicians_pages_in_spanish_say_so_and_pass_axe(page: Any, server: Server) -> None:
    log_in(page, server, "clinician@example.org")  # once: logins are rate-limited
    page.context.add_cookies([{"name": "lang", "value": "es", "url": server.url}])
    pages = clinician_pages(server)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            response = page.goto(url)
            assert response is not None and response.ok, (name, response and response.status)
            assert page.locator("html").get_attribute("lang") == "es", name
            check_page(page, f"es-{width}-clinician-{name}")
