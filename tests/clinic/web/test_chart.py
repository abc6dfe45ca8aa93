"""The timeline chart: pure data and geometry (dates in, chart out), and the pages that carry it."""

from __future__ import annotations

import ast
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.web import chart, chart_columns, chart_measures, chart_svg
from hemispasm.clinic.web.chart import (
    EFFECT_WORE_OFF,
    INJECTION,
    Event,
    build_timeline,
    chart_json,
    day_number,
)
from hemispasm.clinic.web.chart_columns import effect_columns
from hemispasm.clinic.web.chart_measures import CLOSED, JANKOVIC, RATING, SPASMS, marker_path
from hemispasm.clinic.web.chart_svg import WIDTH, svg_timeline
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.bodies import session_body, site
from tests.clinic.web.conftest import log_in, text_of

START = date(2020, 1, 6)
RESULT = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "result_synthetic_left.json").read_text()
)


def _cycles(n: int, *, effect_days: int = 75) -> list[CycleCourse]:
    """``n`` cycles 84 days apart; odd ones without a reported wear-off."""
    return [
        CycleCourse(
            START + timedelta(days=84 * k),
            effect_began_on=START + timedelta(days=84 * k + 5),
            wore_off_on=START + timedelta(days=84 * k + 5 + effect_days) if k % 2 == 0 else None,
        )
        for k in range(n)
    ]


# --- the data -----------------------------------------------------------------------------------


def test_there_is_no_chart_without_anything_to_show() -> None:
    assert build_timeline([], today=START) is None
    assert build_timeline([], [(RATING, []), (SPASMS, [(START, None)])], today=START) is None


def test_ratings_alone_make_a_chart_without_sessions() -> None:
    data = build_timeline([], [(RATING, [(START, 4)])], today=START + timedelta(days=3))
    assert data is not None
    assert data.sessions == () and data.effects == ()
    assert [m.spec.key for m in data.measures] == ["rating"]
    assert data.summary.sessions == 0 and data.summary.first_on is None
    assert data.summary.cycles == 0


def test_each_session_is_marked_in_date_order_whatever_order_it_comes_in() -> None:
    cycles = _cycles(5)
    data = build_timeline(list(reversed(cycles)), today=date(2021, 3, 1))
    assert data is not None
    assert data.sessions == tuple(c.injected_on for c in cycles)
    assert chart_json(data)["sessions"] == [day_number(c.injected_on) for c in cycles]


def test_each_finished_cycle_is_a_band_from_onset_to_wear_off() -> None:
    data = build_timeline(_cycles(5), today=date(2021, 3, 1))
    assert data is not None
    # cycles 0, 2 and 4 have a wear-off; 1 and 3 do not, and are not the current cycle
    assert [(e.began_on, e.ended_on, e.days) for e in data.effects] == [
        (START + timedelta(days=84 * k + 5), START + timedelta(days=84 * k + 80), 75)
        for k in (0, 2, 4)
    ]
    assert not any(e.ongoing for e in data.effects)


def test_a_band_starts_at_the_injection_when_the_onset_is_unknown() -> None:
    cycle = CycleCourse(START, wore_off_on=START + timedelta(days=90))
    data = build_timeline([cycle], today=START + timedelta(days=100))
    assert data is not None
    (effect,) = data.effects
    assert effect.began_on == START and not effect.onset_known and effect.days == 90
    assert [r.events for r in data.rows] == [
        (Event(EFFECT_WORE_OFF, 90),),
        (Event(INJECTION),),
    ]


def test_the_current_cycle_runs_to_today_while_it_still_works() -> None:
    today = START + timedelta(days=30)
    data = build_timeline([CycleCourse(START, START + timedelta(days=4))], today=today)
    assert data is not None
    (effect,) = data.effects
    assert effect.ongoing and effect.ended_on == today and effect.days is None
    assert chart_json(data)["effects"][0] == {
        "from": day_number(START + timedelta(days=4)),
        "to": day_number(today),
        "injected": day_number(START),
        "onsetKnown": True,
        "ongoing": True,
        "days": None,
    }


