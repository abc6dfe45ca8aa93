"""A photo attached to a session in the browser at a phone's and a desktop's width: its thumbnail
shows on the session page and opens the photo at full size (within the screen); axe finds no
serious problem on either page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clinic.photos import jpeg_with_gps
from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

WIDTHS = {"phone": {"width": 375, "height": 800}, "desktop": {"width": 1280, "height": 900}}


def session_url(server: Server) -> str:
    """The page of patient 1's latest session."""
    patient = server.patients["1"]
    sessions = server.api("GET", f"/api/v1/patients/{patient}/sessions")["items"]
    return f"{server.url}/patients/{patient}/sessions/{sessions[-1]['id']}"


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_clinician_attaches_a_photo_and_sees_it_on_the_session(
    page: Any, server: Server, screen: str, tmp_path: Path
) -> None:
    size = WIDTHS[screen]
    page.set_viewport_size(size)
    photo = tmp_path / f"face-{screen}.jpg"
    photo.write_bytes(jpeg_with_gps(640, 480))
    log_in(page, server, "clinician@example.org")
    page.goto(session_url(server))
    cards = page.locator(".photo-card")
    before = cards.count()

    form = page.locator("form", has=page.get_by_role("button", name="Attach the photo"))
    form.get_by_label("Photo file").set_input_files(str(photo))
    attach = form.get_by_role("button", name="Attach the photo")
    box = attach.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box  # WCAG 2.2 target size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
    attach.click()
    page.wait_for_load_state()

    assert cards.count() == before + 1
    newest = page.get_by_role("link", name=f"Photo {before + 1}: open at full size")
    thumbnail = newest.locator("img")
    thumbnail.scroll_into_view_if_needed()
    assert thumbnail.is_visible()
    assert (
        page.evaluate("(img) => img.complete && img.naturalWidth", thumbnail.element_handle())
        == 320
    )
    shown = thumbnail.bounding_box()
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= size["width"], shown
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= size["width"], f"the page is {scroll} px wide on a {size['width']} px screen"
    check_page(page, f"session-photo-{screen}")

    href = newest.get_attribute("href")
    newest.click()
    page.wait_for_load_state()
    assert page.url.endswith(href)
    full = page.get_by_role("img", name=f"Photo {before + 1} of the injection session")
    assert full.is_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", full.element_handle()) == 640
    box = full.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
    check_page(page, f"session-photo-full-{screen}")
