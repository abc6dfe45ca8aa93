"""The words of a stored analysis's report page in the reader's language (``video_report``).

The words are ``report.labels``'s, shared with the standalone report.html, which stays English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hemispasm.clinic.web.i18n import using_locale
from hemispasm.clinic.web.video_report import compare_view, report_view
from hemispasm.report.labels import closed_level_note, spasms_note, usable_of
from hemispasm.report.result_json import load_result

RESULT = Path(__file__).parents[2] / "data" / "result_synthetic_left.json"


def _view(locale: str) -> dict:
    result = load_result(RESULT)
    with using_locale(locale):
        return report_view(
            result,
            analysis_id=1,
            url="/videos/1",
            recorded_on=date(2026, 6, 1),
            notes=None,
            session_dates=[],
        )


def test_a_spanish_reader_gets_the_measures_notes_and_events_in_spanish() -> None:
    view = _view("es")
    labels = [label for label, _, _ in view["more"]]
    assert "Espasmos en total" in labels and "Índice de asimetría" in labels
    assert "parte del tiempo útil" in view["closed_note"]
    assert view["pct_closed_label"] != _view("en")["pct_closed_label"]
    assert "espasmo" in view["spasms_note"]
    assert {e["kind"] for e in view["events"]} <= {"espasmo", "parpadeo"}
    assert all(e["side"] != "both eyes" for e in view["events"])
    assert [g["name"] for g in view["grades"]] == [
        "Gravedad de Jankovic",
        "Frecuencia de Jankovic",
        "Jankovic total",
        "Grado SMC",
    ]


def test_an_english_reader_gets_the_standalone_reports_words() -> None:
    view = _view("en")
    result = load_result(RESULT)
    assert view["spasms_note"] == spasms_note(result.metrics.spasm_count)
    assert "Spasms in all" in [label for label, _, _ in view["more"]]
    assert view["closed_note"] == closed_level_note(result.params["closed_closure"])


def test_the_comparison_names_the_grades_in_words_the_catalog_holds() -> None:
    result = load_result(RESULT)
    view = compare_view(
        result, result, first_on=date(2026, 1, 1), second_on=date(2026, 3, 1), session_dates=[]
    )
    assert "Jankovic total, estimate (0-8)" in [m["label"] for m in view["measures"]]


def test_the_shared_words_stay_english_without_a_translator() -> None:
    assert usable_of(10.0, 12.0) == "10.0 s of 12.0 s"
    assert spasms_note(1) == "1 spasm" and spasms_note(2) == "2 spasms"
