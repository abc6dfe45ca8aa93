"""Uploading a video: size limit, content checked (not the name), stored under its content hash,
its analysis queued; the job's state, error and result read back. On each database.

Who may call these routes is in test_authorization.py; the queue and the workers in
tests/clinic/jobs/.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.api.video_form import VideoForm
from hemispasm.clinic.db.models import AnalysisJob, Upload
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.jobs.runner import JobRunner
from hemispasm.clinic.services.uploads import clean_filename
from hemispasm.clinic.settings import Settings
from hemispasm.errors import NoFaceError
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.jobs.helpers import FakeAnalysis, video_bytes, write_video
from tests.clinic.uploads import MAX_UPLOAD_BYTES, sessions, settings

__all__ = ["sessions", "settings"]  # fixtures of the upload tests

API = "/api/v1"


def post_video(
    client: TestClient,
    world: World,
    content: bytes,
    *,
    as_: str = "clinician_a",
    patient: str = "P1",
    filename: str = "clip.mp4",
    data: dict[str, str] | None = None,
) -> Any:
    return client.post(
        f"{API}/patients/{world.patients[patient]}/videos",
        files={"file": (filename, content, "video/mp4")},
        data=data or {},
        headers=world[as_].headers,
    )


@cache
def video_of(seconds: float, fps: int) -> bytes:
    """A gray video of ``seconds`` at ``fps`` frames a second (``video_bytes`` has 5 a second)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_video(Path(folder) / "clip.mp4", seconds=seconds, fps=fps).read_bytes()


def stored_files(settings: Settings) -> list[Path]:
    """The video files in the uploads folder (not the temporary ones)."""
    uploads = settings.data_dir / "uploads"
    return sorted(p for p in uploads.glob("??/*") if p.is_file()) if uploads.exists() else []


def count(sessions: Callable[[], Session], model: type[Any]) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def assert_nothing_kept(settings: Settings, sessions: Callable[[], Session]) -> None:
    assert stored_files(settings) == []
    assert not any((settings.data_dir / "uploads" / ".incoming").glob("*"))
    assert count(sessions, Upload) == 0 and count(sessions, AnalysisJob) == 0


# --- accepted -----------------------------------------------------------------------------------


def test_an_accepted_video_is_stored_under_its_hash_and_its_analysis_queued(
    client: TestClient, world: World, settings: Settings
) -> None:
    r = post_video(client, world, video_bytes(), filename="../../etc/My clip.mp4")

    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "queued" and job["attempts"] == 0 and job["error"] is None
    assert job["patient_id"] == world.patients["P1"]
    assert job["recorded_on"] == TODAY.isoformat() and job["mirrored"] is False
    assert job["video_analysis_id"] is None and job["report_available"] is False
    sha = job["upload"]["sha256"]
    assert job["upload"]["content_type"] == "video/mp4"
    assert job["upload"]["size_bytes"] == len(video_bytes())
    assert job["upload"]["original_filename"] == "My clip.mp4"  # text only, never a path
    assert stored_files(settings) == [settings.data_dir / "uploads" / sha[:2] / f"{sha}.mp4"]
    assert get_queue(settings).queued_job_ids() == {job["id"]}


