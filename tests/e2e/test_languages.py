"""The patient pages and the education page in English and Spanish in a real browser: the
language link, the lang attribute, axe with no serious finding, on a phone, a tablet and a
desktop, with the diary's forms refused as well as empty."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

PATIENT_PAGES = ("/me", "/me/diary", "/me/record", "/me/videos")
WIDTHS = (375, 768, 1280)
"""A phone, a tablet and a desktop."""
HEADINGS = {
    "en": {"/me": "My treatment", "/me/diary": "My diary", "/education": "Hemifacial spasm"},
    "es": {"/me": "Mi tratamiento", "/me/diary": "Mi diario", "/education": "Espasmo hemifacial"},
}


def test_the_patient_pages_pass_axe_in_both_languages_and_the_recorder_speaks_spanish(
    page: Any, server: Server
) -> None:
    log_in(page, server, "patient1@example.org")  # once: logins are rate-limited
    for locale in ("en", "es"):
        page.context.add_cookies([{"name": "lang", "value": locale, "url": server.url}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in (*PATIENT_PAGES, "/education"):
                page.goto(server.url + path)
                assert page.locator("html").get_attribute("lang") == locale, path
                if path in HEADINGS[locale]:
                    heading = page.locator("h1").inner_text()
                    assert heading.startswith(HEADINGS[locale][path]), path
                check_page(page, f"{locale}-{width}{path.replace('/', '-')}")
            refused_side_effect(page, server)  # the messages beside the fields, in the language
            check_page(page, f"{locale}-{width}-me-diary-refused")
    # the recorder's live messages follow the page's language too (Chromium's fake camera)
    page.context.grant_permissions(["camera"], origin=server.url)
    page.goto(server.url + "/me/record")
    page.get_by_role("button", name="Encender la cámara").click()
    status = page.locator(".recorder-status")
    status.filter(has_text="Ponga toda la cara dentro del óvalo").wait_for(timeout=15000)
    page.get_by_role("button", name="Empezar a grabar").click()
    status.filter(has_text=re.compile("La grabación empieza en|Grabando")).wait_for(timeout=15000)
    assert "Recording" not in status.inner_text()


def refused_side_effect(page: Any, server: Server) -> None:
    """The diary with a side effect refused: no choice made and a date in the future."""
    page.goto(server.url + "/me/diary")
    form = page.locator("form[action='/me/diary/side-effect']")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    form.locator("#onset_on").evaluate("(box, day) => { box.max = ''; box.value = day; }", tomorrow)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#effect-error").count() == 1
    page.console_errors.clear()  # the 422 of the refusal, expected


def test_the_language_link_switches_the_page_and_keeps_the_choice(
    page: Any, server: Server
) -> None:
    page.goto(server.url + "/education")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/education$"))
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text().startswith("Espasmo hemifacial")
    page.goto(server.url + "/login")  # the choice is kept for the next page
    assert page.get_by_role("button", name="Iniciar sesión").count() == 1
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, f"es-{width}-login")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_admins_clinic_settings_pass_axe_in_both_languages(page: Any, server: Server) -> None:
    log_in(page, server, "admin@example.org")
    for locale in ("en", "es"):
        page.context.add_cookies([{"name": "lang", "value": locale, "url": server.url}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in ("/", "/admin/clinic"):
                page.goto(server.url + path)
                assert page.locator("html").get_attribute("lang") == locale
                check_page(page, f"{locale}-{width}-admin{path.replace('/', '-')}")
