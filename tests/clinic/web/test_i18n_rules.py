"""The pages' language: which locale a request gets, dates in its words, catalogs in step."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hemispasm.clinic.web.catalog import drift, extract_catalog, read_catalog
from hemispasm.clinic.web.i18n import (
    choose_locale,
    format_day,
    format_moment,
    gettext,
    parse_accept_language,
    translations,
    using_locale,
)


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, None, "en"),
        (None, "es-ES,es;q=0.9,en;q=0.8", "es"),
        (None, "de-DE, fr;q=0.9", "en"),
        (None, "de, es-MX;q=0.5, en;q=0.4", "es"),
        (None, "en;q=0.9, es", "es"),
        (None, "es;q=0, en", "en"),
        ("es", "en-GB", "es"),
        ("en", "es", "en"),
        ("klingon", "es", "es"),
        ("", "es-AR", "es"),
    ],
)
def test_it_chooses_the_cookie_then_the_browser_then_english(
    cookie: str | None, accept: str | None, expected: str
) -> None:
    assert choose_locale(cookie=cookie, accept_language=accept) == expected


def test_a_users_preference_comes_before_the_cookie() -> None:
    assert choose_locale(preference="es", cookie="en", accept_language="en") == "es"


def test_it_reads_weights_and_ignores_malformed_ones() -> None:
    assert parse_accept_language("es;q=0.2, fr;q=oops, de") == ["de", "es"]
    assert parse_accept_language("") == []


def test_it_formats_a_date_in_the_locales_words() -> None:
    assert format_day(date(2026, 12, 7), "en") == "7 Dec 2026"
    assert format_day(date(2026, 12, 7), "es") == "7 dic 2026"
    assert format_day(None) == "—"
    with using_locale("es"):
        assert format_day(date(2026, 1, 15)) == "15 ene 2026"


def test_it_refuses_what_is_not_a_date() -> None:
    with pytest.raises(TypeError, match="value must be a date, but got str"):
        format_day("2026-12-07")  # type: ignore[arg-type]


def test_it_shows_a_moment_in_the_clinics_time_zone() -> None:
    uploaded = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert format_moment(uploaded, "UTC", "en") == "7 Dec 2026, 23:30 UTC"
    # the next day in Madrid (CET, UTC+1): the date moves with the time
    assert format_moment(uploaded, "Europe/Madrid", "es").startswith("8 dic 2026, 00:30")
    with pytest.raises(ValueError, match="timezone-aware"):
        format_moment(datetime(2026, 12, 7, 12, 0), "UTC", "en")


def test_english_is_the_text_itself_and_spanish_translates_it() -> None:
    with using_locale("en"):
        assert gettext("My diary") == "My diary"
    with using_locale("es"):
        assert gettext("My diary") == "Mi diario"
        assert gettext("") == ""  # not the catalog's header
    with pytest.raises(ValueError, match="locale must be one of en, es, but got 'fr'"):
        translations("fr")


def test_the_spanish_catalog_has_every_message_the_pages_use_and_no_other() -> None:
    missing, unused = drift(extract_catalog(), read_catalog("es"))
    assert missing == [], "run python -m hemispasm.clinic.web.catalog"
    assert unused == [], "run python -m hemispasm.clinic.web.catalog"


def test_the_drift_check_finds_a_marked_python_sentence_the_catalog_lacks(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text('<p>{{ _("My diary") }}</p>')
    (tmp_path / "labels.py").write_text(
        "from hemispasm.clinic.web.i18n import N_, gettext\n"
        'LABEL = N_("A label no catalog has yet")\n'
        "def message() -> str:\n"
        '    return gettext("A message no catalog has yet")\n'
    )
    missing, _unused = drift(extract_catalog(tmp_path), read_catalog("es"))
    assert missing == ["A label no catalog has yet", "A message no catalog has yet"]


def test_every_spanish_translation_keeps_the_placeholders_of_its_english() -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in read_catalog("es"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(placeholder.findall(ids[-1]))
        for string in strings:
            if string:
                assert sorted(placeholder.findall(string)) == wanted, message.id


def test_every_patient_page_message_is_translated_into_spanish() -> None:
    patient_files = (
        "base.html", "login.html", "error.html", "me.html", "education.html", "diary",
        "video_record.html", "video_upload_form.html", "video_crumbs.html", "video_note.html",
        "_schedule.html", "_cycles.html", "_ratings.html", "_videos.html", "_chart.html",
        "_clinic_phone.html", "diary.py", "refusals.py",
    )  # fmt: skip
    untranslated = [
        str(message.id)
        for message in read_catalog("es")
        if message.id
        and any(any(f in path for f in patient_files) for path, _ in message.locations)
        and not (message.string if isinstance(message.string, str) else all(message.string))
    ]
    assert untranslated == []
