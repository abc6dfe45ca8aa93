"""One job's work, in this process, on each database: claim, analyse, store, fail, retry, recover.

The analysis is a stand-in (``FakeAnalysis``) except where a real error of the pipeline is
wanted. The queue's retries and real workers are in test_worker.py and test_kill.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AnalysisJob, AuditEvent, JobState, Upload, VideoAnalysis
from hemispasm.clinic.jobs.queue import QueueConfig, build_queue
from hemispasm.clinic.jobs.recovery import recover_jobs
from hemispasm.clinic.jobs.runner import JobRunner
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.errors import NoFaceError, OutputError
from tests.clinic.api.conftest import World, build_world
from tests.clinic.conftest import session_on
from tests.clinic.jobs.helpers import (
    TODAY,
    FakeAnalysis,
    expired,
    jobs_settings,
    upload,
    video_bytes,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Leases long enough that no renewal runs during a test (it would share the connection)."""
    return jobs_settings(tmp_path, "sqlite", job_lease_s=120, job_lease_renew_s=60)


@pytest.fixture
def sessions(connection: Connection) -> Callable[[], Session]:
    """Sessions inside the test's transaction."""
    return lambda: session_on(connection)


@pytest.fixture
def world(sessions: Callable[[], Session], settings: Settings) -> World:
    with sessions() as db:
        return build_world(db, settings)


def actor_of(world: World, name: str) -> Actor:
    user = world[name].user
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def new_job(
    sessions: Callable[[], Session],
    world: World,
    settings: Settings,
    *,
    by: str = "patient_p1",
    content: bytes | None = None,
) -> int:
    with sessions() as db:
        return upload(
            db,
            actor_of(world, by),
            settings,
            content or video_bytes(),
            lambda job_id: None,
            patient_id=world.patients["P1"],
        )


def runner(
    settings: Settings, sessions: Callable[[], Session], analyse: FakeAnalysis, worker: str = "w1"
) -> JobRunner:
    return JobRunner(settings, sessions, analyse=analyse, worker_id=worker, today=lambda: TODAY)


def job_of(sessions: Callable[[], Session], job_id: int) -> AnalysisJob:
    with sessions() as db:
        job = db.get(AnalysisJob, job_id)
        assert job is not None
        return job


def set_job(sessions: Callable[[], Session], job_id: int, **values: object) -> None:
    with sessions() as db:
        db.execute(update(AnalysisJob).where(AnalysisJob.id == job_id).values(**values))
        db.commit()


# --- a job that works ---------------------------------------------------------------------------


