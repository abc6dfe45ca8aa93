"""A worker process killed (SIGKILL) in the middle of a job: after a new worker starts, the job
completes and the upload is still there. Real processes, on each queue backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from hemispasm.clinic.db.models import JobState, VideoAnalysis
from hemispasm.clinic.jobs.queue import JobQueue
from hemispasm.clinic.settings import Settings
from tests.clinic.jobs.helpers import (
    Clinic,
    job_row,
    upload,
    video_bytes,
    wait_for,
    wait_for_state,
)

REPO = Path(__file__).resolve().parents[3]


def worker_env(settings: Settings, clinic: Clinic, tmp_path: Path) -> dict[str, str]:
    """The environment of a worker process: the test's settings, and nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEMISPASM_")}
    env |= {
        "HEMISPASM_CACHE_DIR": str(tmp_path / "cache"),
        "HEMISPASM_ENVIRONMENT": "test",
        "HEMISPASM_DATA_DIR": str(settings.data_dir),
        "HEMISPASM_DATABASE_URL": clinic.url,
        "HEMISPASM_JOBS_QUEUE_NAME": settings.jobs_queue_name,
        "HEMISPASM_JOB_LEASE_S": str(settings.job_lease_s),
        "HEMISPASM_JOB_LEASE_RENEW_S": str(settings.job_lease_renew_s),
        "HEMISPASM_JOB_RECOVERY_INTERVAL_S": str(settings.job_recovery_interval_s),
        "HEMISPASM_JOB_RETRY_DELAY_S": "0",
        "HEMISPASM_TEST_BLOCK": str(tmp_path / "block"),
        "HEMISPASM_TEST_STARTED": str(tmp_path / "started"),
        "PYTHONPATH": str(REPO),
    }
    if settings.jobs_url is not None:
        env["HEMISPASM_JOBS_URL"] = settings.jobs_url
    return env


@contextmanager
def worker_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A running worker process; terminated (then killed) on the way out."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.clinic.jobs.worker_process"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_a_job_whose_worker_was_killed_completes_after_a_new_worker_starts(
    queue_settings: Settings, clinic: Clinic, queue: JobQueue, tmp_path: Path
) -> None:
    with clinic.session() as db:
        job_id = upload(db, clinic.patient, queue_settings, video_bytes(), queue.enqueue)
    video = queue_settings.data_dir / job_row(clinic, job_id).upload.stored_path
    env = worker_env(queue_settings, clinic, tmp_path)
    log = tmp_path / "workers.log"
    (tmp_path / "block").touch()

    with worker_process(env, log) as first:
        wait_for((tmp_path / "started").exists, timeout_s=30, what="the first worker to start")
        assert job_row(clinic, job_id).state is JobState.RUNNING
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    (tmp_path / "block").unlink()

    stranded = job_row(clinic, job_id)
    assert stranded.state is JobState.RUNNING and stranded.attempts == 1
    assert video.is_file()
    with worker_process(env, log):
        job = wait_for_state(clinic, job_id, "done", "failed", timeout_s=30)

    assert job.state is JobState.DONE, log.read_text()[-3000:]
    assert job.attempts == 2
    assert video.is_file()  # the upload was not lost
    with clinic.session() as db:
        stored = db.scalars(select(VideoAnalysis)).one()
    assert stored.id == job.video_analysis_id
    assert stored.video_sha256 == job.upload.sha256
