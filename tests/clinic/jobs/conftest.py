"""A committed clinic database and a queue, on each queue backend: SQLite always, Redis when it
answers at 127.0.0.1:6379 (``HEMISPASM_REQUIRE_REDIS=1`` makes its absence a failure). Each test
has its own data folder and its own Redis key prefix, flushed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hemispasm.clinic.jobs.queue import JobQueue, QueueConfig, build_queue
from hemispasm.clinic.settings import Settings
from tests.clinic.jobs.helpers import Clinic, jobs_settings, make_clinic, skip_or_fail_without_redis


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """The queue backend of the test."""
    if request.param == "redis":
        skip_or_fail_without_redis()
    return str(request.param)


@pytest.fixture
def queue_settings(tmp_path: Path, backend: str) -> Iterator[Settings]:
    """Settings for the test's data folder and queue; the Redis keys are removed afterwards."""
    settings = jobs_settings(tmp_path, backend)
    yield settings
    if backend == "redis":
        build_queue(QueueConfig.of(settings)).huey.flush()


@pytest.fixture
def clinic(tmp_path: Path, queue_settings: Settings) -> Iterator[Clinic]:
    """The test's clinic database."""
    made = make_clinic(tmp_path, queue_settings)
    yield made
    made.engine.dispose()


@pytest.fixture
def queue(queue_settings: Settings) -> JobQueue:
    """A queue of the test's own (not the process's cached one)."""
    return build_queue(QueueConfig.of(queue_settings))