def test_a_finished_job_stores_its_result_as_a_video_analysis_of_the_patient(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    analysis = FakeAnalysis()

    runner(settings, sessions, analysis).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert job.state is JobState.DONE and job.attempts == 1 and job.error is None
    assert job.finished_at is not None and job.lease_expires_at is None
    assert job.report_path == f"reports/{job_id}"
    assert (settings.data_dir / job.report_path / "report.html").is_file()
    with sessions() as db:
        stored = db.get(VideoAnalysis, job.video_analysis_id)
        assert stored is not None and stored.patient_id == world.patients["P1"]
        assert stored.recorded_on == TODAY
        assert stored.spasms_per_min == 20.0 and stored.smc_grade_estimate == 3
        assert stored.video_sha256 == job.upload.sha256
        audit = db.scalars(
            select(AuditEvent).where(
                AuditEvent.request == f"analysis job {job_id} (upload {job.upload_id})"
            )
        ).one()
    assert (audit.action, audit.entity) == ("create", "video_analysis")
    assert audit.user_id == world["patient_p1"].user.id  # stored on behalf of the uploader
    assert analysis.calls == [settings.data_dir / job.upload.stored_path]


def test_a_job_already_done_is_skipped(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    runner(settings, sessions, FakeAnalysis()).run(job_id, retries_left=2)
    again = FakeAnalysis()

    runner(settings, sessions, again, "w2").run(job_id, retries_left=2)

    assert again.calls == []
    with sessions() as db:
        assert len(db.scalars(select(VideoAnalysis)).all()) == 1
    assert job_of(sessions, job_id).attempts == 1


def test_a_running_job_is_left_to_its_worker_until_its_lease_expires(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    first = runner(settings, sessions, FakeAnalysis())
    assert first.claim(job_id) is not None

    assert runner(settings, sessions, FakeAnalysis(), "w2").claim(job_id) is None
    set_job(sessions, job_id, lease_expires_at=expired())
    taken = runner(settings, sessions, FakeAnalysis(), "w2").claim(job_id)
    assert taken is not None and taken.number == 2 and taken.worker_id == "w2"


# --- a job that fails ---------------------------------------------------------------------------


def test_a_bad_video_fails_at_once_with_its_reason_and_no_server_path(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    video = settings.data_dir / job_of(sessions, job_id).upload.stored_path
    analysis = FakeAnalysis([NoFaceError(f"{video}: no face found in 98% of the frames")])

    runner(settings, sessions, analysis).run(job_id, retries_left=2)  # does not raise: no retry

    job = job_of(sessions, job_id)
    assert job.state is JobState.FAILED and job.attempts == 1
    assert job.error == "no face found in 98% of the frames"
    assert job.video_analysis_id is None and job.finished_at is not None


def test_a_passing_failure_is_handed_back_for_a_retry_with_its_reason(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    analysis = FakeAnalysis([ConnectionError("database went away"), "ok"])

    with pytest.raises(ConnectionError, match="database went away"):
        runner(settings, sessions, analysis).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert job.state is JobState.QUEUED and job.worker_id is None
    assert job.error == (
        "attempt 1 of 3 failed (an unexpected ConnectionError on the server); "
        "it will be tried again"
    )
    runner(settings, sessions, analysis).run(job_id, retries_left=1)
    job = job_of(sessions, job_id)
    assert job.state is JobState.DONE and job.attempts == 2 and job.error is None


@pytest.mark.parametrize("retries_left", [0, 2])
def test_a_failure_on_the_last_attempt_fails_the_job(
    settings: Settings, sessions: Callable[[], Session], world: World, retries_left: int
) -> None:
    job_id = new_job(sessions, world, settings)
    set_job(sessions, job_id, attempts=2 if retries_left else 0)  # the third try, or Huey's last

    report = settings.data_dir / f"reports/{job_id}"
    full = OutputError(f"cannot write the report to {report}: No space left on device")
    runner(settings, sessions, FakeAnalysis([full])).run(job_id, retries_left=retries_left)

    job = job_of(sessions, job_id)
    assert job.state is JobState.FAILED
    assert job.error == (
        f"the analysis failed {job.attempts} times; last: cannot write the report to "
        f"the data folder/reports/{job_id}: No space left on device"
    )


def test_a_job_whose_workers_keep_dying_is_given_up(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    set_job(sessions, job_id, attempts=3)  # three workers took it and never came back
    analysis = FakeAnalysis()

    runner(settings, sessions, analysis).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert analysis.calls == []
    assert job.state is JobState.FAILED and job.error is not None
    assert job.error.startswith("gave up after 3 attempts: its worker stopped during the last")


def test_a_worker_that_lost_its_lease_discards_its_result(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    # While this worker analyses, its lease is taken over by another worker.
    takeover = FakeAnalysis(during=lambda: set_job(sessions, job_id, worker_id="w2", attempts=2))

    runner(settings, sessions, takeover).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert job.state is JobState.RUNNING and job.worker_id == "w2"
    with sessions() as db:
        assert db.scalars(select(VideoAnalysis)).all() == []


def test_a_job_whose_video_is_gone_fails_with_a_clear_reason(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)
    (settings.data_dir / job_of(sessions, job_id).upload.stored_path).unlink()

    runner(settings, sessions, FakeAnalysis()).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert job.state is JobState.FAILED
    assert job.error == "the uploaded video is no longer stored; upload it again"


@pytest.mark.slow  # runs the face model
def test_the_real_pipeline_reports_a_faceless_video_without_retrying(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)  # a gray video: no face at all

    JobRunner(settings, sessions, today=lambda: TODAY).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert job.state is JobState.FAILED and job.attempts == 1
    assert job.error == "no face was found in any frame"
    assert str(settings.data_dir) not in job.error


# --- raw videos by clinic policy ----------------------------------------------------------------


def test_by_policy_the_analysed_video_is_deleted_and_the_results_stay(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    policy = settings.model_copy(update={"delete_raw_videos_after_analysis": True})
    job_id = new_job(sessions, world, policy)
    video = settings.data_dir / job_of(sessions, job_id).upload.stored_path

    runner(policy, sessions, FakeAnalysis()).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert not video.exists()
    assert job.upload.raw_deleted_at is not None
    assert job.state is JobState.DONE
    assert (settings.data_dir / f"reports/{job_id}/report.html").is_file()
    with sessions() as db:
        assert db.get(VideoAnalysis, job.video_analysis_id) is not None


def test_without_the_policy_the_video_is_kept(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    job_id = new_job(sessions, world, settings)

    runner(settings, sessions, FakeAnalysis()).run(job_id, retries_left=2)

    job = job_of(sessions, job_id)
    assert (settings.data_dir / job.upload.stored_path).is_file()
    assert job.upload.raw_deleted_at is None


def test_by_policy_a_video_another_upload_still_needs_is_kept(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    policy = settings.model_copy(update={"delete_raw_videos_after_analysis": True})
    first = new_job(sessions, world, policy)
    second = new_job(sessions, world, policy, by="clinician_a")  # the same content again
    video = settings.data_dir / job_of(sessions, first).upload.stored_path

    runner(policy, sessions, FakeAnalysis()).run(first, retries_left=2)
    assert video.is_file()
    assert job_of(sessions, first).upload.raw_deleted_at is not None

    runner(policy, sessions, FakeAnalysis()).run(second, retries_left=2)
    assert not video.exists()
    with sessions() as db:
        assert all(u.raw_deleted_at is not None for u in db.scalars(select(Upload)))


# --- recovery -----------------------------------------------------------------------------------


def test_recovery_queues_again_a_job_whose_worker_stopped(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    queue = build_queue(QueueConfig.of(settings))
    lost = new_job(sessions, world, settings)
    alive = new_job(sessions, world, settings, content=video_bytes(shade=90))
    set_job(sessions, lost, state=JobState.RUNNING, attempts=1, lease_expires_at=expired())
    runner(settings, sessions, FakeAnalysis()).claim(alive)

    assert recover_jobs(sessions, queue, now=utcnow(), grace=timedelta(hours=1)) == [lost]

    assert queue.queued_job_ids() == {lost}
    job = job_of(sessions, lost)
    assert job.state is JobState.QUEUED and job.lease_expires_at is None
    assert job.error == "attempt 1 was interrupted (its worker stopped); queued again"
    assert job_of(sessions, alive).state is JobState.RUNNING


def test_recovery_queues_a_waiting_job_the_queue_does_not_hold(
    settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    queue = build_queue(QueueConfig.of(settings))
    missing = new_job(sessions, world, settings)
    held = new_job(sessions, world, settings, content=video_bytes(shade=90))
    queue.enqueue(held)
    fresh = new_job(sessions, world, settings, content=video_bytes(shade=60))
    set_job(sessions, missing, updated_at=expired(60))
    set_job(sessions, held, updated_at=expired(60))

    recovered = recover_jobs(sessions, queue, now=utcnow(), grace=timedelta(seconds=30))

    assert recovered == [missing]  # not the one queued already, nor the one just uploaded
    assert fresh not in queue.queued_job_ids()
    assert queue.queued_job_ids() == {missing, held}