def test_the_same_video_uploaded_twice_is_stored_once(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    first = post_video(client, world, video_bytes(), filename="monday.mp4")
    second = post_video(client, world, video_bytes(), as_="patient_p1", filename="again.mov")
    other = post_video(client, world, video_bytes(shade=90))

    assert [r.status_code for r in (first, second, other)] == [202, 202, 202]
    assert first.json()["upload"]["sha256"] == second.json()["upload"]["sha256"]
    assert len(stored_files(settings)) == 2
    assert count(sessions, Upload) == 3 and count(sessions, AnalysisJob) == 3
    with sessions() as db:
        paths = db.scalars(select(Upload.stored_path).order_by(Upload.id)).all()
    assert paths[0] == paths[1] != paths[2]


@pytest.mark.parametrize(
    ("suffix", "codec", "content_type", "extension"),
    [
        (".webm", "libvpx", "video/webm", "webm"),
        (".mkv", "libx264", "video/x-matroska", "mkv"),
        (".mov", "libx264", "video/quicktime", "mov"),
        (".avi", "mjpeg", "video/x-msvideo", "avi"),
    ],
)
def test_the_type_stored_is_read_from_the_content_not_the_name(
    client: TestClient,
    world: World,
    settings: Settings,
    suffix: str,
    codec: str,
    content_type: str,
    extension: str,
) -> None:
    content = video_bytes(suffix=suffix, codec=codec)

    r = post_video(client, world, content, filename="named-wrongly.mp4")

    assert r.status_code == 202, r.text
    assert r.json()["upload"]["content_type"] == content_type
    [stored] = stored_files(settings)
    assert stored.suffix == f".{extension}" and stored.read_bytes() == content


def test_the_recording_date_and_mirroring_can_be_given(client: TestClient, world: World) -> None:
    r = post_video(
        client, world, video_bytes(), data={"recorded_on": "2026-06-01", "mirrored": "true"}
    )

    assert r.status_code == 202, r.text
    assert r.json()["recorded_on"] == "2026-06-01" and r.json()["mirrored"] is True


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\me\\clip.mp4", "clip.mp4"),
        ("../../etc/passwd", "passwd"),
        ("bell\x07 and\x00nul.mp4", "bell andnul.mp4"),
        ("", None),
        ("x" * 300 + ".mp4", "x" * 255),
    ],
)
def test_the_clients_file_name_is_kept_as_plain_text_only(sent: str, kept: str | None) -> None:
    assert clean_filename(sent) == kept


# --- refused ------------------------------------------------------------------------------------


def test_a_video_over_the_size_limit_is_refused_with_413(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    r = post_video(client, world, b"\0" * (MAX_UPLOAD_BYTES + 1))

    assert r.status_code == 413, r.text
    assert r.json()["errors"] == [
        {
            "field": "file",
            "message": f"the video is larger than the limit of {MAX_UPLOAD_BYTES} bytes",
        }
    ]
    assert_nothing_kept(settings, sessions)


def test_a_body_declared_larger_than_any_upload_is_refused_before_it_is_read(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    r = post_video(client, world, b"\0" * (MAX_UPLOAD_BYTES + 100_000))

    assert r.status_code == 413, r.text
    assert r.json()["detail"].startswith("body: the request body is larger than the limit")
    assert_nothing_kept(settings, sessions)


def test_other_routes_keep_the_small_body_limit(client: TestClient, world: World) -> None:
    big = {"mrn": "A-777", "name": "x" * 1_100_000}

    r = client.post(f"{API}/patients", json=big, headers=world["clinician_a"].headers)

    assert r.status_code == 413


def png_bytes() -> bytes:
    ok, encoded = cv2.imencode(".png", np.full((64, 64, 3), 200, np.uint8))
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a video, only text that says so" * 20, "not a video in a supported format"),
        (b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n", "not a video in a supported format"),
        (png_bytes(), "not a video in a supported format (mp4, mov, avi, mkv or webm)"),
        (video_bytes()[:300], "not a readable video"),
        (video_bytes(seconds=1.0), "the video is 1.00 s long; at least 3 s is needed"),
        (video_of(2.96, fps=25), "the video is 2.96 s long; at least 3 s is needed"),
        (video_of(2.999, fps=1000), "the video is 2.99 s long; at least 3 s is needed"),
        (b"", "the file is empty"),
    ],
    ids=[
        "text",
        "playlist",
        "picture",
        "truncated",
        "too short",
        "just short",
        "a hair short",
        "empty",
    ],
)
def test_what_is_not_a_usable_video_is_refused_with_422_whatever_its_name(
    client: TestClient,
    world: World,
    settings: Settings,
    sessions: Callable[[], Session],
    content: bytes,
    message: str,
) -> None:
    r = post_video(client, world, content, filename="clip.mp4")

    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "file" and error["message"].startswith(message)
    assert str(settings.data_dir) not in r.text
    assert_nothing_kept(settings, sessions)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"json": {"file": "clip.mp4"}}, "file", "send the video as multipart/form-data"),
        (
            {"data": {"recorded_on": "2026-06-01"}, "files": {"other": ("x", b"x")}},
            "body",
            "unknown part 'other'",
        ),
        ({"data": {"recorded_on": "2026-06-01"}}, "file", "send the video as multipart"),
    ],
    ids=["json", "unknown part", "no file"],
)
def test_a_body_without_the_video_part_is_refused_with_422(
    client: TestClient, world: World, kwargs: dict[str, Any], field: str, message: str
) -> None:
    url = f"{API}/patients/{world.patients['P1']}/videos"

    r = client.post(url, headers=world["clinician_a"].headers, **kwargs)

    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == field and error["message"].startswith(message)


