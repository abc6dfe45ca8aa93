"""The queue the settings name: a SQLite file in the data folder by default, Redis by URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from pydantic import ValidationError

from hemispasm.clinic.jobs.queue import QUEUE_FILE, JobQueue, QueueConfig, build_queue, get_queue
from hemispasm.clinic.settings import Settings
from tests.clinic.jobs.helpers import jobs_settings


def test_it_queues_in_a_sqlite_file_in_the_data_folder_when_no_url_is_set(
    tmp_path: Path,
) -> None:
    settings = jobs_settings(tmp_path, "sqlite")
    queue = build_queue(QueueConfig.of(settings))

    queue.enqueue(7)

    assert isinstance(queue.huey, SqliteHuey)
    assert (settings.data_dir / QUEUE_FILE).is_file()
    assert queue.queued_job_ids() == {7}


def test_it_queues_in_redis_when_the_url_names_it(
    queue_settings: Settings, queue: JobQueue, backend: str
) -> None:
    queue.enqueue(3)
    queue.enqueue(4)

    expected = RedisHuey if backend == "redis" else SqliteHuey
    assert isinstance(queue.huey, expected)
    assert queue.queued_job_ids() == {3, 4}
    # Another process with the same settings sees the same queue.
    assert build_queue(QueueConfig.of(queue_settings)).queued_job_ids() == {3, 4}


def test_the_server_and_its_worker_share_one_queue_per_configuration(tmp_path: Path) -> None:
    settings = jobs_settings(tmp_path, "sqlite")

    assert get_queue(settings) is get_queue(settings.model_copy())
    other = jobs_settings(tmp_path, "sqlite")  # another queue name
    assert get_queue(other) is not get_queue(settings)


def test_messages_signed_with_one_secret_are_not_run_by_a_queue_with_another(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    signed = jobs_settings(tmp_path, "sqlite", secret_key="s" * 32)
    build_queue(QueueConfig.of(signed)).enqueue(5)

    forged = QueueConfig.of(signed.model_copy(update={"secret_key": "t" * 32}))

    assert build_queue(forged).queued_job_ids() == set()
    assert "Unable to deserialize task" in caplog.text
    assert build_queue(QueueConfig.of(signed)).queued_job_ids() == {5}


def test_it_refuses_a_jobs_url_that_is_not_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="HEMISPASM_JOBS_URL must be a redis://"):
        Settings(jobs_url="amqp://user:secret@host/")


def test_it_refuses_a_lease_renewed_less_often_than_it_lasts() -> None:
    with pytest.raises(ValidationError, match="RENEW_S must be shorter than"):
        Settings(job_lease_s=10, job_lease_renew_s=10)
