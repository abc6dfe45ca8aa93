"""The pages in the reader's language: Spanish patient pages and education page, the language
links, dates in the locale's words, upload times in the clinic's time zone."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.content.education import load_education
from hemispasm.clinic.db.models import AuditEvent, JobState
from hemispasm.clinic.web.i18n import using_locale
from hemispasm.clinic.web.pages import STATIC_DIR as STATIC
from hemispasm.clinic.web.video_pages import job_view
from tests.clinic.web.conftest import log_in, text_of
from tests.clinic.web.test_visit_summary import _summary_url as summary_url
from tests.clinic.web.test_visit_summary import visit

__all__ = ["visit"]  # the visit summary's fixture

PATIENT_PAGES = ("/me", "/me/diary", "/me/record", "/me/videos")
ENGLISH_LEFTOVERS = (
    "My treatment",
    "My diary",
    "Log out",
    "Skip to content",
    "About hemifacial spasm",
    "My next injection",
    "Next injection due",
    "How are my spasms?",
    "Save my rating",
    "Report a side effect",
    "Save the side effect",
    "My recent entries",
    "Record a video",
    "Turn on the camera",
    "Upload and analyse",
    "Video analyses",
    "No ratings yet",
    "Everything on this page is served",
)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no lang attribute on <html>"
    return match.group(1)


def spanish(client: TestClient) -> None:
    client.cookies.set("lang", "es")


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_a_patient_who_chose_spanish_reads_the_page_in_spanish(
    client: TestClient, world: object, path: str
) -> None:
    log_in(client, "patient_p1")
    spanish(client)
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert html_lang(response.text) == "es"
    text = text_of(response.text)
    assert "Cerrar sesión" in text and "Mi tratamiento" in text
    leftovers = [words for words in ENGLISH_LEFTOVERS if words in text]
    assert leftovers == []


def test_the_diary_speaks_spanish_in_its_forms_and_messages(
    client: TestClient, world: object
) -> None:
    token = log_in(client, "patient_p1")
    spanish(client)
    text = text_of(client.get("/me/diary").text)
    for words in ("¿Cómo están mis espasmos?", "Guardar mi puntuación", "Anotar un efecto"):
        assert words in text
    assert "Párpado caído" in text  # a vocabulary value in the patient's words
    refused = client.post("/me/diary/rating", data={"csrf_token": token, "score": "11"})
    assert refused.status_code == 422
    assert "Elija un número del 0 (ningún espasmo) al 10" in text_of(refused.text)


def test_the_browsers_language_is_used_until_one_is_chosen(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert html_lang(page.text) == "es" and "Iniciar sesión" in page.text
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert html_lang(page.text) == "en" and "Log in" in page.text


def test_the_language_link_keeps_the_choice_and_returns_to_the_page(client: TestClient) -> None:
    english = client.get("/education")
    assert 'href="/language/es?next=/education"' in english.text
    chosen = client.get("/language/es", params={"next": "/education"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/education"
    assert "lang=es" in chosen.headers["set-cookie"]
    assert html_lang(client.get("/education").text) == "es"


def test_the_language_link_refuses_an_unknown_language_and_a_foreign_return(
    client: TestClient,
) -> None:
    assert client.get("/language/xx").status_code == 404
    away = client.get("/language/es", params={"next": "//evil.example/"})
    assert away.status_code == 303 and away.headers["location"] == "/"


def test_the_education_page_is_in_spanish_for_a_spanish_reader(client: TestClient) -> None:
    spanish(client)
    response = client.get("/education")
    assert html_lang(response.text) == "es"
    meta = load_education("es").metadata
    text = text_of(response.text)
    assert meta.title in text and "¿Qué es el espasmo hemifacial?" in text
    assert '<h2 id="que-es-el-espasmo-hemifacial">' in response.text
    assert "Revisado el 7 dic 2026." in text
    assert "What is hemifacial spasm?" not in text and "Read more" not in text
    assert "<title>Código QR" in response.text


def test_the_spanish_education_text_keeps_the_english_facts() -> None:
    english = load_education("en")
    translated = load_education("es")
    assert len(translated.sections) == len(english.sections)
    text = " ".join(translated.markdown.split()).lower()
    for fact in (
        "toxina botulínica",
        "entre el día 2 y el día 5",
        "1 a 2 semanas",
        "unos 3 meses",
        "descompresión microvascular",
        "9 de cada 10",
        "menos de 1 de cada 100",
        "2 de cada 100",
        "tragar o respirar",
        "emergencias",
        "visión doble",
        "del 0 al 10",
        "estimaciones",
        "no sustituyen",
        english.metadata.read_more_url,
    ):
        assert fact in text, f"the Spanish text does not mention {fact!r}"


def test_dates_follow_the_locale_on_the_patients_page(client: TestClient, world: object) -> None:
    log_in(client, "patient_p1")
    client.post("/me/diary/rating", data={})  # nothing; just the cookie jar warmed
    english = text_of(client.get("/me").text)
    spanish(client)
    spanish_text = text_of(client.get("/me").text)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", english)  # no ISO dates shown
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", spanish_text)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "Europe/", "../etc/passwd", " "])
def test_the_clinic_time_zone_must_be_one_zoneinfo_knows(
    client: TestClient, world: Any, bad: str
) -> None:
    admin = world["admin_a"].headers
    refused = client.patch("/api/v1/clinic", json={"time_zone": bad}, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "time_zone"
    assert client.get("/api/v1/clinic", headers=admin).json()["time_zone"] == "UTC"


def test_the_clinic_time_zone_is_set_by_an_admin_and_audited(
    client: TestClient, world: Any, db: Session
) -> None:
    admin = world["admin_a"].headers
    changed = client.patch(
        "/api/v1/clinic", json={"time_zone": "America/New_York"}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["time_zone"] == "America/New_York"
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.entity == "clinic").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and "time_zone" in json.dumps(event.detail)
    refused = client.patch("/api/v1/clinic", json={"time_zone": "Nowhere"}, headers=admin)
    assert refused.status_code == 422
    assert client.get("/api/v1/clinic", headers=admin).json()["time_zone"] == "America/New_York"


def test_an_upload_time_is_shown_in_the_clinics_time_zone() -> None:
    job = SimpleNamespace(
        id=1,
        state=JobState.DONE,
        error=None,
        created_at=datetime(2026, 6, 10, 2, 30, tzinfo=UTC),
        recorded_on=date(2026, 6, 9),
        upload=SimpleNamespace(original_filename="clip.mp4"),
        video_analysis_id=None,
        patient_id=1,
    )
    place = SimpleNamespace(base="/me/videos")
    with using_locale("en"):
        utc = job_view(job, place, "UTC")  # type: ignore[arg-type]
        new_york = job_view(job, place, "America/New_York")  # type: ignore[arg-type]
    assert utc["uploaded_at"] == "10 Jun 2026, 02:30 UTC"
    assert new_york["uploaded_at"] == "9 Jun 2026, 22:30 EDT"  # the evening before, there


def test_the_recording_script_gets_its_sentences_in_the_pages_language(
    client: TestClient, world: Any
) -> None:
    log_in(client, "patient_p1")
    spanish(client)
    html = client.get("/me/record").text
    block = re.search(r"<meta name=\"script-text\" content='([^']*)'>", html)
    assert block, "no sentences for record.js"
    sentences = json.loads(unescape(block.group(1)))
    assert sentences["Starting the camera…"] == "Encendiendo la cámara…"
    assert sentences["Recording starts in %(seconds)s…"] == "La grabación empieza en %(seconds)s…"
    script = (STATIC / "record.js").read_text()
    for english in sentences:  # every sentence the page sends is one the script asks for
        assert f'"{english}"' in script, english


def test_the_worklist_speaks_spanish_to_a_clinician_who_chose_it(
    client: TestClient, world: Any
) -> None:
    log_in(client, "clinician_a")
    spanish(client)
    text = text_of(client.get("/worklist?due=").text)
    for words in ("Lista de trabajo", "Con retraso", "Todos los pacientes", "Registrar un"):
        assert words in text
    assert re.search(r"\d+ pacientes?\. Hoy es \d{1,2} [a-z]{3,4} 20\d\d\.", text)
    found = text_of(client.get("/worklist", params={"q": "A-001"}).text)
    assert "1 paciente coincide con «A-001»" in found


def test_the_visit_summary_is_printed_in_spanish_for_a_spanish_reader(
    client: TestClient, world: Any, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    spanish(client)
    page = client.get(summary_url(world, visit["xeomin"]))
    assert page.status_code == 200 and html_lang(page.text) == "es"
    text = text_of(page.text)
    for words in ("Resumen de la visita · 1 jun 2026", "Totales por producto", "Prevista el"):
        assert words in text
    assert "80 días" in text and "Visit summary" not in text and "Cycle history" not in text
