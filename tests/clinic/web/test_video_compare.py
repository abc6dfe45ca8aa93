"""Two analyses side by side: the way each change went (lower is better for the spasms), the
closure traces, key frames and playback of both videos for the clinic, and who may play a video."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Upload
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.video_compare import (
    BETTER,
    BLINKS_LABEL,
    NO_CLEAR_CHANGE,
    NOT_RATED,
    NOT_RATED_LABELS,
    WORSE,
    ChangeRule,
    direction,
    recording_trace,
    rule_of,
)
from hemispasm.clinic.web.video_report import MEASURES
from tests.clinic.api.conftest import World
from tests.clinic.reviews import analysed_upload, new_style_result
from tests.clinic.uploads import sessions, settings
from tests.clinic.web.conftest import log_in, text_of

__all__ = ["sessions", "settings"]

RATE = ChangeRule(1.0)


# --- which way a change went ---------------------------------------------------------------------


def test_it_calls_fewer_spasms_better_and_more_worse() -> None:
    assert direction(20.0, 10.0, RATE) == BETTER
    assert direction(10.0, 20.0, RATE) == WORSE


@pytest.mark.parametrize(("before", "after"), [(20.0, 17.0), (0.0, 0.5), (3.0, 3.0)])
def test_it_calls_a_change_under_a_fifth_or_the_floor_no_clear_change(
    before: float, after: float
) -> None:
    assert direction(before, after, RATE) == NO_CLEAR_CHANGE


def test_every_step_of_a_grade_counts() -> None:
    grade = next(rule_of(m) for m in MEASURES if m.label.startswith("Jankovic total"))
    assert direction(6.0, 5.0, grade) == BETTER
    assert direction(1.0, 2.0, grade) == WORSE


def test_it_rates_every_measure_of_the_spasms_and_leaves_blinks_and_length_unrated() -> None:
    labels = {m.label for m in MEASURES}
    assert labels >= NOT_RATED_LABELS and BLINKS_LABEL in labels  # the names still match
    for m in MEASURES:
        assert (rule_of(m) is None) == (m.label in NOT_RATED_LABELS), m.label
    assert direction(5.0, 50.0, None) == NOT_RATED


def test_it_cannot_tell_without_both_values() -> None:
    assert direction(None, 3.0, RATE) == "cannot tell"


# --- the closure across a recording --------------------------------------------------------------


def test_the_trace_breaks_at_unusable_frames_and_shades_the_spasms() -> None:
    t = np.arange(0, 10, 0.1)
    usable = np.ones_like(t, dtype=bool)
    usable[40:50] = False
    closure = np.zeros_like(t)
    trace = recording_trace(t, usable, closure, closure, duration_s=10.0, spasms=[(2.0, 3.0)])
    assert trace is not None
    assert len(trace["left_lines"]) == 2 and len(trace["right_lines"]) == 2
    (span,) = trace["spans"]
    assert trace["left"] < span["x"] < trace["right"] and span["w"] > 2
    assert [tick["label"] for tick in trace["ticks"]][:3] == ["0", "2", "4"]


def test_a_long_recording_is_thinned_to_a_few_hundred_points() -> None:
    t = np.arange(0, 600, 1 / 30)  # ten minutes at 30 fps
    ok = np.ones_like(t, dtype=bool)
    trace = recording_trace(t, ok, np.zeros_like(t), np.zeros_like(t), duration_s=600.0)
    assert trace is not None
    assert len(trace["left_lines"][0].split()) <= 600


def test_there_is_no_trace_without_frames() -> None:
    empty = np.array([])
    assert recording_trace(empty, empty, empty, empty, duration_s=0.0) is None


# --- the page and the video --------------------------------------------------------------------


@pytest.fixture
def two(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> tuple[int, int, int]:
    """Two analysed uploads of P1 (the same sample result): patient id and both analysis ids."""
    pid, first = analysed_upload(db, settings, sessions, world, result=new_style_result())
    _, second = analysed_upload(db, settings, sessions, world, result=new_style_result())
    return pid, first, second


def test_a_clinician_sees_both_traces_key_frames_and_videos_side_by_side(
    client: TestClient, world: World, two: tuple[int, int, int]
) -> None:
    pid, first, second = two
    log_in(client, "clinician_a")

    page = client.get(f"/patients/{pid}/videos/compare?a={first}&b={second}")

    assert page.status_code == 200, page.text
    html, text = page.text, text_of(page.text)
    assert html.count('class="cmp-trace"') == 2
    assert html.count('class="tr-left"') >= 2 and html.count('class="tr-right"') >= 2
    for aid in (first, second):
        assert f'preload="metadata" src="/patients/{pid}/videos/{aid}/video"' in html
        frame = rf'<img src="/patients/{pid}/videos/{aid}/events/e\d+/frames/peak.jpg"'
        assert re.search(frame, html)
    assert "Key frames: the spasm that closed the eye most" in text
    assert "Spasms per minute 20.0 20.0 +0.0 (+0 %) no clear change" in text  # the same video
    assert "better when it is lower" in text


def test_the_video_plays_in_ranges_for_the_clinics_clinicians(
    client: TestClient, world: World, two: tuple[int, int, int]
) -> None:
    pid, first, _ = two
    log_in(client, "clinician_a")

    whole = client.get(f"/patients/{pid}/videos/{first}/video")
    part = client.get(f"/patients/{pid}/videos/{first}/video", headers={"Range": "bytes=0-99"})

    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert part.status_code == 206 and part.content == whole.content[:100]


@pytest.mark.parametrize(
    ("who", "status"), [("patient_p1", 403), ("clinician_b", 404), ("admin_a", 403)]
)
def test_nobody_else_plays_the_video(
    client: TestClient, world: World, two: tuple[int, int, int], who: str, status: int
) -> None:
    pid, first, _ = two
    log_in(client, who)
    assert client.get(f"/patients/{pid}/videos/{first}/video").status_code == status


def test_a_deleted_video_is_not_played_and_the_page_says_so(
    client: TestClient, db: Session, settings: Settings, world: World, two: tuple[int, int, int]
) -> None:
    pid, first, second = two
    for upload in db.scalars(select(Upload)):
        upload.raw_deleted_at = upload.created_at
        (settings.data_dir / upload.stored_path).unlink(missing_ok=True)
    db.commit()
    log_in(client, "clinician_a")

    assert client.get(f"/patients/{pid}/videos/{first}/video").status_code == 404
    page = client.get(f"/patients/{pid}/videos/compare?a={first}&b={second}")
    assert "<video" not in page.text
    assert "The video was deleted after its analysis: no frames or playback." in text_of(page.text)