def test_the_api_takes_no_csrf_token_part_and_keeps_nothing(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    # The pages' upload form sends one (checked as the X-CSRF-Token header); the API does not.
    r = post_video(client, world, video_bytes(), data={"csrf_token": "x"})

    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "body"
    assert error["message"] == "unknown part 'csrf_token': send file, recorded_on and mirrored only"
    assert_nothing_kept(settings, sessions)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"recorded_on": "2026-06-16"}, "recorded_on", "2026-06-16 is in the future"),
        ({"recorded_on": "yesterday"}, "recorded_on", "must be a date like 2026-06-01"),
        ({"mirrored": "maybe"}, "mirrored", "must be true or false, not 'maybe'"),
    ],
)
def test_bad_fields_beside_the_video_are_refused_with_422(
    client: TestClient,
    world: World,
    settings: Settings,
    sessions: Callable[[], Session],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    r = post_video(client, world, video_bytes(), data=data)

    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == field and error["message"].startswith(message)
    assert_nothing_kept(settings, sessions)


def test_a_patient_cannot_upload_for_another_patient_and_nothing_is_read(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    r = post_video(client, world, video_bytes(), as_="patient_p2", patient="P1")

    assert r.status_code == 404
    assert_nothing_kept(settings, sessions)


# --- the job, read back -------------------------------------------------------------------------


def run_job(settings: Settings, sessions: Callable[[], Session], job_id: int, **kw: Any) -> None:
    analysis = FakeAnalysis(**kw)
    JobRunner(settings, sessions, analyse=analysis, today=lambda: TODAY).run(job_id, retries_left=2)


def test_a_finished_job_points_at_its_stored_analysis(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    job_id = post_video(client, world, video_bytes(), as_="patient_p1").json()["id"]
    run_job(settings, sessions, job_id)
    headers = world["patient_p1"].headers
    base = f"{API}/patients/{world.patients['P1']}"

    job = client.get(f"{base}/jobs/{job_id}", headers=headers).json()
    listed = client.get(f"{base}/jobs", headers=headers).json()

    assert job["state"] == "done" and job["attempts"] == 1 and job["report_available"] is True
    assert listed["total"] == 1 and listed["items"] == [job]
    analysis = client.get(f"{base}/video-analyses/{job['video_analysis_id']}", headers=headers)
    assert analysis.status_code == 200, analysis.text
    assert analysis.json()["spasms_per_min"] == 20.0
    assert analysis.json()["video_sha256"] == job["upload"]["sha256"]
    found = client.get(
        f"{API}/video-analyses",
        params={"min_spasms_per_min": 10},
        headers=world["clinician_a"].headers,
    ).json()
    assert [a["id"] for a in found["items"]] == [job["video_analysis_id"]]


def test_a_failed_job_shows_its_reason(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    job_id = post_video(client, world, video_bytes()).json()["id"]
    run_job(settings, sessions, job_id, outcomes=[NoFaceError("no face found in the video")])

    r = client.get(
        f"{API}/patients/{world.patients['P1']}/jobs/{job_id}", headers=world["clinician_a"].headers
    )

    assert r.json()["state"] == "failed" and r.json()["error"] == "no face found in the video"
    assert r.json()["video_analysis_id"] is None


def test_by_policy_the_raw_video_goes_and_the_analysis_stays(
    client: TestClient, world: World, settings: Settings, sessions: Callable[[], Session]
) -> None:
    job_id = post_video(client, world, video_bytes()).json()["id"]
    policy = settings.model_copy(update={"delete_raw_videos_after_analysis": True})
    run_job(policy, sessions, job_id)
    base = f"{API}/patients/{world.patients['P1']}"
    headers = world["clinician_a"].headers

    job = client.get(f"{base}/jobs/{job_id}", headers=headers).json()

    assert stored_files(settings) == []
    assert job["upload"]["raw_deleted_at"] is not None and job["state"] == "done"
    analysis = client.get(f"{base}/video-analyses/{job['video_analysis_id']}", headers=headers)
    assert analysis.status_code == 200 and analysis.json()["result"]["metrics"]


def test_the_video_form_refuses_file_as_an_extra_plain_field() -> None:
    with pytest.raises(ValueError, match="extra_fields: 'file' is the video's part"):
        VideoForm(lambda filename: pytest.fail("not called"), 100, extra_fields=("file",))
