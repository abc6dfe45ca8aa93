"""The job queue: a Huey instance chosen by the settings, with the one analysis task on it.

Unset ``HEMISPASM_JOBS_URL`` means a SQLite file in the data folder (no service to run); a
``redis://`` URL means Redis, shared by any number of ``hemispasm worker`` processes. Either way
the queue carries only job ids: what a job is, and how far it got, is in ``analysis_jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from huey import RedisHuey, SqliteHuey
from huey.api import Huey, Task
from huey.serializer import Serializer, SignedSerializer

from hemispasm.clinic.settings import Settings

QUEUE_FILE = "jobs.sqlite3"
TASK_NAME = "analyse_upload"


class Runner(Protocol):
    """What runs a job (``hemispasm.clinic.jobs.runner.JobRunner``)."""

    def run(self, job_id: int, *, retries_left: int) -> None:
        """Do the job's work; raise to have Huey retry it."""


def analyse_upload(runner: Runner, job_id: int, task: Task) -> None:
    """The task: analyse the upload of job ``job_id``. Huey passes the worker's ``runner`` and
    the ``task`` itself (whose ``retries`` are the retries left)."""
    runner.run(job_id, retries_left=int(task.retries or 0))


class NoWorkerError(RuntimeError):
    """A task was taken from the queue by a process that runs no worker."""


@dataclass(frozen=True)
class QueueConfig:
    """The settings a queue is built from."""

    url: str | None
    name: str
    queue_file: Path
    secret: str | None
    retries: int
    retry_delay_s: float

    @classmethod
    def of(cls, settings: Settings) -> QueueConfig:
        """The queue configuration of ``settings``."""
        return cls(
            url=settings.jobs_url,
            name=settings.jobs_queue_name,
            queue_file=(settings.data_dir / QUEUE_FILE).resolve(),
            secret=settings.secret_key,
            retries=settings.job_retries,
            retry_delay_s=settings.job_retry_delay_s,
        )


class JobQueue:
    """One Huey queue with ``analyse_upload`` registered on it.

    The server only enqueues job ids. A worker attaches its runner; Huey's ``context_task``
    enters this queue around every task it runs, which hands the task that runner.
    """

    def __init__(self, huey: Huey, *, retries: int, retry_delay_s: float) -> None:
        self.huey = huey
        self._runner: Runner | None = None
        self.task = huey.context_task(
            self,
            as_argument=True,
            retries=retries,
            retry_delay=retry_delay_s,
            context=True,
            name=TASK_NAME,
        )(analyse_upload)

    def __enter__(self) -> Runner:
        if self._runner is None:
            raise NoWorkerError("this process runs no analysis worker")
        return self._runner

    def __exit__(self, *exc_info: object) -> None:
        return None

    def attach(self, runner: Runner) -> None:
        """Let ``runner`` run the tasks this process takes from the queue."""
        self._runner = runner

    def detach(self, runner: Runner) -> None:
        """Undo ``attach`` (if ``runner`` is still the one attached)."""
        if self._runner is runner:
            self._runner = None

    def enqueue(self, job_id: int) -> None:
        """Queue the analysis of job ``job_id``."""
        self.task(job_id)

    def queued_job_ids(self) -> set[int]:
        """The jobs waiting in the queue or scheduled there for a retry."""
        tasks: list[Any] = [*self.huey.pending(), *self.huey.scheduled()]
        return {int(t.args[0]) for t in tasks if type(t).__name__ == TASK_NAME and len(t.args) == 1}


def build_queue(config: QueueConfig) -> JobQueue:
    """A new queue for ``config``: SQLite in the data folder, or Redis.

    Messages are signed with the secret key when there is one, so that a task cannot be slipped
    into a shared Redis by anyone who can reach it.
    """
    serializer = (
        SignedSerializer(secret=config.secret, salt="hemispasm.jobs")
        if config.secret
        else Serializer()
    )
    options: dict[str, Any] = {"results": False, "serializer": serializer, "utc": True}
    huey: Huey
    if config.url is None:
        config.queue_file.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(config.name, filename=str(config.queue_file), **options)
    else:
        huey = RedisHuey(config.name, url=config.url, **options)
    return JobQueue(huey, retries=config.retries, retry_delay_s=config.retry_delay_s)


@lru_cache(maxsize=16)
def _cached_queue(config: QueueConfig) -> JobQueue:
    return build_queue(config)


def get_queue(settings: Settings) -> JobQueue:
    """The queue of ``settings``, built once per process (the server and its embedded worker
    share it)."""
    return _cached_queue(QueueConfig.of(settings))