def test_the_measures_are_aligned_on_their_dates_newest_first() -> None:
    day = START + timedelta(days=30)
    data = build_timeline(
        [CycleCourse(START)],
        [
            (RATING, [(day, 6), (START + timedelta(days=10), 2)]),
            (JANKOVIC, [(START, None)]),  # not rated: no panel at all
            (SPASMS, [(day, 7.25)]),
            (CLOSED, [(day, 12.0)]),
        ],
        today=day,
    )
    assert data is not None
    assert [m.spec.key for m in data.measures] == ["rating", "spasms", "closed"]
    assert [(r.on, r.events, r.values) for r in data.rows] == [
        (day, (), ((6.0,), (7.25,), (12.0,))),
        (START + timedelta(days=10), (), ((2.0,), (), ())),
        (START, (Event(INJECTION),), ((), (), ())),
    ]


def test_two_ratings_on_one_day_are_both_kept() -> None:
    data = build_timeline([], [(RATING, [(START, 3), (START, 5)])], today=START)
    assert data is not None
    assert data.rows[0].values == ((3.0, 5.0),)
    assert len(chart_json(data)["measures"][0]["points"]) == 2


def test_the_json_puts_every_value_on_the_day_axis() -> None:
    data = build_timeline(_cycles(2), [(SPASMS, [(START, 3.5)])], today=START + timedelta(days=200))
    assert data is not None
    out = chart_json(data)
    assert out["measures"][0]["points"] == [[day_number(START), 3.5]]
    assert out["measures"][0]["max"] is None  # fitted to the data
    assert out["today"] - out["viewStart"] <= 730 + 28
    assert out["start"] < day_number(START) and out["end"] > out["today"]
    json.dumps(out)  # plain JSON


def test_the_chart_opens_on_the_last_two_years_and_keeps_all_years() -> None:
    today = START + timedelta(days=84 * 30)
    data = build_timeline(_cycles(30), today=today)
    assert data is not None
    assert data.start < START < data.view_start
    assert (data.end - data.view_start).days == 730 + 28
    short = build_timeline(_cycles(3), today=START + timedelta(days=300))
    assert short is not None and short.view_start == short.start


def test_an_old_history_opens_on_everything_rather_than_an_empty_window() -> None:
    data = build_timeline(_cycles(3), today=START + timedelta(days=365 * 6))
    assert data is not None
    assert data.view_start == data.start


def test_the_next_due_date_widens_the_axis() -> None:
    due = START + timedelta(days=400)
    data = build_timeline(_cycles(1), today=START + timedelta(days=100), next_due_on=due)
    assert data is not None
    assert data.end > due and chart_json(data)["nextDue"] == day_number(due)


def test_a_window_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError, match="window_days must be at least 1, but got 0"):
        build_timeline(_cycles(1), today=START, window_days=0)


def test_the_summary_names_the_effect_range_and_the_latest_values() -> None:
    data = build_timeline(
        _cycles(5), [(RATING, [(START, 2), (START + timedelta(days=9), 8)])], today=date(2021, 3, 1)
    )
    assert data is not None
    s = data.summary
    assert (s.sessions, s.first_on) == (5, date(2020, 1, 6))
    assert (s.shortest_days, s.longest_days, s.cycles, s.latest_days) == (75, 75, 3, 75)
    (rating,) = s.measures
    assert (rating.count, rating.lowest, rating.highest) == (2, "2", "8")
    assert (rating.latest, rating.latest_on) == ("8", date(2020, 1, 15))


# --- the server-drawn SVG ----------------------------------------------------------------------


def test_everything_lies_inside_the_drawing() -> None:
    data = build_timeline(
        _cycles(12),
        [(RATING, [(START + timedelta(days=d), d % 11) for d in range(0, 900, 20)])],
        today=date(2030, 1, 1),
    )
    assert data is not None
    svg = svg_timeline(data)
    xs = [t.x for t in svg.ticks] + [b.x + b.width for b in svg.bars] + [svg.today.x]
    assert all(svg.left <= x <= svg.right for x in xs)
    assert svg.today.x == max(xs)
    (panel,) = svg.panels
    ys = [float(pair.split(",")[1]) for pair in panel.line.split()]
    assert all(panel.top <= y <= panel.bottom for y in ys)
    assert svg.height >= panel.bottom and svg.width == WIDTH


