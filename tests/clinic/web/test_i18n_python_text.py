"""Text made in Python reaches the pages in the reader's language: the forms' labels, hints and
choices, the messages of a refused entry (the forms' own and the services'), and the sentences
of the face map's script; an English reader gets the English unchanged."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from hemispasm.clinic.services.calendar_file import CalendarWords, build_calendar
from hemispasm.clinic.web.i18n import using_locale
from hemispasm.clinic.web.pages import STATIC_DIR
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.clinic.web.script_text import FACEMAP_TEXT
from hemispasm.clinic.web.visit_pages import CALENDAR_TEXT, calendar_words
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.web.conftest import log_in, text_of
from tests.clinic.web.test_diary import LATEST, _field_error, _post, sessions
from tests.clinic.web.test_record_forms import error_of
from tests.clinic.web.test_video_pages import add_analysis, add_session, upload
from tests.clinic.web.test_visit_summary import _pdf_text as pdf_text
from tests.clinic.web.test_visit_summary import _summary_url as summary_url
from tests.clinic.web.test_visit_summary import visit

__all__ = ["sessions", "visit"]  # fixtures: the diary's injections; a visit with a due date


def spanish(client: TestClient) -> None:
    client.cookies.set("lang", "es")


# --- the refusals of the services ------------------------------------------------------------


def test_a_known_refusal_is_translated_with_its_values_and_its_fields_words() -> None:
    words = {"wore_off_on": "la fecha en que dejó de hacer efecto"}
    with using_locale("es"):
        assert refusal_text("2026-06-16 is in the future (today 2026-06-15)") == (
            "2026-06-16 es una fecha futura (hoy es 2026-06-15)"
        )
        assert refusal_text("2026-05-01 is before wore_off_on 2026-05-09", words) == (
            "2026-05-01 es anterior a la fecha en que dejó de hacer efecto (2026-05-09)"
        )
        assert refusal_text("the file is empty") == "el archivo está vacío"


def test_an_unknown_refusal_stays_as_written_with_its_columns_in_words() -> None:
    with using_locale("es"):
        message = refusal_text("wore_off_on: something new", {"wore_off_on": "el fin"})
    assert message == "el fin: something new"


def test_an_english_refusal_reads_as_the_service_wrote_it() -> None:
    with using_locale("en"):
        assert refusal_text("2026-06-16 is in the future (today 2026-06-15)") == (
            "2026-06-16 is in the future (today 2026-06-15)"
        )


# --- the patient's diary ---------------------------------------------------------------------


@pytest.fixture
def p1_token(client: TestClient, sessions: World) -> str:
    return log_in(client, "patient_p1")


def test_the_diarys_forms_have_spanish_labels_and_choices(
    client: TestClient, p1_token: str
) -> None:
    spanish(client)
    text = text_of(client.get("/me/diary").text)
    for words in ("Fecha de la puntuación", "Efecto secundario", "Día en que empezó", "Nota"):
        assert words in text
    for words in ("Leve", "Párpado caído", "Dificultad para tragar (urgente)"):
        assert words in text
    for english in ("Date of the rating", "Drooping eyelid", "Trouble swallowing", "Mild"):
        assert english not in text


@pytest.mark.parametrize(
    ("path", "fields", "field", "spanish_words"),
    [
        ("rating", {"score": "5", "rated_on": "2026-06-16"}, "rated_on", "es una fecha futura"),
        ("rating", {"score": "5", "rated_on": "1959-12-31"}, "rated_on", "su fecha de nacimiento"),
        ("rating", {"score": "5", "note": "x" * 5001}, "note", "5000 caracteres como máximo"),
        ("rating", {"score": "11"}, "score", "Elija un número del 0"),
        ("side-effect", {"effect": "hiccups"}, "effect", "Elija un efecto secundario"),
        ("side-effect", {"onset_on": "2026-06-16"}, "onset_on", "es una fecha futura"),
        ("side-effect", {"onset_on": "15/06/2026"}, "onset_on", "Escriba una fecha"),
    ],
)
def test_a_refused_diary_entry_is_explained_in_spanish(
    client: TestClient,
    p1_token: str,
    path: str,
    fields: dict[str, str],
    field: str,
    spanish_words: str,
) -> None:
    spanish(client)
    good = {"rated_on": str(TODAY)} if path == "rating" else {
        "effect": "tearing", "severity": "mild", "onset_on": str(TODAY)
    }  # fmt: skip
    response = _post(client, path, p1_token, **(good | fields))
    assert response.status_code == 422
    message = _field_error(response.text, field)
    assert spanish_words in message
    assert not re.search(r"\b(is|the|before|future|Enter|Choose)\b", message), message


def test_an_effect_date_before_the_start_is_refused_in_the_patients_words_in_spanish(
    client: TestClient, p1_token: str
) -> None:
    began = LATEST + timedelta(days=5)
    _post(client, "effect-began", p1_token, effect_began_on=str(began))
    spanish(client)
    response = _post(client, "wore-off", p1_token, wore_off_on=str(LATEST + timedelta(days=3)))
    assert response.status_code == 422
    message = _field_error(response.text, "wore_off_on")
    assert message.endswith(
        f"{LATEST + timedelta(days=3)} es anterior a la fecha en que empezó a hacer efecto "
        f"({began})"
    )


def test_an_english_diary_keeps_its_english_messages(client: TestClient, p1_token: str) -> None:
    response = _post(client, "rating", p1_token, score="5", rated_on="2026-06-16")
    assert "2026-06-16 is in the future (today 2026-06-15)" in _field_error(
        response.text, "rated_on"
    )
    text = text_of(client.get("/me/diary").text)
    assert "Date of the rating" in text and "Drooping eyelid" in text


# --- the clinician's record forms ------------------------------------------------------------


@pytest.fixture
def clinician(client: TestClient, world: World) -> str:
    return log_in(client, "clinician_a")


def test_the_side_effect_form_has_spanish_labels_and_choices(
    client: TestClient, world: World, clinician: str
) -> None:
    spanish(client)
    page = client.get(f"/patients/{world.patients['P1']}/adverse-events/new")
    assert page.status_code == 200
    text = text_of(page.text)
    for words in ("Anotar un efecto secundario", "Empezó el", "Se resolvió el", "Gravedad"):
        assert words in text
    for words in ("Déjelo vacío mientras dure el efecto.", "Leve", "Guardar"):
        assert words in text
    for english in ("Record a side effect", "Began on", "Resolved on", "Leave empty"):
        assert english not in text


def test_a_refused_side_effect_form_is_explained_in_spanish(
    client: TestClient, world: World, clinician: str
) -> None:
    spanish(client)
    p1 = world.patients["P1"]
    sent = client.post(
        f"/patients/{p1}/adverse-events/new",
        data={"csrf_token": clinician, "effect": "", "severity": "mild", "onset_on": "2026-06-16"},
    )
    assert sent.status_code == 422
    assert error_of(sent.text, "effect").endswith("Elija una de las opciones.")
    future = client.post(
        f"/patients/{p1}/adverse-events/new",
        data={
            "csrf_token": clinician,
            "effect": "ptosis",
            "severity": "mild",
            "onset_on": "2026-06-16",
        },
    )
    assert future.status_code == 422
    assert "2026-06-16 es una fecha futura (hoy es 2026-06-15)" in error_of(future.text, "onset_on")


def test_an_english_side_effect_form_is_unchanged(
    client: TestClient, world: World, clinician: str
) -> None:
    text = text_of(client.get(f"/patients/{world.patients['P1']}/adverse-events/new").text)
    for words in ("Record a side effect", "Began on", "Leave empty while the effect lasts."):
        assert words in text


def test_a_scale_shows_each_levels_number_and_its_spanish_name(
    client: TestClient, world: World, clinician: str
) -> None:
    spanish(client)
    text = text_of(client.get(f"/patients/{world.patients['P1']}/assessments/new").text)
    assert "0 · Ninguno" in text and "Sin espasmos." in text and "I · Solo el ojo" in text


# --- the session form and its face map -------------------------------------------------------


def test_the_session_forms_messages_and_the_maps_sentences_are_in_spanish(
    client: TestClient, world: World, clinician: str
) -> None:
    spanish(client)
    p1 = world.patients["P1"]
    refused = client.post(
        f"/patients/{p1}/sessions",
        data={"csrf_token": clinician, "session_on": str(TODAY), "product": "onabotulinumtoxinA"},
    )
    assert refused.status_code == 422
    assert "añada al menos un punto inyectado" in text_of(refused.text)
    form = client.get(f"/patients/{p1}/sessions/new").text
    block = re.search(r'id="facemap-data">(.*?)</script>', form, re.S)
    assert block, "no data block for facemap.js"
    text = json.loads(unescape(block.group(1)))["text"]
    assert text["Remove this row"] == "Quitar esta fila"
    assert text["Left %(muscle)s"] == "%(muscle)s izquierdo"


def test_every_sentence_the_map_is_sent_is_one_its_script_asks_for() -> None:
    script = (STATIC_DIR / "facemap.js").read_text()
    for english in FACEMAP_TEXT:
        assert f'"{english}"' in script, english


# --- the calendar file -----------------------------------------------------------------------


def test_the_calendar_files_english_sentences_are_the_services_own() -> None:
    english = CalendarWords()
    with using_locale("en"):
        words = calendar_words()
    for name in CALENDAR_TEXT:
        assert getattr(words, name) == getattr(english, name), name
    assert words.language == "en"


def test_a_spanish_reader_downloads_the_next_injection_in_spanish(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "patient_p1")
    spanish(client)
    response = client.get("/me/next-injection.ics")
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Toca la inyección de toxina botulínica"
    assert event["summary"].params["LANGUAGE"] == "es"
    assert str(event["description"]) == (
        "Este día le toca la próxima inyección de toxina botulínica. Para pedir cita, llame a "
        "Clinic A."
    )


def test_a_spanish_due_window_names_its_days_as_the_pages_do() -> None:
    with using_locale("es"):
        content = build_calendar(
            first_day=date(2026, 8, 10),
            last_day=date(2026, 8, 24),
            uid="x@hemispasm",
            stamp=datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
            clinic_name="Clínica A",
            clinic_phone="+34 910 000 000",
            words=calendar_words(),
        )
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["description"]) == (
        "La próxima inyección de toxina botulínica le toca entre el 10 ago 2026 y el 24 ago 2026. "
        "Para pedir cita, llame a Clínica A al +34 910 000 000."
    )


def test_an_english_reader_gets_the_calendar_file_in_english(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "patient_p1")
    [event] = Calendar.from_ical(client.get("/me/next-injection.ics").content).walk("VEVENT")
    assert str(event["summary"]) == "Botulinum toxin injection due"
    assert str(event["description"]).startswith("Your next botulinum toxin injection is due")


# --- the visit summary's PDF, the choice of two videos -----------------------------------------


def test_the_visit_summary_pdf_is_printed_in_the_readers_language(
    client: TestClient, world: World, visit: dict[str, int]
) -> None:
    log_in(client, "clinician_a")
    url = summary_url(world, visit["botox"], suffix=".pdf")
    english = " ".join(pdf_text(client.get(url).content).split())
    for words in ("Visit summary · 1 Jun 2026", "Totals per product and side", "page 1 of"):
        assert words in english
    spanish(client)
    text = " ".join(pdf_text(client.get(url).content).split())
    for words in (
        "Resumen de la visita · 1 jun 2026",
        "Totales por producto y lado",
        "Próxima inyección",
        "Historial de ciclos (el más reciente primero)",
        "página 1 de",
    ):
        assert words in text
    for english_words in ("Visit summary", "Totals per product", "Next injection", "page 1 of"):
        assert english_words not in text


def test_a_wrong_choice_of_two_videos_is_explained_in_spanish(
    client: TestClient, world: World
) -> None:
    log_in(client, "patient_p1")
    spanish(client)
    response = client.get("/me/videos/compare", params={"a": "x", "b": ""})
    assert response.status_code == 422
    assert "Elija un vídeo de la lista." in text_of(response.text)
    assert "Choose a video" not in text_of(response.text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "El archivo está vacío"),
        (b"only text, not a video" * 20, "No es un vídeo en un formato admitido"),
    ],
    ids=["empty", "text"],
)
def test_a_refused_video_is_explained_in_spanish(
    client: TestClient, world: World, content: bytes, message: str
) -> None:
    token = log_in(client, "patient_p1")
    spanish(client)
    response = upload(client, "/me/videos", content, token=token, recorded_on="2026-06-01")
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="file-error">([^<]+)</p>', response.text)
    assert error is not None and error.group(1).startswith(message)


def test_a_patients_video_report_and_comparison_read_in_spanish(
    client: TestClient, world: World
) -> None:
    add_session(client, world, "2026-03-01")
    first = add_analysis(client, world, "2026-04-01")
    second = add_analysis(client, world, "2026-05-01")
    log_in(client, "patient_p1")
    spanish(client)
    report = text_of(client.get(f"/me/videos/{first}").text)
    for words in (
        "31 días después de la inyección del 1 mar 2026",
        "Ojo: espasmos por minuto",
        "Comisura izquierda de la boca",  # a lane of the time line
        "Espasmo, izquierdo, de 1.81 a 1.99 s",  # an event's title on it
    ):
        assert words in report
    assert "Eye: spasms per minute" not in report and "after the injection" not in report
    compared = text_of(client.get(f"/me/videos/compare?a={first}&b={second}").text)
    for words in ("Qué cambió, y en qué sentido", "sin cambio claro", "Cada medida de los"):
        assert words in compared
    assert "no clear change" not in compared and "What changed" not in compared
