"""The video pages: uploading through a form, the state of the analysis, the report, two videos
side by side, the patient's own videos and recording page, and who may open which. On each
database; the recording script is checked in headless Chromium when it is installed."""

from __future__ import annotations

import copy
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.models import AnalysisJob, Upload, VideoAnalysis
from hemispasm.clinic.jobs.runner import JobRunner
from hemispasm.clinic.settings import Settings
from hemispasm.errors import NoFaceError
from hemispasm.report.labels import PCT_CLOSED
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.jobs.helpers import (
    RESULT,
    FakeAnalysis,
    jobs_settings,
    make_clinic,
    video_bytes,
    write_video,
)
from tests.clinic.uploads import MAX_UPLOAD_BYTES, sessions, settings
from tests.clinic.web.conftest import log_in, text_of

__all__ = ["sessions", "settings"]  # fixtures of the upload tests

API = "/api/v1"


def count(sessions: Callable[[], Session], model: type[Any]) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def assert_nothing_kept(settings: Settings, sessions: Callable[[], Session]) -> None:
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]
    assert count(sessions, Upload) == 0 and count(sessions, AnalysisJob) == 0


@cache
def video_of(seconds: float, fps: int) -> bytes:
    """A gray video of ``seconds`` at ``fps`` frames a second (``video_bytes`` has 5 a second)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_video(Path(folder) / "clip.mp4", seconds=seconds, fps=fps).read_bytes()


def upload(
    client: TestClient,
    path: str,
    content: bytes,
    *,
    token: str | None,
    filename: str = "clip.mp4",
    **fields: str,
) -> Any:
    """Post the upload form as a browser does: the CSRF token first, then the file and fields."""
    data = ({"csrf_token": token} if token is not None else {}) | fields
    return client.post(path, data=data, files={"file": (filename, content, "video/mp4")})


def run_job(settings: Settings, sessions: Callable[[], Session], job_id: int, **kw: Any) -> None:
    """Do the job's work now, with the analysis stood in for (as tests/clinic/jobs does)."""
    runner = JobRunner(settings, sessions, analyse=FakeAnalysis(**kw), today=lambda: TODAY)
    runner.run(job_id, retries_left=0)


def only_job(sessions: Callable[[], Session]) -> AnalysisJob:
    with sessions() as db:
        [job] = db.scalars(select(AnalysisJob)).all()
        return job


