"""A clinician's day in a real browser: register a patient, record a session on the face map,
upload videos, wait for their analysis, read the report and compare two videos."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, check_page, log_in

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser per run

ANALYSIS_TIMEOUT_MS = 240_000
"""The embedded worker analyses an 8 s video in a few seconds; CI machines may be slower."""


def _click_site(page: Any, muscle: str, side: str, units: str) -> None:
    """Select a site on the face map and type its units into the row it opened."""
    site = page.locator(f'g[data-muscle="{muscle}"][data-side="{side}"]')
    site.locator("circle").first.click()
    assert site.get_attribute("aria-pressed") == "true"
    page.keyboard.type(units)


def _upload(page: Any, videos_url: str, video: Path) -> None:
    page.goto(videos_url)
    page.get_by_label("Video file").set_input_files(str(video))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_load_state()
    # record.js follows the new upload's job and links its report when the analysis is done.
    page.locator("#uploads tr.video-new").get_by_role("link", name="Open the report").wait_for(
        timeout=ANALYSIS_TIMEOUT_MS
    )


def test_a_clinician_registers_a_patient_and_records_a_session_on_the_face_map(
    page: Any, server: Server, sample_videos: dict[str, Path]
) -> None:
    log_in(page, server, "clinician@example.org")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Record number").fill("E2E-0100")
    page.get_by_label("Name", exact=True).fill("Demo Patient 100")
    check_page(page, "patient-register")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/patients/\d+$"))
    patient_url = page.url
    assert page.get_by_role("heading", level=1, name="Demo Patient 100").count() == 1

    page.get_by_role("link", name="Record an injection session").click()
    page.select_option("#product", "onabotulinumtoxinA")
    page.fill("#dilution_units_per_0_1_ml", "2.5")
    _click_site(page, "orbicularis_oculi_pretarsal_upper", "left", "2.5")
    _click_site(page, "orbicularis_oculi_pretarsal_lower", "left", "2.5")
    _click_site(page, "zygomaticus_major", "left", "2")
    assert page.inner_text("#total-left") == "7"
    check_page(page, "session-form")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    assert page.get_by_text("0.28 mL").count() >= 1  # 7 units at 2.5 units per 0.1 mL
    check_page(page, "session")

    videos_url = patient_url + "/videos"
    _upload(page, videos_url, sample_videos["spasms"])
    check_page(page, "videos")
    page.locator("#uploads tr.video-new").get_by_role("link", name="Open the report").click()
    page.wait_for_url(re.compile(r"/videos/\d+$"))
    label = page.locator("dt", has_text=re.compile(r"^Spasms per minute$")).first
    spasms_per_min = float(label.locator("xpath=following-sibling::dd[1]").inner_text())
    assert spasms_per_min > 0, "the synthetic spasms were not found"
    grade = page.locator("dt", has_text=re.compile(r"^Jankovic total")).first
    assert int(grade.locator("xpath=following-sibling::dd[1]").inner_text()) >= 1
    check_page(page, "video-report")

    first_event = page.locator("#review li.review-event").first
    first_event.locator("summary").click()
    frame = first_event.locator("img").first
    frame.scroll_into_view_if_needed()  # cut from the video when first shown
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=frame.element_handle())
    first_event.get_by_role("button", name="Reject: not an event").click()
    page.wait_for_url(re.compile(r"corrected=e\d+"))
    assert page.get_by_role("heading", name=re.compile(r"^Corrected by .* on \d{4}-")).count() == 1
    check_page(page, "video-report-corrected")

    _upload(page, videos_url, sample_videos["calm"])
    page.reload()  # the comparison form is offered once two analyses are done
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/videos/compare\?"))
    assert page.get_by_role("heading", level=1, name="Two videos side by side").count() == 1
    check_page(page, "video-compare")

    page.goto(patient_url)
    check_page(page, "patient")
    page.goto(patient_url + "/assessments/new")
    check_page(page, "assessment-form")
