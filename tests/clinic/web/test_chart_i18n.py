"""The timeline chart in the reader's language: its table, summary, labels, tooltips and the
script's words are Spanish on a Spanish page, and read as before on an English one."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.web.chart import build_timeline, chart_json
from hemispasm.clinic.web.chart_columns import effect_columns
from hemispasm.clinic.web.chart_measures import RATING, SPASMS
from hemispasm.clinic.web.chart_svg import svg_timeline
from hemispasm.clinic.web.i18n import using_locale
from hemispasm.clinic.web.pages import templates

START = date(2026, 1, 5)
TODAY = date(2026, 12, 7)
CYCLES = [
    CycleCourse(START, START + timedelta(days=10), wore_off_on=START + timedelta(days=90)),
    CycleCourse(START + timedelta(days=120), wore_off_on=START + timedelta(days=201)),
    CycleCourse(date(2026, 11, 20), date(2026, 11, 27)),
]
RATINGS = [(date(2026, 3, 2), 6), (date(2026, 9, 1), 3)]


def _chart_html(locale: str) -> str:
    data = build_timeline(
        CYCLES,
        [(RATING, RATINGS), (SPASMS, [(date(2026, 9, 1), 4.5)])],
        today=TODAY,
        next_due_on=date(2027, 2, 19),
    )
    assert data is not None
    with using_locale(locale):
        return templates.env.get_template("_chart.html").render(
            chart=data,
            chart_svg=svg_timeline(data),
            chart_data=chart_json(data),
            chart_assets_in_head=True,
        )


def _cycles_html(locale: str) -> str:
    with using_locale(locale):
        return templates.env.get_template("_cycles.html").render(
            trend=None, durations=effect_columns(CYCLES), cycles=[]
        )


def _summary(html: str) -> str:
    found = re.search(r'<p class="hint" id="timeline-summary">(.*?)</p>', html, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<th scope="row" class="date">([^<]*)</th><td>([^<]*)</td>', html)


def _mark_texts(html: str) -> list[str]:
    return re.findall(
        r'<text x="[\d.]+" y="[\d.]+" font-size="11" fill="#[0-9A-F]+">([^<]*)<', html
    )


def test_the_chart_reads_in_english_as_it_did() -> None:
    html = _chart_html("en")
    assert _rows(html)[:4] == [
        ("27 Nov 2026", "Effect began"),
        ("20 Nov 2026", "Injection"),
        ("1 Sep 2026", ""),  # a rating only
        ("25 Jul 2026", "Effect wore off (81 days)"),
    ]
    summary = _summary(html)
    assert summary.startswith("3 injection sessions from 5 Jan 2026 to 20 Nov 2026; ")
    assert "the effect lasted 80 to 81 days in 2 cycles, 81 days in the latest; " in summary
    assert "Own rating (0 none, 10 worst): 2 values from 3 to 6, latest 3 on 1 Sep 2026" in summary
    assert "Spasms per minute (video estimate): 1 value from 4.5 to 4.5" in summary
    assert sorted(_mark_texts(html)) == ["next due", "today"]
    assert "<title>today 7 Dec 2026</title>" in html
    assert "<title>next due 19 Feb 2027</title>" in html
    assert "<title>injection 5 Jan 2026</title>" in html
    assert "<title>effect 15 Jan 2026 to 5 Apr 2026: 80 days</title>" in html
    assert "<title>effect 27 Nov 2026 to today, not yet worn off</title>" in html
    assert "<title>Own rating 2 Mar 2026: 6</title>" in html
    text = json.loads(re.findall(r'id="timeline-text">(.*?)</script>', html, re.S)[0])
    assert text["months"][0] == "Jan" and text["measures"]["spasms"]["unit"] == "per min"


def test_the_chart_reads_in_spanish_on_a_spanish_page() -> None:
    html = _chart_html("es")
    assert _rows(html)[:4] == [
        ("27 nov 2026", "Empezó el efecto"),
        ("20 nov 2026", "Inyección"),
        ("1 sept 2026", ""),
        ("25 jul 2026", "Fin del efecto (81 días)"),
    ]
    summary = _summary(html)
    assert summary.startswith("3 sesiones de inyección, del 5 ene 2026 al 20 nov 2026; ")
    assert "el efecto duró de 80 a 81 días en 2 ciclos, 81 días en el último; " in summary
    assert "Puntuación propia (0 nada, 10 lo peor): 2 valores, de 3 a 6" in summary
    assert "1 valor, de 4.5 a 4.5" in summary
    assert sorted(_mark_texts(html)) == ["hoy", "próxima"]
    assert "<title>hoy, 7 dic 2026</title>" in html
    assert "<title>próxima el 19 feb 2027</title>" in html
    assert "<title>inyección del 5 ene 2026</title>" in html
    assert "<title>efecto del 15 ene 2026 al 5 abr 2026: 80 días</title>" in html
    assert "<title>Puntuación propia 2 mar 2026: 6</title>" in html
    for english in ("Injection<", "Effect began", "injection sessions", "today 7", "next due 19"):
        assert english not in html, english
    text = json.loads(re.findall(r'id="timeline-text">(.*?)</script>', html, re.S)[0])
    assert text["months"][11] == "dic"
    assert text["measures"] == {
        "rating": {"short": "Puntuación propia", "unit": ""},
        "spasms": {"short": "Espasmos / min", "unit": "por min"},
    }


def test_the_effect_columns_read_in_the_page_language() -> None:
    english, spanish = _cycles_html("en"), _cycles_html("es")
    assert "Effect days of the last 2 finished cycles, oldest first: 80, 81." in english
    assert "<title>injection 5 Jan 2026: 80 days</title>" in english
    assert ">5 Jan 2026</text>" in english
    assert "Días de efecto de los 2 últimos ciclos terminados" in spanish
    assert "<title>inyección del 5 ene 2026: 80 días</title>" in spanish
    assert ">5 ene 2026</text>" in spanish