def test_the_svg_has_one_bar_per_finished_effect_and_one_marker_per_value() -> None:
    today = START + timedelta(days=84 * 4 + 20)
    last = START + timedelta(days=84 * 4)
    cycles = [*_cycles(4), CycleCourse(last, effect_began_on=last + timedelta(days=9))]
    values = [(START + timedelta(days=d), 5.0) for d in (3, 50, 100)]
    data = build_timeline(cycles, [(RATING, values), (SPASMS, values[:1])], today=today)
    assert data is not None
    svg = svg_timeline(data)
    assert len(svg.bars) == 2 and len(svg.ongoing) == 1 and len(svg.bands) == 3
    assert [len(p.markers) for p in svg.panels] == [3, 1]
    assert svg.bars[0].effect.days == 75
    assert svg.ongoing[0].effect.ongoing
    assert [y.label for y in svg.years] == ["2020", "2021"]  # from 14 days before the first


def test_a_higher_value_is_drawn_higher() -> None:
    data = build_timeline([], [(RATING, [(START, 2), (START + timedelta(days=5), 9)])], today=START)
    assert data is not None
    low, high = (float(p.split(",")[1]) for p in svg_timeline(data).panels[0].line.split())
    assert high < low  # SVG y grows downwards


@pytest.mark.parametrize("shape", ["circle", "triangle", "square", "diamond"])
def test_each_marker_shape_is_a_closed_path_around_its_point(shape: str) -> None:
    d = marker_path(shape, 100.0, 50.0)
    assert d.startswith("M") and d.endswith("z")
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d", d)]
    assert all(abs(n) < 120 for n in numbers)


def test_an_unknown_marker_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape must be circle, triangle, square or diamond"):
        marker_path("star", 0, 0)


def test_the_shapes_and_colours_of_the_measures_all_differ() -> None:
    specs = [RATING, JANKOVIC, SPASMS, CLOSED]
    assert len({s.marker for s in specs}) == 4 and len({s.colour for s in specs}) == 4
    assert len({s.dash for s in specs}) == 4


# --- effect days per cycle ---------------------------------------------------------------------


def test_effect_columns_need_two_finished_cycles() -> None:
    assert effect_columns(_cycles(2)) is None  # only cycle 0 is finished
    assert effect_columns(_cycles(3)) is not None


def test_a_longer_effect_is_a_taller_column() -> None:
    cycles = [
        CycleCourse(START + timedelta(days=84 * k), wore_off_on=START + timedelta(days=84 * k + d))
        for k, d in enumerate((80, 60, 70))
    ]
    columns = effect_columns(cycles)
    assert columns is not None
    tops = [c.top for c in columns.columns]
    assert [c.days for c in columns.columns] == [80, 60, 70]
    assert tops[0] < tops[2] < tops[1]
    assert columns.max_days == 90
    assert (columns.first_on, columns.last_on) == (cycles[0].injected_on, cycles[-1].injected_on)


def test_effect_columns_show_only_the_newest_cycles() -> None:
    cycles = [
        CycleCourse(START + timedelta(days=84 * k), wore_off_on=START + timedelta(days=84 * k + 70))
        for k in range(20)
    ]
    columns = effect_columns(cycles, last=5)
    assert columns is not None and len(columns.columns) == 5
    assert columns.last_on == cycles[-1].injected_on
    with pytest.raises(ValueError, match="last must be at least 2, but got 1"):
        effect_columns(cycles, last=1)


CHART_MODULES = (chart, chart_measures, chart_svg, chart_columns)


@pytest.mark.parametrize("module", CHART_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_chart_module_imports_only_the_standard_library_the_domain_and_its_siblings(
    module: ModuleType,
) -> None:
    tree = ast.parse(Path(str(module.__file__)).read_text())
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hemispasm")
    }
    assert imported - {"hemispasm", "__future__"} <= sys.stdlib_module_names
    siblings = {m.__name__ for m in CHART_MODULES}
    assert modules <= {"hemispasm.clinic.domain.cycles"} | siblings


# --- on the pages ------------------------------------------------------------------------------


