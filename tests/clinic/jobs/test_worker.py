"""Workers on each queue backend: Huey consumer threads take the jobs, retry passing failures,
give up on bad videos at once, and pick up what a stopped worker left. The analysis is stood in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.models import AnalysisJob, JobState, User, VideoAnalysis
from hemispasm.clinic.jobs import runner as runner_module
from hemispasm.clinic.jobs.queue import JobQueue
from hemispasm.clinic.jobs.worker import Worker
from hemispasm.clinic.services.accounts import open_session
from hemispasm.clinic.settings import Settings
from hemispasm.errors import NoFaceError
from tests.clinic.jobs.helpers import (
    TODAY,
    Clinic,
    FakeAnalysis,
    expired,
    upload,
    video_bytes,
    wait_for_state,
)


@contextmanager
def running(
    settings: Settings, clinic: Clinic, queue: JobQueue, analysis: FakeAnalysis
) -> Iterator[Worker]:
    worker = Worker(
        settings,
        clinic.session,
        analyse=analysis,
        queue=queue,
        embedded=True,
        today=lambda: TODAY,
    )
    worker.start()
    try:
        yield worker
    finally:
        analysis.release.set()
        worker.stop()


def new_job(settings: Settings, clinic: Clinic, queue: JobQueue, *, queued: bool = True) -> int:
    with clinic.session() as db:
        enqueue = queue.enqueue if queued else (lambda job_id: None)
        return upload(db, clinic.patient, settings, video_bytes(), enqueue)


def test_a_worker_analyses_an_uploaded_video(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    analysis = FakeAnalysis()
    with running(queue_settings, clinic, queue, analysis):
        job_id = new_job(queue_settings, clinic, queue)
        job = wait_for_state(clinic, job_id, "done", "failed")

    assert job.state is JobState.DONE and job.attempts == 1
    with clinic.session() as db:
        assert db.get(VideoAnalysis, job.video_analysis_id) is not None
    assert len(analysis.calls) == 1


def test_a_passing_failure_is_retried_by_the_queue_until_it_works(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    analysis = FakeAnalysis([TimeoutError("storage was slow"), "ok"])
    with running(queue_settings, clinic, queue, analysis):
        job_id = new_job(queue_settings, clinic, queue)
        job = wait_for_state(clinic, job_id, "done", "failed")

    assert job.state is JobState.DONE and job.attempts == 2
    assert len(analysis.calls) == 2


def test_passing_failures_end_in_failure_once_the_retries_are_used_up(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    analysis = FakeAnalysis([TimeoutError("storage was slow")])
    with running(queue_settings, clinic, queue, analysis):
        job_id = new_job(queue_settings, clinic, queue)
        job = wait_for_state(clinic, job_id, "failed")

    assert job.attempts == 3 and len(analysis.calls) == 3  # job_retries=2
    assert (
        job.error == "the analysis failed 3 times; last: an unexpected TimeoutError on the server"
    )


def test_a_bad_video_fails_once_with_its_reason(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    analysis = FakeAnalysis([NoFaceError("no face found in 100% of the frames")])
    with running(queue_settings, clinic, queue, analysis):
        job_id = new_job(queue_settings, clinic, queue)
        job = wait_for_state(clinic, job_id, "failed")
        other = new_job(queue_settings, clinic, queue)  # the worker goes on with the next job
        wait_for_state(clinic, other, "failed")

    assert job.attempts == 1 and job.error == "no face found in 100% of the frames"
    assert len(analysis.calls) == 2  # one per job: no retry
    assert queue.queued_job_ids() == set()


def test_a_worker_finishes_a_job_its_stopped_predecessor_left_running(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    job_id = new_job(queue_settings, clinic, queue, queued=False)
    with clinic.session() as db:
        db.execute(
            update(AnalysisJob)
            .where(AnalysisJob.id == job_id)
            .values(
                state=JobState.RUNNING, attempts=1, worker_id="gone", lease_expires_at=expired()
            )
        )
        db.commit()

    with running(queue_settings, clinic, queue, FakeAnalysis()):
        job = wait_for_state(clinic, job_id, "done", "failed")

    assert job.state is JobState.DONE and job.attempts == 2


def test_a_job_stored_but_never_queued_is_found_and_run(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue
) -> None:
    job_id = new_job(queue_settings, clinic, queue, queued=False)  # as if the queue was down
    settings = queue_settings.model_copy(update={"job_lease_renew_s": 0.5})  # the grace

    with running(settings, clinic, queue, FakeAnalysis()):
        job = wait_for_state(clinic, job_id, "done", "failed")

    assert job.state is JobState.DONE and job.attempts == 1


def test_the_server_runs_its_embedded_worker_while_it_serves(
    queue_settings: Settings, clinic: Clinic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    analysis = FakeAnalysis()
    monkeypatch.setattr(runner_module, "analyse_in_child_process", analysis)
    settings = queue_settings.model_copy(
        update={"embedded_worker": True, "database_url": clinic.url}
    )
    with clinic.session() as db:
        user = db.get(User, clinic.patient.user_id)
        assert user is not None
        token = open_session(db, user, kind="bearer", lifetime=timedelta(hours=1)).token
        db.commit()
    app = create_app(settings, clock=lambda: TODAY)
    headers = {"Authorization": f"Bearer {token}"}
    videos = f"/api/v1/patients/{clinic.patient.patient_id}/videos"

    with TestClient(app, base_url="https://testserver") as client:
        r = client.post(videos, files={"file": ("clip.mp4", video_bytes())}, headers=headers)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        wait_for_state(clinic, job_id, "done", "failed")
        r = client.get(
            f"/api/v1/patients/{clinic.patient.patient_id}/jobs/{job_id}", headers=headers
        )

    assert r.status_code == 200, r.text
    assert r.json()["state"] == "done" and r.json()["report_available"] is True
    assert app.state.worker.queue.huey.name == settings.jobs_queue_name
    assert len(analysis.calls) == 1