def add_analysis(client: TestClient, world: World, recorded_on: str, result: Any = None) -> int:
    pid = world.patients["P1"]
    response = client.post(
        f"{API}/patients/{pid}/video-analyses",
        json={"recorded_on": recorded_on, "result": result or RESULT},
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_session(client: TestClient, world: World, on: str) -> None:
    body = {
        "session_on": on,
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [{"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5}],
    }
    response = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=body,
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 201, response.text


def calmer_result() -> dict[str, Any]:
    """The sample result with only its first two spasms kept (10 per minute, not 20)."""
    result = copy.deepcopy(RESULT)
    spasms = [e for e in result["events"] if e["kind"] == "spasm"][:2]
    result["events"] = [e for e in result["events"] if e["kind"] == "blink"] + spasms
    result["metrics"] |= {"spasms_per_min": 10.0, "spasm_count": 2, "tonic_spasm_count": 0}
    result["metrics"] |= {"pct_time_affected_eye_half_closed": 4.5, "longest_spasm_s": 0.28}
    result["grades"]["jankovic_total"]["value"] = 4
    result["grades"]["smc_grade"]["value"] = "II"
    return result


# --- uploading and the state of the analysis ----------------------------------------------------


def test_a_clinicians_upload_is_stored_and_shown_waiting_for_its_analysis(
    client: TestClient, world: World, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    pid = world.patients["P1"]

    response = upload(
        client, f"/patients/{pid}/videos", video_bytes(), token=token, recorded_on="2026-06-10"
    )

    assert response.status_code == 303, response.text
    job = only_job(sessions)
    assert response.headers["location"] == f"/patients/{pid}/videos?uploaded={job.id}#uploads"
    assert job.state.value == "queued" and job.recorded_on.isoformat() == "2026-06-10"
    page = client.get(response.headers["location"])
    text = text_of(page.text)
    assert "The video was received" in text
    assert "10 Jun 2026 Waiting to be analysed clip.mp4" in text
    assert f'data-job-url="{API}/patients/{pid}/jobs/{job.id}"' in page.text
    assert "Check again" in text  # without the script, a link refreshes the state


def test_the_page_follows_the_job_through_the_json_route_the_script_polls(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    pid = world.patients["P1"]
    upload(client, f"/patients/{pid}/videos", video_bytes(), token=token)
    job = only_job(sessions)
    page = client.get(f"/patients/{pid}/videos").text
    poll = re.search(r'data-job-url="([^"]+)"', page)
    assert poll is not None

    run_job(settings, sessions, job.id)

    state = client.get(poll.group(1))  # the session cookie is enough to read
    assert state.status_code == 200 and state.json()["state"] == "done"
    page = client.get(f"/patients/{pid}/videos").text
    aid = state.json()["video_analysis_id"]
    assert "data-job-url" not in page  # nothing left to follow
    assert f'href="/patients/{pid}/videos/{aid}">Open the report' in page


def test_a_finished_analysis_has_a_report_page_with_its_numbers(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    pid = world.patients["P1"]
    add_session(client, world, "2026-05-18")
    upload(client, f"/patients/{pid}/videos", video_bytes(), token=token)
    run_job(settings, sessions, only_job(sessions).id)
    aid = only_job(sessions).video_analysis_id

    response = client.get(f"/patients/{pid}/videos/{aid}")

    assert response.status_code == 200, response.text
    text = text_of(response.text)
    assert "Video of 15 Jun 2026" in text and "Demo Patient P1" in text
    assert "28 days after the injection of 18 May 2026" in text
    assert "Affected side Left" in text
    assert "Spasms per minute 20.0 4 spasms" in text
    assert "Blinks per minute 15.0 3 blinks" in text
    assert "Time the affected eye was mostly closed by spasms 9.7 %" in text
    assert "during spasms, closure above 0.5 (about 75 % shut)" in text
    # each side: eye spasms and mouth-corner spasms per minute (count) over 12 s of video
    assert "Measure Left affected Right" in text
    assert "Eye: spasms per minute 20.0 0.0 Eye: spasms 4 0" in text
    assert "Mouth corner: spasms per minute 10.0 0.0 Mouth corner: spasms 2 0" in text
    assert "Tonic (sustained) spasms 1 0 Longest spasm 1.18 s —" in text
    assert "Jankovic total Jankovic Rating Scale, total 0-8 6" in text
    assert "SMC grade SMC grade, I-IV III" in text
    assert "Estimates that support the clinician" in text and RESULT["caveat"] in text
    # the clinician reviews each event (the fake analysis wrote no per-frame data to correct)
    assert response.text.count("review-state review-state-unreviewed") == 7
    assert "#1 Spasm, left eye 1.81 s to 1.99 s not reviewed" in text
    assert "Duration 0.18 s Peak closure 0.30" in text
    assert "Software: version 0.1.0" in text
    assert "Parameter: Closures closer than this are one event (s) merge_gap_s = 0.15" in text
    assert "Parameter: baseline_window_s 20" in text  # a parameter without a plain name
    assert response.text.count('<rect class="tl-left') == 6  # 4 eye spasms, 2 with the mouth
    assert response.text.count('<rect class="tl-blink"') == 3


def test_a_failed_analysis_shows_its_reason(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    pid = world.patients["P1"]
    upload(client, f"/patients/{pid}/videos", video_bytes(), token=token)

    run_job(settings, sessions, only_job(sessions).id, outcomes=[NoFaceError("no face found")])

    text = text_of(client.get(f"/patients/{pid}/videos").text)
    assert "Failed Reason: no face found" in text
    assert "No video has been analysed yet." in text


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"only text, not a video" * 20, 422, "Not a video in a supported format"),
        (video_bytes(seconds=1.0), 422, "The video is 1.00 s long; at least 3 s is needed"),
        (video_of(2.96, fps=25), 422, "The video is 2.96 s long; at least 3 s is needed"),
        (b"", 422, "The file is empty"),
        (b"\0" * (MAX_UPLOAD_BYTES + 1), 413, f"larger than the limit of {MAX_UPLOAD_BYTES}"),
    ],
    ids=["text", "too short", "just short", "empty", "too large"],
)
def test_a_bad_file_is_refused_with_a_page_naming_the_problem_and_nothing_is_kept(
    client: TestClient,
    world: World,
    settings: Settings,
    sessions: Callable[[], Session],
    content: bytes,
    status: int,
    message: str,
) -> None:
    token = log_in(client, "clinician_a")
    pid = world.patients["P1"]

    response = upload(
        client, f"/patients/{pid}/videos", content, token=token, recorded_on="2026-06-01"
    )

    assert response.status_code == status
    error = re.search(r'<p class="error" id="file-error">([^<]+)</p>', response.text)
    assert error is not None and message in error.group(1)
    assert 'aria-describedby="file-hint file-error"' in response.text
    assert 'value="2026-06-01"' in response.text  # the date entered is kept
    assert str(settings.data_dir) not in response.text
    assert_nothing_kept(settings, sessions)


def test_a_future_recording_date_is_named_next_to_its_field(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    path = f"/patients/{world.patients['P1']}/videos"

    response = upload(client, path, video_bytes(), token=token, recorded_on="2026-06-16")

    assert response.status_code == 422
    assert re.search(r'id="recorded_on-error">[^<]*2026-06-16 is in the future', response.text)
    assert 'value="2026-06-16"' in response.text
    assert_nothing_kept(settings, sessions)


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
def test_an_upload_without_the_forms_csrf_token_is_refused(
    client: TestClient,
    world: World,
    settings: Settings,
    sessions: Callable[[], Session],
    token: str | None,
) -> None:
    log_in(client, "clinician_a")

    response = upload(
        client, f"/patients/{world.patients['P1']}/videos", video_bytes(), token=token
    )

    assert response.status_code == 403
    assert "this form has expired" in text_of(response.text)
    assert_nothing_kept(settings, sessions)


def test_a_token_sent_after_the_file_comes_too_late(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_a")
    boundary = "b0undary"
    parts = [
        ("file", 'filename="clip.mp4"\r\nContent-Type: video/mp4', video_bytes()),
        ("csrf_token", "", token.encode()),
    ]
    body = (
        b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; {extra}\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, extra, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )

    response = client.post(
        f"/patients/{world.patients['P1']}/videos",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 403
    assert_nothing_kept(settings, sessions)


def test_an_anonymous_upload_goes_to_the_login_and_nothing_is_kept(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    response = upload(client, f"/patients/{world.patients['P1']}/videos", video_bytes(), token="x")

    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert_nothing_kept(settings, sessions)


# --- who may open which -------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_and_back(
    client: TestClient, world: World
) -> None:
    pid = world.patients["P1"]
    for path in (f"/patients/{pid}/videos", "/me/videos", "/me/record"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("clinician_b", "/patients/{P1}/videos", 404),
        ("clinician_b", "/patients/{P1}/videos/{aid}", 404),
        ("clinician_b", "/patients/{P1}/videos/compare?a={aid}&b={aid2}", 404),
        ("clinician_a", "/patients/{Q1}/videos", 404),
        ("clinician_a", "/patients/{P2}/videos/{aid}", 404),
        ("patient_p2", "/patients/{P1}/videos", 404),
        ("patient_p2", "/me/videos/{aid}", 404),
        ("patient_p2", "/me/videos/compare?a={aid}&b={aid2}", 404),
        ("patient_p1", "/patients/{P1}/videos", 403),
        ("clinician_a", "/me/videos", 403),
        ("clinician_a", "/me/record", 403),
        ("admin_a", "/patients/{P1}/videos", 403),
    ],
)
def test_each_persona_reaches_only_the_videos_they_may_see(
    client: TestClient, world: World, persona: str, path: str, status: int
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    aid2 = add_analysis(client, world, "2026-06-10")
    log_in(client, persona)

    response = client.get(path.format(aid=aid, aid2=aid2, **world.patients))

    assert response.status_code == status
    assert "Demo Patient P1" not in response.text and "20.0" not in response.text


def test_another_clinic_cannot_upload_for_the_patient_and_nothing_is_kept(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "clinician_b")

    response = upload(
        client, f"/patients/{world.patients['P1']}/videos", video_bytes(), token=token
    )

    assert response.status_code == 404
    assert_nothing_kept(settings, sessions)


# --- the patient's own videos -------------------------------------------------------------------


def test_a_patient_uploads_their_own_video_and_reads_its_report(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    token = log_in(client, "patient_p1")

    response = upload(client, "/me/videos", video_bytes(), token=token, filename="phone.mov")

    assert response.status_code == 303
    job = only_job(sessions)
    assert job.patient_id == world.patients["P1"]
    assert response.headers["location"] == f"/me/videos?uploaded={job.id}#uploads"
    assert "Waiting to be analysed phone.mov" in text_of(client.get("/me/videos").text)
    run_job(settings, sessions, job.id)
    aid = only_job(sessions).video_analysis_id
    page = client.get("/me/videos").text
    assert f'href="/me/videos/{aid}"' in page
    report = client.get(f"/me/videos/{aid}")
    assert report.status_code == 200
    assert "Spasms per minute 20.0" in text_of(report.text)
    assert "Demo Patient P1" not in report.text  # the patient's own page needs no name


def test_the_recording_page_offers_the_camera_and_a_plain_form_as_fallback(
    client: TestClient, world: World, settings: Settings
) -> None:
    token = log_in(client, "patient_p1")

    page = client.get("/me/record")

    assert page.status_code == 200
    html = page.text
    assert '<script src="/static/record.js" defer></script>' in html
    assert re.search(r'<section class="recorder" id="recorder" hidden', html)  # shown by the script
    assert 'data-upload-url="/me/videos"' in html
    assert f'data-max-bytes="{MAX_UPLOAD_BYTES}"' in html
    form = html[html.index('<form class="video-form"') :]
    assert form.index('name="csrf_token"') < form.index('name="file"')
    assert f'value="{token}"' in form and 'accept="video/*"' in form
    assert 'action="/me/videos"' in form and 'enctype="multipart/form-data"' in form
    assert "Look at the camera and keep your face still." in text_of(html)
    script = client.get("/static/record.js")
    assert script.status_code == 200 and "getUserMedia" in script.text


def test_a_patient_can_reach_their_videos_from_their_page(client: TestClient, world: World) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    log_in(client, "patient_p1")

    page = client.get("/me").text

    assert f'href="/me/videos/{aid}"' in page
    assert 'href="/me/record"' in page and 'href="/me/videos"' in page


def test_the_patient_page_links_each_analysis_to_its_report(
    client: TestClient, world: World
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    log_in(client, "clinician_a")
    pid = world.patients["P1"]

    page = client.get(f"/patients/{pid}").text

    assert f'href="/patients/{pid}/videos/{aid}"' in page
    assert f'href="/patients/{pid}/videos"' in page


# --- side by side -------------------------------------------------------------------------------


def test_two_videos_side_by_side_show_both_and_the_change(client: TestClient, world: World) -> None:
    add_session(client, world, "2026-02-20")
    add_session(client, world, "2026-05-18")
    before = add_analysis(client, world, "2026-05-15")
    after = add_analysis(client, world, "2026-06-12", calmer_result())
    log_in(client, "clinician_a")
    pid = world.patients["P1"]
    listed = client.get(f"/patients/{pid}/videos").text
    assert f'<option value="{before}" selected>' in listed  # the two newest, preselected
    assert f'<option value="{after}" selected>' in listed

    response = client.get(f"/patients/{pid}/videos/compare?a={after}&b={before}")

    assert response.status_code == 200, response.text
    text = text_of(response.text)
    assert "recorded 28 days apart; the earlier one is on the left" in text
    # both were sent in through the API by a clinician, not analysed by the server: imported
    assert "Earlier: 15 May 2026 84 days since the last injection · imported result" in text
    assert "Later: 12 Jun 2026 25 days since the last injection · imported result" in text
    assert "Measure 15 May 2026 12 Jun 2026 Change Which way" in text
    assert (
        "Days since the last injection 84 injected 20 Feb 2026 25 injected 18 May 2026 "
        "1 injection in between 18 May 2026"
    ) in text
    # each change with the way it went: lower is better for the spasms
    assert "Spasms per minute 20.0 10.0 -10.0 (-50 %) better" in text
    assert (
        "Time the affected eye was mostly closed by spasms 9.7 % 4.5 % -5.2 percentage points "
        "better"
    ) in text
    assert "Left eye: spasms per minute 20.0 10.0 -10.0 (-50 %) better" in text
    assert "Jankovic total, estimate (0-8) 6 4 -2 better" in text
    assert "SMC grade, estimate (I-IV) III II III to II better" in text
    assert "Estimates that support the clinician" in text
    assert "lower" in text and "not a clinician's rating" in text  # the rule is stated


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "a", "Choose a video from the list."),
        ("?a={aid}&b=x", "b", "Choose a video from the list."),
        ("?a={aid}&b=" + "9" * 5000, "b", "Choose a video from the list."),
        ("?a={aid}&b={aid}", "b", "Choose a different video from the first one."),
    ],
    ids=["none chosen", "not a number", "a huge number", "the same twice"],
)
def test_a_comparison_needs_two_different_analyses(
    client: TestClient, world: World, query: str, field: str, message: str
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    add_analysis(client, world, "2026-06-10")
    log_in(client, "clinician_a")
    pid = world.patients["P1"]

    response = client.get(f"/patients/{pid}/videos/compare{query.format(aid=aid)}")

    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="compare-{field}-error">([^<]+)</p>', response.text)
    assert error is not None and error.group(1) == message
    assert f'aria-describedby="compare-{field}-error"' in response.text
    if field == "b":  # the first choice is kept
        assert f'<option value="{aid}" selected>' in response.text


def test_a_patient_compares_their_own_two_videos(client: TestClient, world: World) -> None:
    before = add_analysis(client, world, "2026-05-15")
    after = add_analysis(client, world, "2026-06-12", calmer_result())
    log_in(client, "patient_p1")

    response = client.get(f"/me/videos/compare?a={before}&b={after}")

    assert response.status_code == 200
    assert "Spasms per minute 20.0 10.0 -10.0 (-50 %)" in text_of(response.text)
    assert f'href="/me/videos/{before}"' in response.text


def test_a_video_recorded_on_an_injection_day_counts_as_taken_before_the_injection(
    client: TestClient, world: World
) -> None:
    add_session(client, world, "2026-02-20")
    add_session(client, world, "2026-05-18")
    before = add_analysis(client, world, "2026-05-18")  # filmed at the visit, then injected
    after = add_analysis(client, world, "2026-06-12", calmer_result())
    log_in(client, "clinician_a")
    pid = world.patients["P1"]

    compare = text_of(client.get(f"/patients/{pid}/videos/compare?a={before}&b={after}").text)
    report = text_of(client.get(f"/patients/{pid}/videos/{before}").text)

    assert (
        "Days since the last injection 87 injected 20 Feb 2026 recorded on the day of an "
        "injection, before it 25 injected 18 May 2026 1 injection in between 18 May 2026"
    ) in compare
    assert "Days since the last injection: 0" not in compare
    assert (
        "Recorded on the day of an injection, before it; 87 days after the injection of 20 Feb 2026"
    ) in report
    assert "Days since the last injection 87 injected 20 Feb 2026; recorded on the day" in report


def test_a_video_recorded_on_the_day_of_the_first_injection_has_no_earlier_one(
    client: TestClient, world: World
) -> None:
    add_session(client, world, "2026-05-18")
    before = add_analysis(client, world, "2026-05-18")
    after = add_analysis(client, world, "2026-05-18", calmer_result())
    log_in(client, "patient_p1")

    compare = text_of(client.get(f"/me/videos/compare?a={before}&b={after}").text)
    report = text_of(client.get(f"/me/videos/{before}").text)

    assert "recorded 0 days apart" in compare
    assert (
        "Days since the last injection — none recorded before recorded on the day of an "
        "injection, before it — none recorded before recorded on the day of an injection, "
        "before it no injection in between"
    ) in compare
    assert "Recorded on the day of an injection, before it; no earlier injection recorded" in report


# --- notes on an analysis -----------------------------------------------------------------------


def test_notes_on_an_analysis_are_saved_and_shown(
    client: TestClient, world: World, sessions: Callable[[], Session]
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    token = log_in(client, "clinician_a")
    path = f"/patients/{world.patients['P1']}/videos/{aid}"

    response = client.post(
        f"{path}/notes", data={"csrf_token": token, "notes": "  Recorded after a poor night.  "}
    )

    assert response.status_code == 303 and response.headers["location"] == f"{path}?saved=1#notes"
    page = client.get(response.headers["location"]).text
    assert "The notes were saved." in page and ">Recorded after a poor night.</textarea>" in page
    with sessions() as db:
        assert db.get(VideoAnalysis, aid).notes == "Recorded after a poor night."  # type: ignore[union-attr]


def test_notes_that_are_too_long_are_refused_and_kept_in_the_form(
    client: TestClient, world: World, sessions: Callable[[], Session]
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    token = log_in(client, "clinician_a")
    path = f"/patients/{world.patients['P1']}/videos/{aid}"

    response = client.post(f"{path}/notes", data={"csrf_token": token, "notes": "x" * 5001})

    assert response.status_code == 422
    assert re.search(r'id="notes-error">[^<]*at most 5000 characters', response.text)
    assert "x" * 5001 in response.text
    with sessions() as db:
        assert db.get(VideoAnalysis, aid).notes is None  # type: ignore[union-attr]


def test_notes_without_the_csrf_token_are_refused(
    client: TestClient, world: World, sessions: Callable[[], Session]
) -> None:
    aid = add_analysis(client, world, "2026-06-01")
    log_in(client, "clinician_a")

    response = client.post(
        f"/patients/{world.patients['P1']}/videos/{aid}/notes", data={"notes": "changed"}
    )

    assert response.status_code == 403
    with sessions() as db:
        assert db.get(VideoAnalysis, aid).notes is None  # type: ignore[union-attr]


def test_the_list_of_videos_reads_the_metric_columns_not_the_stored_results(
    client: TestClient, world: World, connection: Connection
) -> None:
    add_analysis(client, world, "2026-06-01")
    add_analysis(client, world, "2026-06-10", calmer_result())
    log_in(client, "clinician_a")
    statements: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", keep)
    try:
        response = client.get(f"/patients/{world.patients['P1']}/videos")
    finally:
        event.remove(connection, "before_cursor_execute", keep)

    text = text_of(response.text)
    imported = "imported: not analysed by the clinic's server"  # sent in through the API
    assert f"10 Jun 2026 {imported} 10.0 15.0 4 % Left 4 II" in text
    assert f"1 Jun 2026 {imported} 20.0 15.0 10 %" in text
    reads = [s for s in statements if re.search(r"\bFROM video_analyses\b", s)]
    assert reads, statements
    assert not [s for s in reads if "video_analyses.result" in s]


def test_the_pages_word_the_time_the_eye_was_closed_as_the_metric_is_measured(
    client: TestClient, world: World
) -> None:
    first = add_analysis(client, world, "2026-06-01")
    second = add_analysis(client, world, "2026-06-10", calmer_result())
    pid = world.patients["P1"]
    log_in(client, "clinician_a")
    video_pages = [
        f"/patients/{pid}/videos",
        f"/patients/{pid}/videos/{first}",
        f"/patients/{pid}/videos/compare?a={first}&b={second}",
    ]
    for path in video_pages:
        text = text_of(client.get(path).text)
        assert PCT_CLOSED.label in text, path
        assert "half closed" not in text, path
    # The patient's page shows the same words in its table of videos and in the note.
    patient = text_of(client.get(f"/patients/{pid}").text)
    assert (
        f"{PCT_CLOSED.label} * Affected side From 10 Jun 2026 10.0 4 % Left Imported result"
        in patient
    )
    assert "time the affected eye was mostly closed by spasms, that is about three" in patient


# --- what the pages load ------------------------------------------------------------------------


def assert_runs_under_the_policy(response: Any) -> None:
    """No inline style or script, no event handler attributes, nothing from other sites."""
    html = response.text
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "http://" not in html and "https://" not in html


def test_the_video_pages_run_under_the_content_security_policy(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    before = add_analysis(client, world, "2026-05-15")
    after = add_analysis(client, world, "2026-06-12", calmer_result())
    pid = world.patients["P1"]
    token = log_in(client, "clinician_a")
    upload(client, f"/patients/{pid}/videos", video_bytes(), token=token)
    for path in (
        f"/patients/{pid}/videos",
        f"/patients/{pid}/videos/{before}",
        f"/patients/{pid}/videos/compare?a={before}&b={after}",
    ):
        assert_runs_under_the_policy(client.get(path))
    log_in(client, "patient_p1")
    for path in ("/me/videos", "/me/record", f"/me/videos/{after}"):
        assert_runs_under_the_policy(client.get(path))
    assert client.get("/static/video.css").headers["content-type"].startswith("text/css")


# --- the recording, in a real browser with a fake camera ----------------------------------------


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 (a secure context for the camera) meanwhile."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_recording_page_records_with_the_camera_and_sends_the_video(
    tmp_path: Path, chromium: Any
) -> None:
    settings = jobs_settings(tmp_path, "sqlite", cookie_secure=False)
    clinic = make_clinic(tmp_path, settings)
    app = create_app(settings, engine=clinic.engine, clock=lambda: TODAY)
    with live_server(app) as base:  # Chromium runs with a fake camera (tests/browser.py)
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(f"{base}/login?next=/me/record")
            page.fill("#email", "patient.j@example.org")
            page.fill("#password", "a long password 1")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/me/record")
            recorder = page.locator("#recorder")
            assert recorder.is_visible()  # the script shows it: there is a camera
            # A shorter recording than a patient's 20 to 30 s keeps the test quick.
            recorder.evaluate("el => { el.dataset.minS = '3'; el.dataset.maxS = '4'; }")
            page.get_by_role("button", name="Turn on the camera").click()
            page.get_by_role("button", name="Start recording").click()
            page.locator(".recorder-stage.is-recording").wait_for(timeout=10_000)
            send = page.get_by_role("button", name="Send to my clinic")
            send.wait_for(state="visible", timeout=20_000)
            assert "Recorded 4 seconds" in page.locator(".recorder-status").inner_text()
            send.click()
            page.wait_for_url(re.compile(r"/me/videos\?uploaded=\d+"), timeout=20_000)
            assert "Waiting to be analysed" in page.locator("#uploads").inner_text()
            with clinic.session() as db:
                [job] = db.scalars(select(AnalysisJob)).all()
                assert job.state.value == "queued" and job.mirrored is False
                assert job.upload.content_type in ("video/webm", "video/mp4")
                assert job.upload.size_bytes > 10_000
            # The analysis finishes while the page is open: the page's script notices.
            runner = JobRunner(
                settings, clinic.session, analyse=FakeAnalysis(), today=lambda: TODAY
            )
            runner.run(job.id, retries_left=0)
            page.get_by_role("link", name="Open the report").click(timeout=15_000)
            assert "Spasms per minute 20.0" in " ".join(page.locator("main").inner_text().split())
        finally:
            context.close()
    clinic.engine.dispose()
