"""The clinician's patient page: what matters now comes first, the long lists fold away whole."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from hemispasm.clinic.web.i18n import format_day
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.web.conftest import log_in, text_of
from tests.clinic.web.test_pages import _post, history  # noqa: F401 -- the fixture, reused


def _page(client: TestClient, world: World) -> str:
    log_in(client, "clinician_a")
    response = client.get(f"/patients/{world.patients['P1']}")
    assert response.status_code == 200
    return response.text


def _day(on: date | str) -> str:
    """A pattern for ``on`` as a page may show it: in the locale's words or as ISO 8601."""
    on = date.fromisoformat(on) if isinstance(on, str) else on
    return f"(?:{re.escape(on.isoformat())}|{re.escape(format_day(on, 'en'))})"


def _section(html: str, heading_id: str) -> str:
    """The HTML of the section labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_it_opens_with_the_due_date_the_last_session_and_the_latest_video(
    client: TestClient,
    history: World,  # noqa: F811
) -> None:
    html = _page(client, history)
    now = _section(html, "now-h")
    # "now" comes before the chart and every list
    assert html.index('aria-labelledby="now-h"') < html.index('aria-labelledby="timeline-h"')
    assert html.index('aria-labelledby="now-h"') < html.index('aria-labelledby="sessions-h"')
    text = text_of(now)
    assert "Next injection due" in text
    last_on = TODAY - timedelta(days=91)
    assert re.search(f"Last session {_day(last_on)} \\(91 days ago\\)", text)
    assert "onabotulinumtoxinA (Botox) · 9 units (left 7.5, right 1.5)" in text
    assert re.search(f"Latest video {_day('2026-06-01')}", text)
    assert "Estimates: Jankovic total" in text and "not a clinician's rating" in text
    assert "Side effects not resolved None." in text


def test_it_shows_open_side_effects_first_and_leaves_resolved_ones_in_the_list(
    client: TestClient,
    history: World,  # noqa: F811
) -> None:
    opened = (TODAY - timedelta(days=3)).isoformat()
    urgent = {"effect": "swallowing_difficulty", "severity": "moderate", "onset_on": opened}
    _post(client, history, "P1", "adverse-events", urgent)
    resolved = {"onset_on": "2026-01-10", "resolved_on": "2026-02-01"}
    _post(client, history, "P1", "adverse-events",
          {"effect": "ptosis", "severity": "mild", **resolved})  # fmt: skip
    html = _page(client, history)
    now = text_of(_section(html, "now-h"))
    assert re.search(f"Side effects not resolved .*urgent.*since {_day(opened)}", now)
    assert not re.search(_day("2026-01-10"), now)  # resolved: only in the folded list
    effects = _section(html, "adverse-events-h")
    assert "All 2 side effects (1 not resolved)" in text_of(effects)
    assert re.search(_day("2026-01-10"), effects)


def test_it_folds_every_long_list_with_its_count_and_keeps_every_row(
    client: TestClient,
    history: World,  # noqa: F811
) -> None:
    html = _page(client, history)
    for heading, summary in (
        ("sessions-h", "All 3 sessions, newest first"),
        ("cycles-h", "All 3 cycles, newest first"),
        ("assessments-h", "All 1 assessment, newest first"),
        ("ratings-h", "All 1 rating, newest first"),
        ("videos-h", "All 1 video analysis, newest first"),
    ):
        section = _section(html, heading)
        assert '<details class="fold">' in section, heading  # closed: no "open" attribute
        assert summary in text_of(section), heading
    sessions = _section(html, "sessions-h")
    for k in range(3):
        assert re.search(_day(TODAY - timedelta(days=91 + 84 * k)), sessions)


def test_it_shows_more_than_ten_assessments_when_folded(
    client: TestClient,
    history: World,  # noqa: F811
) -> None:
    for k in range(11):
        on = (TODAY - timedelta(days=10 + k)).isoformat()
        _post(client, history, "P1", "assessments", {"assessed_on": on, "jankovic_severity": 1})
    section = _section(_page(client, history), "assessments-h")
    assert "All 12 assessments, newest first" in text_of(section)
    assert section.count("/edit") == 12
