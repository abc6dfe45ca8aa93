"""Run one analysis job: claim it, hold its lease, analyse the upload, store the result.

The decisions are here (retry or give up, what a failure is called); every change of the job's
row, and its transaction, is the job service's (``services.jobs``: claim, renew the lease,
complete, fail, release for a retry), so no SQL runs here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.jobs.analysis import Analyse, analyse_in_child_process
from hemispasm.clinic.services import jobs
from hemispasm.clinic.services.jobs import MAX_ERROR_CHARS, Attempt, LeaseLostError
from hemispasm.clinic.settings import Settings
from hemispasm.errors import HemispasmError, OutputError, VideoReadError

log = logging.getLogger(__name__)

REPORTS_FOLDER = "reports"

__all__ = ["REPORTS_FOLDER", "Attempt", "JobRunner", "LeaseLostError", "is_permanent"]


def is_permanent(exc: BaseException) -> bool:
    """Whether a failure is the video's or its record's (retrying cannot help), not a passing
    one. A report that cannot be written (a full disk) may succeed later."""
    return isinstance(exc, HemispasmError) and not isinstance(exc, OutputError)


def new_worker_id() -> str:
    """host:pid:random, unique to one worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    """Does the work of the jobs a worker takes from the queue."""

    def __init__(
        self,
        settings: Settings,
        session_factory: Callable[[], Session],
        *,
        analyse: Analyse | None = None,
        worker_id: str | None = None,
        now: Callable[[], datetime] = utcnow,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.analyse: Analyse = analyse or analyse_in_child_process
        self.worker_id = worker_id or new_worker_id()
        self.now = now
        self.today = today
        self.max_attempts = settings.job_retries + 1
        self.lease = timedelta(seconds=settings.job_lease_s)

    def run(self, job_id: int, *, retries_left: int) -> None:
        """Analyse job ``job_id`` unless it is done, failed or running elsewhere.

        A bad video fails the job at once with its reason; any other failure is recorded and
        raised, for Huey to retry, until the attempts are used up.
        """
        attempt = self.claim(job_id)
        if attempt is None:
            log.info("job %s is done, failed or running elsewhere: skipped", job_id)
            return
        if attempt.number > self.max_attempts:
            self._fail(
                attempt,
                f"gave up after {attempt.number - 1} attempts: its worker stopped during the "
                "last one (a crash, a restart, or too little memory for this video)",
            )
            return
        try:
            with self._lease(attempt):
                result = self._analyse(attempt)
                self._store(attempt, result)
        except LeaseLostError:
            log.warning("job %s: lease lost to another worker; this result is discarded", job_id)
            return
        except Exception as exc:
            message = self._describe(exc, attempt)
            if is_permanent(exc):
                log.info("job %s failed: %s", job_id, message)
                self._fail(attempt, message)
                return
            if attempt.number < self.max_attempts and retries_left > 0:
                self._release(
                    attempt,
                    f"attempt {attempt.number} of {self.max_attempts} failed ({message}); "
                    "it will be tried again",
                )
                raise
            log.exception("job %s failed for good", job_id)
            self._fail(attempt, f"the analysis failed {attempt.number} times; last: {message}")
            return
        self._delete_raw_video(attempt)

    # --- claiming and the lease ----------------------------------------------------------------

    def claim(self, job_id: int) -> Attempt | None:
        """Take the job if it is queued, or running with an expired lease; None otherwise."""
        with self.session_factory() as db:
            return jobs.claim(
                db,
                job_id,
                worker_id=self.worker_id,
                now=self.now(),
                lease=self.lease,
                data_dir=self.settings.data_dir,
            )

    @contextmanager
    def _lease(self, attempt: Attempt) -> Iterator[None]:
        """Renew the lease in the background while the body runs."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.settings.job_lease_renew_s):
                try:
                    with self.session_factory() as db:
                        kept = jobs.renew_lease(db, attempt, until=self.now() + self.lease)
                except Exception as exc:  # a database hiccup: try again at the next tick
                    log.warning("job %s: lease not renewed: %s", attempt.job_id, exc)
                    continue
                if not kept:
                    log.warning("job %s: lease lost to another worker", attempt.job_id)
                    return

        keeper = threading.Thread(target=renew, name=f"lease-job-{attempt.job_id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()

    # --- the work ------------------------------------------------------------------------------

    def report_dir(self, job_id: int) -> Path:
        """The report folder of a job, relative to the data folder."""
        return Path(REPORTS_FOLDER) / str(job_id)

    def _analyse(self, attempt: Attempt) -> dict[str, Any]:
        with self.session_factory() as db:
            stored = jobs.video_is_stored(db, attempt)
        if not stored:
            raise VideoReadError(
                f"{attempt.video}: the uploaded video is no longer stored; upload it again"
            )
        reports = self.settings.data_dir / REPORTS_FOLDER
        reports.mkdir(mode=0o700, parents=True, exist_ok=True)  # reports show the face
        out_dir = self.settings.data_dir / self.report_dir(attempt.job_id)
        return self.analyse(attempt.video, mirrored=attempt.mirrored, out_dir=out_dir)

    def _store(self, attempt: Attempt, result: dict[str, Any]) -> None:
        """Store the result as a video analysis of the patient, by the uploader, and mark the
        job done in the same transaction."""
        with self.session_factory() as db:
            jobs.complete(
                db,
                attempt,
                result,
                report_path=self.report_dir(attempt.job_id).as_posix(),
                now=self.now(),
                today=self.today(),
            )

    def _describe(self, exc: BaseException, attempt: Attempt) -> str:
        """The failure in one line, for the people who see the job: the message of our own
        errors, without the server's paths; of anything else only its kind (the log has it)."""
        if not isinstance(exc, HemispasmError):
            return f"an unexpected {type(exc).__name__} on the server"
        text = str(exc).replace(f"{attempt.video}: ", "").replace(str(attempt.video), "the video")
        for folder in {str(self.settings.data_dir.resolve()), str(self.settings.data_dir)}:
            text = text.replace(folder, "the data folder")
        return " ".join(text.split())[:MAX_ERROR_CHARS] or type(exc).__name__

    def _fail(self, attempt: Attempt, message: str) -> None:
        with self.session_factory() as db:
            jobs.fail(db, attempt, message, now=self.now())

    def _release(self, attempt: Attempt, message: str) -> None:
        """Give the job back to the queue's retry, with the reason this attempt failed."""
        with self.session_factory() as db:
            jobs.release_for_retry(db, attempt, message)

    def _delete_raw_video(self, attempt: Attempt) -> None:
        """By clinic policy, delete the analysed video file, unless another upload of the same
        content still needs it; the upload row, result and report stay."""
        if not self.settings.delete_raw_videos_after_analysis:
            return
        try:
            with self.session_factory() as db:
                unshared = jobs.mark_video_deleted(db, attempt, now=self.now())
            if unshared:
                attempt.video.unlink(missing_ok=True)
        except Exception:  # the result is stored: a file left behind is logged, not a failure
            log.exception("job %s: the raw video was not deleted", attempt.job_id)
