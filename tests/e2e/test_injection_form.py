"""The injection form in a real browser at a phone's, a tablet's and a desktop's width: eight sites
by mouse and eight by keyboard alone, the face map never over the site rows, targets of 24 px or
more; a saved session corrected (the audit keeps what it said before) and printed."""

from __future__ import annotations

import itertools
import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, PASSWORD, Server, check_page, log_in, screenshot

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

WIDTHS = (375, 768, 1280)
HEIGHTS = {375: 812, 768: 1024, 1280: 800}
PLAN = [  # eight sites on the patient's left, none above the demo clinic's limits
    ("frontalis", "2.5"),
    ("corrugator", "2.5"),
    ("orbicularis_oculi_preseptal", "2.5"),
    ("orbicularis_oculi_pretarsal_upper", "2.5"),
    ("orbicularis_oculi_pretarsal_lower", "2.5"),
    ("orbicularis_oculi_orbital_lateral_canthus", "2.5"),
    ("zygomaticus_minor", "1.25"),
    ("zygomaticus_major", "1.25"),
]
MIN_TARGET_PX = 24.0
_mrn = itertools.count(1)


@pytest.fixture(scope="module")
def clinician_state(chromium: Any, server: Server) -> Any:
    """One login for the whole file (logins are rate-limited): its cookies, for every tab."""
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, server, "clinician@example.org")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def tab(chromium: Any, clinician_state: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A clinician's tab at the width the test is parametrised with; console errors fail it."""
    width = request.node.callspec.params["width"]
    context = chromium.new_context(
        viewport={"width": width, "height": HEIGHTS[width]}, storage_state=clinician_state
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def new_patient(server: Server, width: int, how: str) -> int:
    """A patient of its own (no session yet): every test saves a session dated today."""
    n = next(_mrn)
    created = server.api(
        "POST",
        "/api/v1/patients",
        {
            "mrn": f"E2E-F{width}{how[0].upper()}{n}",
            "name": f"Demo Patient F{n}",
            "birth_date": "1958-03-09",
        },
    )
    return int(created["id"])


def site(page: Any, muscle: str, side: str = "left") -> Any:
    return page.locator(f'#facemap g.fm-site[data-muscle="{muscle}"][data-side="{side}"]')


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not shown"
    return dict(found)


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two boxes share any area (touching edges do not count)."""
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def assert_map_never_covers_a_row(page: Any, name: str) -> None:
    """Scroll each filled row into view and compare its box with the map's, as seen then."""
    rows = page.locator("#site-rows tr.site-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        row.scroll_into_view_if_needed()
        panel, drawn = box(page.locator(".map-panel")), box(row)
        assert not overlap(panel, drawn), f"{name}: the map {panel} covers row {i + 1} {drawn}"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    last = box(rows.nth(rows.count() - 1))
    assert not overlap(box(page.locator(".map-panel")), last), f"{name}: map over the last row"


def assert_targets_are_large_enough(page: Any, name: str) -> None:
    sizes = page.locator("#facemap g.fm-site[data-muscle]").evaluate_all(
        "els => els.map(g => { const r = g.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(sizes) == 34
    smallest = min(min(w, h) for w, h in sizes)
    print(f"\n{name}: the smallest map target is {smallest:.1f} px")
    assert smallest >= MIN_TARGET_PX, f"{name}: a map target is only {smallest:.1f} px"


def stored_sites(server: Server, patient_id: int) -> list[tuple[str, str, float]]:
    [session] = server.api("GET", f"/api/v1/patients/{patient_id}/sessions")["items"]
    detail = server.api("GET", f"/api/v1/patients/{patient_id}/sessions/{session['id']}")
    return [(s["muscle"], s["side"], s["units"]) for s in detail["sites"]]


def expected_sites() -> list[tuple[str, str, float]]:
    return [(muscle, "left", float(units)) for muscle, units in PLAN]


@pytest.mark.parametrize("width", WIDTHS)
def test_it_takes_eight_sites_by_mouse_and_the_map_never_covers_the_rows(
    tab: Any, server: Server, width: int
) -> None:
    patient_id = new_patient(server, width, "mouse")
    tab.goto(f"{server.url}/patients/{patient_id}/sessions/new")
    assert_targets_are_large_enough(tab, f"{width} px")
    tab.select_option("#product", "onabotulinumtoxinA")
    tab.fill("#dilution_units_per_0_1_ml", "2.5")
    for muscle, units in PLAN:
        target = site(tab, muscle)
        target.locator("circle").click()
        assert target.get_attribute("aria-pressed") == "true"
        tab.keyboard.type(units)
    assert tab.inner_text("#total-left") == "17.5"
    assert_map_never_covers_a_row(tab, f"{width} px")
    screenshot(tab, f"injection-form-mouse-{width}")
    map_shot = ARTIFACTS / "screenshots" / f"injection-map-8-sites-{width}.png"
    tab.locator("#facemap .facemap-svg").screenshot(path=str(map_shot))
    if width == 1280:
        check_page(tab, "injection-form-8-sites")
    tab.get_by_role("button", name="Save session").click()
    tab.wait_for_url(re.compile(r"/sessions/\d+$"))
    assert stored_sites(server, patient_id) == expected_sites()


def press(page: Any, key: str, count: list[int]) -> None:
    page.keyboard.press(key)
    count[0] += 1


def focused(page: Any) -> str:
    """What has the focus: an element's id, or a map site as ``muscle:side``."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.dataset && e.dataset.muscle ? e.dataset.muscle + ':' + e.dataset.side"
            " : e.id || e.tagName; }"
        )
    )


def tab_until(page: Any, wanted: Any, count: list[int], *, limit: int = 60) -> None:
    for _ in range(limit):
        press(page, "Tab", count)
        if wanted(focused(page)):
            return
    raise AssertionError(f"Tab never reached the element wanted; stopped at {focused(page)}")


def arrow_to(page: Any, muscle: str, side: str, count: list[int]) -> None:
    """Move over the map with the arrow keys (Up and Down along a side, Left and Right across)."""
    order = page.locator("#facemap g.fm-site[data-muscle]").evaluate_all(
        "els => els.map(g => g.dataset.muscle + ':' + g.dataset.side)"
    )
    target = order.index(f"{muscle}:{side}")
    for _ in range(len(order)):
        at = order.index(focused(page))
        if at == target:
            return
        if at % 2 != target % 2:  # the other side: right is the viewer's left
            press(page, "ArrowRight" if at % 2 == 0 else "ArrowLeft", count)
        else:
            press(page, "ArrowDown" if target > at else "ArrowUp", count)
    raise AssertionError(f"the arrow keys never reached {muscle}:{side}")


@pytest.mark.parametrize("width", WIDTHS)
def test_it_takes_eight_sites_by_keyboard_alone(tab: Any, server: Server, width: int) -> None:
    patient_id = new_patient(server, width, "keys")
    tab.goto(f"{server.url}/patients/{patient_id}/sessions/new")
    count = [0]
    tab_until(tab, lambda f: f == "product", count)
    press(tab, "o", count)  # the first product starting with "o": onabotulinumtoxinA
    assert tab.input_value("#product") == "onabotulinumtoxinA"
    tab_until(tab, lambda f: f == "dilution_units_per_0_1_ml", count)
    for key in "2.5":
        press(tab, key, count)
    tab_until(tab, lambda f: ":" in f, count)  # the map: one Tab stop
    assert tab.evaluate("document.activeElement.matches(':focus-visible')")
    map_shot = ARTIFACTS / "screenshots" / f"injection-map-focus-{width}.png"
    tab.locator("#facemap .facemap-svg").screenshot(path=str(map_shot))
    for n, (muscle, units) in enumerate(PLAN):
        arrow_to(tab, muscle, "left", count)
        press(tab, "Enter", count)
        assert focused(tab).endswith("-units"), f"Enter on {muscle} left the focus elsewhere"
        for key in units:
            press(tab, key, count)
        if n < len(PLAN) - 1:
            press(tab, "Enter", count)  # back to the map, at the site just entered
            assert focused(tab) == f"{muscle}:left"
    assert tab.inner_text("#total-left") == "17.5"
    assert_map_never_covers_a_row(tab, f"{width} px, keyboard")
    tab_until(tab, lambda f: f == "save-session", count)
    screenshot(tab, f"injection-form-keyboard-{width}")
    press(tab, "Enter", count)
    tab.wait_for_url(re.compile(r"/sessions/\d+$"))
    assert stored_sites(server, patient_id) == expected_sites()
    print(f"\n{width} px: 8 sites by keyboard alone in {count[0]} key presses")
    assert count[0] <= 120, f"{count[0]} key presses for eight sites"


_admin_token: dict[str, str] = {}


def admin_api(server: Server, path: str) -> Any:
    """The audit log is the clinic administrator's to read (one login: logins are rate-limited)."""
    if server.url not in _admin_token:
        login = urllib.request.Request(
            server.url + "/api/v1/auth/token",
            method="POST",
            data=json.dumps({"email": "admin@example.org", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=30) as answer:
            _admin_token[server.url] = json.loads(answer.read())["access_token"]
    request = urllib.request.Request(
        server.url + path, headers={"Authorization": f"Bearer {_admin_token[server.url]}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.mark.parametrize("width", WIDTHS)
def test_a_corrected_session_keeps_its_values_before_in_the_audit_and_prints(
    tab: Any, server: Server, width: int
) -> None:
    patient_id = new_patient(server, width, "edit")
    session = server.api(
        "POST",
        f"/api/v1/patients/{patient_id}/sessions",
        {
            "session_on": "2026-01-05",
            "product": "onabotulinumtoxinA",
            "dilution_units_per_0_1_ml": 2.5,
            "lot": "LOT-OLD",
            "sites": [{"muscle": "corrugator", "side": "left", "units": 2.5}],
        },
    )
    tab.goto(f"{server.url}/patients/{patient_id}/sessions/{session['id']}")
    tab.get_by_role("link", name="Correct this session").click()
    assert tab.input_value("#lot") == "LOT-OLD"
    assert_targets_are_large_enough(tab, f"{width} px, correcting")
    check_page(tab, f"injection-form-correct-{width}")
    tab.fill("#lot", "LOT-NEW")
    site(tab, "zygomaticus_major").locator("circle").click()
    tab.keyboard.type("1.25")
    tab.get_by_role("button", name="Save the correction").click()
    tab.wait_for_url(re.compile(rf"/sessions/{session['id']}$"))
    assert "LOT-NEW" in tab.inner_text(".session-facts")

    events = admin_api(server, f"/api/v1/audit-events?patient_id={patient_id}")["items"]
    [update] = [e for e in events if e["action"] == "update" and e["entity"] == "injection_session"]
    changes = update["detail"]["changes"]
    assert changes["lot"] == {"before": "LOT-OLD", "after": "LOT-NEW"}
    assert changes["sites"]["before"] == [{"muscle": "corrugator", "side": "left", "units": 2.5}]
    assert len(changes["sites"]["after"]) == 2

    tab.get_by_role("link", name="Print this session").click()
    tab.wait_for_url(re.compile(r"/print$"))
    tab.emulate_media(media="print")
    assert not tab.locator(".site-header").is_visible()
    assert not tab.locator(".print-actions").is_visible()
    screenshot(tab, f"session-print-as-printed-{width}")
    tab.emulate_media(media="screen")
    check_page(tab, f"session-print-{width}")
