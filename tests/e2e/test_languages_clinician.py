"""The clinician's pages whose text goes through gettext, opened in English and Spanish in a real
browser: ``<html lang>`` names the language, and axe finds no serious or critical finding, on a
phone, a tablet and a desktop, with the record forms refused as well as empty."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in
from tests.e2e.test_languages import WIDTHS
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
        "worklist": server.url + "/worklist",
        "worklist-search": server.url + "/worklist?q=E2E",
        "patient-new": server.url + "/patients/new",
        "csv-import": server.url + "/patients/import-csv",
        "patient": patient,
        "patient-edit": patient + "/edit",
        "diagnosis-new": patient + "/diagnoses/new",
        "side-effect-new": patient + "/adverse-events/new",
        "assessment-new": patient + "/assessments/new",
        "mri-new": patient + "/mri-studies/new",
        "surgery-new": patient + "/surgeries/new",
        "session-new": patient + "/sessions/new",
        "session-edit": session + "/edit",
        "visit-summary": session + "/summary",
        "videos": f"{server.url}/patients/{server.patients['2']}/videos",
        "session": session,
        "session-print": session + "/print",
        "dose-history": patient + "/dose-history",
        "urgent": server.url + "/worklist/urgent",
        "video-report": report,
        "video-compare": compare,
    }


def test_the_clinicians_pages_in_both_languages_say_so_and_pass_axe(
    page: Any, server: Server
) -> None:
    log_in(page, server, "clinician@example.org")  # once: logins are rate-limited
    pages = clinician_pages(server)
    for locale in ("en", "es"):
        page.context.add_cookies([{"name": "lang", "value": locale, "url": server.url}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                response = page.goto(url)
                assert response is not None and response.ok, (name, response and response.status)
                assert page.locator("html").get_attribute("lang") == locale, name
                check_page(page, f"{locale}-{width}-clinician-{name}")
            submit = {"side-effect-new": ".record-form", "session-new": "#session-form"}
            for name, form in submit.items():  # sent as they open: the messages shown
                page.goto(pages[name])
                page.locator(f"{form} button[type=submit]").click()
                page.wait_for_load_state()
                assert page.locator(".error-summary").count() == 1, name
                page.console_errors.clear()  # the 422 of the refusal, expected
                check_page(page, f"{locale}-{width}-clinician-{name}-refused")


def test_the_face_map_speaks_the_pages_language(page: Any, server: Server) -> None:
    log_in(page, server, "clinician@example.org")
    page.context.add_cookies([{"name": "lang", "value": "es", "url": server.url}])
    page.goto(f"{server.url}/patients/{server.patients['1']}/sessions/new")
    page.locator('.fm-site[data-muscle="corrugator"][data-side="left"]').click()
    status = page.locator("#facemap-status")
    status.filter(has_text="Se añadió").wait_for(timeout=5000)
    assert "izquierdo" in status.inner_text() and "Added" not in status.inner_text()
    row = page.locator("tr.site-row").filter(has=page.locator("option[value=corrugator]:checked"))
    assert row.locator(".remove-row").get_attribute("aria-label").startswith("Quitar ")
