"""Workers: a Huey consumer of the analysis queue, plus the recovery of lost jobs.

Embedded, the server runs one inside its own process (one worker thread, started and stopped
with the app; the thread hands each analysis to a child process and waits for it, so the face
model never runs beside the requests). At scale, each ``hemispasm worker`` process runs one; any
number of them, on any machines that reach the database, the queue and the data folder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta

from huey.consumer import Consumer
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.jobs.analysis import Analyse
from hemispasm.clinic.jobs.queue import JobQueue, get_queue
from hemispasm.clinic.jobs.recovery import recover_jobs
from hemispasm.clinic.jobs.runner import JobRunner
from hemispasm.clinic.settings import Settings

log = logging.getLogger(__name__)

EMBEDDED_SHUTDOWN_TIMEOUT_S = 10.0
"""How long the server waits at shutdown for a running analysis; a job cut short is recovered
when a worker starts again."""
POLL_MAX_DELAY_S = 1.0
"""Longest wait between two looks at an empty SQLite queue (Redis is waited on, not polled)."""


class _EmbeddedConsumer(Consumer):
    """A consumer that leaves the process's signal handlers to the web server."""

    def _set_signal_handlers(self) -> None:
        return None


class Worker:
    """Takes analysis jobs from the queue and runs them; recovers lost jobs at start and every
    ``job_recovery_interval_s``."""

    def __init__(
        self,
        settings: Settings,
        session_factory: Callable[[], Session],
        *,
        analyse: Analyse | None = None,
        queue: JobQueue | None = None,
        embedded: bool = False,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.runner = JobRunner(settings, session_factory, analyse=analyse, today=today)
        self.embedded = embedded
        self._queue = queue
        self._consumer: Consumer | None = None
        self._stop = threading.Event()
        self._recovery: threading.Thread | None = None

    @property
    def queue(self) -> JobQueue:
        """The queue this worker consumes (built on first use)."""
        if self._queue is None:
            self._queue = get_queue(self.settings)
        return self._queue

    def recover(self) -> list[int]:
        """Queue again the jobs left by stopped workers (see ``recovery``)."""
        grace = timedelta(seconds=self.settings.job_lease_renew_s)
        return recover_jobs(self.session_factory, self.queue, now=utcnow(), grace=grace)

    def _try_to_recover(self) -> None:
        try:
            self.recover()
        except Exception:  # the database or the queue is away: try again at the next tick
            log.exception("looking for lost jobs failed")

    def _recover_periodically(self) -> None:
        while not self._stop.wait(self.settings.job_recovery_interval_s):
            self._try_to_recover()

    def _prepare(self) -> Consumer:
        self.queue.attach(self.runner)
        self._try_to_recover()
        options = {
            "workers": 1,
            "worker_type": "thread",
            "periodic": False,
            "max_delay": POLL_MAX_DELAY_S,
        }
        if self.embedded:
            return _EmbeddedConsumer(
                self.queue.huey, shutdown_timeout=EMBEDDED_SHUTDOWN_TIMEOUT_S, **options
            )
        return Consumer(self.queue.huey, **options)

    def _start_recovery(self) -> None:
        self._stop.clear()
        self._recovery = threading.Thread(
            target=self._recover_periodically, name="job-recovery", daemon=True
        )
        self._recovery.start()

    def _stop_recovery(self) -> None:
        self._stop.set()
        if self._recovery is not None:
            self._recovery.join()
            self._recovery = None

    def start(self) -> None:
        """Start consuming in background threads (the embedded worker of the server)."""
        self._consumer = self._prepare()
        self._consumer.start()
        self._start_recovery()
        log.info("analysis worker %s started", self.runner.worker_id)

    def stop(self) -> None:
        """Stop taking jobs; wait a little for the one running (it is recovered if cut short)."""
        self._stop_recovery()
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
        self.queue.detach(self.runner)
        log.info("analysis worker %s stopped", self.runner.worker_id)

    def run(self) -> None:
        """Consume in the foreground until SIGINT (finish the job first) or SIGTERM (stop now;
        the job is recovered later)."""
        consumer = self._prepare()
        self._start_recovery()
        try:
            consumer.run()
        finally:
            self._stop_recovery()
            self.queue.detach(self.runner)