def _post(client: TestClient, world: World, patient: str, kind: str, body: Any) -> Any:
    response = client.post(
        f"/api/v1/patients/{world.patients[patient]}/{kind}",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _session(on: date, **course: date) -> dict[str, Any]:
    """A session with one site, and its course dates."""
    return session_body(on, sites=[site()], **course)


def _rate(client: TestClient, world: World, on: date, score: int) -> None:
    _post(client, world, "P1", "self-ratings", {"rated_on": on.isoformat(), "score": score})


@pytest.fixture
def history(client: TestClient, world: World) -> World:
    """P1: three finished cycles, the fourth (30 days ago) still working; ratings low while an
    injection works and high as it wears off, an assessment, a video."""
    first = TODAY - timedelta(days=84 * 3 + 30)
    for k in range(4):
        on = first + timedelta(days=84 * k)
        course = {"effect_began_on": on + timedelta(days=4)}
        if k < 3:
            course["wore_off_on"] = on + timedelta(days=4 + 70 - 3 * k)
        _post(client, world, "P1", "sessions", _session(on, **course))
        _rate(client, world, on + timedelta(days=20), 2)  # working
        if k < 3:
            _rate(client, world, on + timedelta(days=80), 8)  # worn off
    _post(
        client,
        world,
        "P1",
        "assessments",
        {"assessed_on": str(first), "jankovic_severity": 3, "jankovic_frequency": 2},
    )
    _post(client, world, "P1", "video-analyses", {"recorded_on": str(first), "result": RESULT})
    return world


def _data_block(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="timeline-data">(.*?)</script>', html, re.S
    )
    assert match, "no timeline data block on the page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _figure_of(html: str) -> str:
    match = re.search(r'<figure class="chart tl".*?</figure>', html, re.S)
    assert match, "no timeline figure on the page"
    return match.group(0)


def test_the_patient_page_carries_the_chart_data_and_a_table(
    client: TestClient, history: World
) -> None:
    log_in(client, "clinician_a")
    html = client.get(f"/patients/{history.patients['P1']}").text
    data = _data_block(html)
    assert len(data["sessions"]) == 4 and len(data["effects"]) == 4
    assert [e["ongoing"] for e in data["effects"]] == [False, False, False, True]
    assert [e["days"] for e in data["effects"][:3]] == [70, 67, 64]
    measures = {m["key"]: m for m in data["measures"]}
    assert set(measures) == {"rating", "jankovic", "spasms", "closed"}
    assert measures["jankovic"]["points"][0][1] == 5  # severity 3 + frequency 2
    assert len(measures["rating"]["points"]) == 7
    figure = _figure_of(html)
    assert 'aria-describedby="timeline-summary"' in figure and 'id="timeline-summary"' in figure
    assert '<canvas role="img" aria-label=' in figure
    assert '<table id="timeline-table">' in figure and "<caption>" in figure
    table = text_of(figure.split('<table id="timeline-table">')[1])
    assert "Effect wore off (70 days)" in table and "Jankovic total (0-8)" in table
    assert 'src="/static/charts.js"' in html and 'src="/static/vendor/chart.umd.min.js"' in html
    assert "style=" not in figure and "onclick" not in figure  # the CSP allows neither
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_the_chart_script_and_library_are_served_by_the_app(client: TestClient) -> None:
    script = client.get("/static/charts.js")
    assert script.status_code == 200 and "timeline-data" not in script.text  # no data inside
    assert "hemispasmTimeline" in script.text
    assert client.get("/static/vendor/chart.umd.min.js").status_code == 200
    assert client.get("/static/diary.css").status_code == 200


def test_the_patients_own_page_charts_ratings_and_video_measures_but_no_clinic_scores(
    client: TestClient, history: World
) -> None:
    log_in(client, "patient_p1")
    html = client.get("/me").text
    data = _data_block(html)
    assert [m["key"] for m in data["measures"]] == ["rating", "spasms", "closed"]
    assert "jankovic" not in html.lower()
    assert 'id="timeline-table"' in html and 'aria-describedby="timeline-summary"' in html
    text = text_of(html)
    assert "How long each injection helped" in text and "Days each injection helped" in text
    for link in ("/me/diary", "/me/record", "/me/videos", "/education"):
        assert f'href="{link}"' in html
    assert "Next injection due" in text and "Earliest allowed" in text


def test_a_patient_without_any_history_sees_no_chart(client: TestClient, world: World) -> None:
    log_in(client, "patient_p2")
    response = client.get("/me")
    assert response.status_code == 200
    assert "timeline-data" not in response.text
    assert "Nothing to show yet" in text_of(response.text)


def test_the_schedule_says_how_far_off_each_date_is(client: TestClient, world: World) -> None:
    _post(client, world, "P2", "sessions", _session(TODAY - timedelta(days=80)))
    log_in(client, "patient_p2")
    text = text_of(client.get("/me").text)
    assert "Next injection due 19 Jun 2026 (in 4 days)" in text
    assert "Last injection 27 Mar 2026 (80 days ago)" in text
