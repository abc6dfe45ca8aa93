"""The education page: public, with the NINDS link, its QR code and the text's metadata."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hemispasm.clinic.content.education import load_education
from hemispasm.clinic.web.i18n import format_day
from tests.clinic.web.conftest import text_of


def test_anyone_can_read_the_education_page(client: TestClient) -> None:
    response = client.get("/education")
    assert response.status_code == 200
    meta = load_education().metadata
    assert f'<a href="{meta.read_more_url}">' in response.text
    assert '<svg role="img"' in response.text and 'class="qr-code"' in response.text
    text = text_of(response.text)
    assert meta.title in text and f"Written by {meta.author}" in text
    assert meta.licence in text and format_day(meta.revised_on, "en") in text  # "25 Nov 2026"


def test_the_education_text_is_rendered_as_html(client: TestClient) -> None:
    html = client.get("/education").text
    first = load_education().sections[0]
    assert f'<h2 id="{first.slug}">' in html
    assert "<script" not in html


def test_a_logged_in_reader_gets_a_link_home_instead_of_log_in(client: TestClient) -> None:
    assert 'href="/login">Log in' in client.get("/education").text
    client.cookies.set("hemispasm_session", "anything")
    assert 'href="/">My start page' in client.get("/education").text
