"""The patient page, the tables, the timeline chart and the comparison of two videos, measured in
a real browser at a phone's, a tablet's and a desktop's width (375, 768 and 1280 px)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clinic.bodies import session_body
from tests.e2e.conftest import Server, check_page, log_in
from tests.e2e.test_clinician import _upload

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

WIDTHS = (375, 768, 1280)
SESSIONS = 12
DAYS_APART = 84


@pytest.fixture(scope="module")
def history(server: Server) -> int:
    """A patient with a long course: twelve sessions 84 days apart, the newest 80 days ago (so
    the next one is due within days: its line stands right next to today's), and a side effect
    that has not resolved."""
    patient = server.api(
        "POST",
        "/api/v1/patients",
        {"mrn": "E2E-PAGES", "name": "Demo Patient Pages", "birth_date": "1958-02-11"},
    )
    pid = int(patient["id"])
    newest = date.today() - timedelta(days=80)
    for k in reversed(range(SESSIONS)):
        on = newest - timedelta(days=DAYS_APART * k)
        course = {"effect_began_on": on + timedelta(days=5), "wore_off_on": on + timedelta(days=70)}
        server.api("POST", f"/api/v1/patients/{pid}/sessions", session_body(on, **course))
    for k in range(6):
        rating = {"rated_on": (newest - timedelta(days=30 * k)).isoformat(), "score": 3 + k % 4}
        server.api("POST", f"/api/v1/patients/{pid}/self-ratings", rating)
    effect = {"effect": "ptosis", "severity": "mild", "onset_on": newest.isoformat()}
    server.api("POST", f"/api/v1/patients/{pid}/adverse-events", effect)
    return pid


@pytest.fixture(scope="module")
def clinician_state(chromium: Any, server: Server) -> dict[str, Any]:
    """The clinician's cookies after one login through the form (each test logging in again
    would meet the login rate limit)."""
    context = chromium.new_context()
    try:
        log_in(context.new_page(), server, "clinician@example.org")
        return dict(context.storage_state())
    finally:
        context.close()


@pytest.fixture(scope="module")
def compared(
    chromium: Any,
    server: Server,
    history: int,
    clinician_state: dict[str, Any],
    sample_videos: dict[str, Path],
) -> str:
    """The comparison page of the patient's two analysed videos (spasms, then calm)."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, storage_state=clinician_state
    )
    page = context.new_page()
    try:
        videos = f"{server.url}/patients/{history}/videos"
        _upload(page, videos, sample_videos["spasms"])
        _upload(page, videos, sample_videos["calm"])
        page.goto(videos)
        page.get_by_role("button", name="Compare").click()
        page.wait_for_url(re.compile(r"/videos/compare\?"))
        return str(page.url)
    finally:
        context.close()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized(
    request: pytest.FixtureRequest, chromium: Any, clinician_state: dict[str, Any]
) -> Iterator[Any]:
    """A tab at one of the three widths, logged in as the clinician; console errors fail."""
    context = chromium.new_context(
        viewport={"width": request.param, "height": 900}, storage_state=clinician_state
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return dict(box)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def assert_fits(page: Any, name: str) -> None:
    """Nothing is wider than the screen (a table scrolls inside its own box, which fits), no date
    in a table breaks across lines, and axe finds nothing serious."""
    width = page.viewport_size["width"]
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    overflowing = page.evaluate(
        """(width) => Array.from(document.querySelectorAll('table')).filter(t => {
            let box = t.parentElement;
            while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
                box = box.parentElement;
            }
            const edge = (box || t).getBoundingClientRect().right;
            return edge > width + 0.5;
        }).length""",
        width,
    )
    assert overflowing == 0, f"{name}: {overflowing} table(s) run off a {width} px screen"
    wrapped = page.evaluate(
        """() => Array.from(document.querySelectorAll('table .date')).filter(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
            return new Set(rects.map(r => Math.round(r.top))).size > 1;
        }).map(cell => cell.textContent.trim())"""
    )
    assert wrapped == [], f"{name}: dates broken across lines: {wrapped[:5]}"
    check_page(page, f"layout-{name}-{width}")


def test_the_patient_page_opens_with_what_matters_now_and_folds_the_lists(
    sized: Any, server: Server, history: int
) -> None:
    page = sized
    page.goto(f"{server.url}/patients/{history}")
    now = _box(page, "section.now")
    last = _box(page, "#now-last-session")
    effects = _box(page, "#now-side-effects")
    assert now["y"] < _box(page, "#timeline-h")["y"] < _box(page, "#sessions-h")["y"]
    assert (
        last["y"] < _box(page, "#timeline-h")["y"] and effects["y"] < _box(page, "#timeline-h")["y"]
    )
    assert page.locator(".now .schedule").get_by_text("Next injection due").is_visible()
    assert page.locator("#now-last-session").get_by_text("onabotulinumtoxinA").is_visible()
    assert page.locator("#now-side-effects li").count() == 1  # the ptosis, not resolved
    folds = page.locator("details.fold")
    assert folds.count() >= 4
    assert all(not folds.nth(i).evaluate("d => d.open") for i in range(folds.count()))
    sessions = page.locator("section[aria-labelledby=sessions-h] details.fold")
    assert sessions.locator("summary").inner_text().startswith(f"All {SESSIONS} sessions")
    assert not sessions.locator("table").is_visible()
    sessions.locator("summary").click()
    assert sessions.locator("tbody tr").count() == SESSIONS  # nothing is lost
    assert_fits(page, "patient")


def test_a_link_to_a_section_opens_its_fold(sized: Any, server: Server, history: int) -> None:
    page = sized
    page.goto(f"{server.url}/patients/{history}#adverse-events-h")
    fold = page.locator("section[aria-labelledby=adverse-events-h] details.fold")
    assert fold.evaluate("d => d.open")
    assert fold.locator("tbody tr").first.is_visible()


def test_the_timeline_labels_and_panels_never_touch(
    sized: Any, server: Server, history: int
) -> None:
    page = sized
    page.goto(f"{server.url}/patients/{history}")
    page.locator(".tl-mark-due").wait_for(state="visible")
    today, due = _box(page, ".tl-mark-today"), _box(page, ".tl-mark-due")
    assert not _overlap(today, due), (today, due)
    canvas = _box(page, ".tl-canvas canvas")
    for label in (today, due):  # inside the chart's box, above the drawing of the data
        assert (
            canvas["x"] - 1 <= label["x"]
            and label["x"] + label["width"] <= canvas["x"] + canvas["width"] + 1
        )
    geometry = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('.tl-canvas canvas'));
            const panels = Object.values(chart.scales)
                .filter(s => s.id.startsWith('y_'))
                .map(s => ({top: s.top, bottom: s.bottom,
                            labels: s.ticks.map(t => s.getPixelForValue(t.value))}))
                .sort((a, b) => a.top - b.top);
            return {panels, font: 12, area: chart.chartArea.top};
        }"""
    )
    panels = geometry["panels"]
    assert len(panels) >= 1
    half = geometry["font"] / 2
    for upper, lower in itertools.pairwise(panels):
        assert lower["top"] - upper["bottom"] >= 12, "two panels touch"
        # the lowest tick label of the upper panel stays clear of the highest of the lower one
        assert min(lower["labels"]) - half >= max(upper["labels"]) + half + 4
    for label in (today, due):
        assert label["y"] + label["height"] <= canvas["y"] + geometry["area"], "a label on the data"
    page.locator(".tl-canvas").screenshot(path=str(Path(server.data_dir).parent / "chart.png"))


def test_the_tables_fit_every_screen(sized: Any, server: Server, history: int) -> None:
    page = sized
    sessions = server.api("GET", f"/api/v1/patients/{history}/sessions")["items"]
    for path, name in (
        ("/worklist?due=", "worklist"),
        (f"/patients/{history}", "patient-open"),
        (f"/patients/{history}/sessions/{sessions[0]['id']}", "session"),
        (f"/patients/{history}/sessions/{sessions[0]['id']}/summary", "visit-summary"),
    ):
        page.goto(server.url + path)
        assert_fits(page, name)


def test_two_videos_side_by_side_with_traces_frames_playback_and_the_way_they_went(
    sized: Any, compared: str
) -> None:
    page = sized
    page.goto(compared)
    sides = page.locator(".cmp-side")
    assert sides.count() == 2
    first, second = _box(page, ".cmp-side:nth-child(1)"), _box(page, ".cmp-side:nth-child(2)")
    if page.viewport_size["width"] >= 768:
        assert abs(first["y"] - second["y"]) < 1 and first["x"] + first["width"] <= second["x"]
    else:
        assert first["y"] + first["height"] <= second["y"]
    traces = page.locator(".cmp-trace svg")
    assert traces.count() == 2
    for i in range(2):
        assert traces.nth(i).locator("polyline").count() >= 2  # both eyes
        assert traces.nth(i).bounding_box()["height"] > 60
    assert page.locator("video.cmp-video").count() == 2
    duration = page.locator("video.cmp-video").first.evaluate(
        """v => new Promise(done => v.readyState >= 1 ? done(v.duration)
              : v.addEventListener('loadedmetadata', () => done(v.duration)))"""
    )
    assert duration > 5  # the 8 s sample plays through the app's own route
    ways = page.locator(".cmp-way").all_inner_texts()
    assert {"better", "worse"} & set(ways), ways
    assert "lower" in page.locator(".cmp-rule").inner_text()
    assert "estimates" in page.locator(".cmp-rule").inner_text()
    frames = page.locator(".cmp-frames img")
    assert frames.count() >= 3  # the strongest spasm of the video with spasms, at least
    for i in range(frames.count()):
        frames.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.cmp-frames img'))
                   .every(img => img.complete && img.naturalWidth > 0)""",
        timeout=120_000,
    )  # cut from the stored videos on demand
    assert_fits(page, "compare")
    page.wait_for_load_state("networkidle")
