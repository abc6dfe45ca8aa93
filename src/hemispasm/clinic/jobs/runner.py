"""Run one analysis job: claim it, hold its lease, analyse the upload, store the result.

Every change of a job's row is conditional on the worker still owning the attempt (its
``worker_id`` and attempt number, while the state is running), so a worker that lost its lease
cannot overwrite the work of the one that took the job over. The result and the job's "done"
are committed together, so a job is done exactly when its video analysis is stored.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, func, or_, select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AnalysisJob, JobState, Patient, Upload, User
from hemispasm.clinic.domain.vocab import AnalysisSource
from hemispasm.clinic.jobs.analysis import Analyse, analyse_in_child_process
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import create_record
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from hemispasm.errors import HemispasmError, NotFoundError, OutputError, VideoReadError

log = logging.getLogger(__name__)

REPORTS_FOLDER = "reports"
MAX_ERROR_CHARS = 2000


class LeaseLostError(Exception):
    """Another worker took the job over (this one's lease had expired)."""


@dataclass(frozen=True)
class Attempt:
    """One worker's attempt at a job, as claimed."""

    job_id: int
    number: int
    worker_id: str
    patient_id: int
    upload_id: int
    uploaded_by: int
    video: Path
    recorded_on: date
    mirrored: bool


def is_permanent(exc: BaseException) -> bool:
    """Whether a failure is the video's or its record's (retrying cannot help), not a passing
    one. A report that cannot be written (a full disk) may succeed later."""
    return isinstance(exc, HemispasmError) and not isinstance(exc, OutputError)


def changed_rows(db: Session, statement: Executable) -> int:
    """Run an UPDATE and return how many rows it changed."""
    result = cast("CursorResult[Any]", db.execute(statement))
    return int(result.rowcount)


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
        now = self.now()
        job_ = AnalysisJob
        claimable = or_(
            job_.state == JobState.QUEUED,
            and_(job_.state == JobState.RUNNING, job_.lease_expires_at < now),
        )
        with self.session_factory() as db:
            taken = changed_rows(
                db,
                update(job_)
                .where(job_.id == job_id, claimable)
                .values(
                    state=JobState.RUNNING,
                    attempts=job_.attempts + 1,
                    worker_id=self.worker_id,
                    lease_expires_at=now + self.lease,
                    started_at=now,
                    finished_at=None,
                )
                .execution_options(synchronize_session=False),
            )
            if taken != 1:
                db.rollback()
                return None
            job = db.execute(select(job_).where(job_.id == job_id)).scalar_one()
            db.commit()
            return Attempt(
                job_id=job.id,
                number=job.attempts,
                worker_id=self.worker_id,
                patient_id=job.patient_id,
                upload_id=job.upload_id,
                uploaded_by=job.upload.uploaded_by,
                video=self.settings.data_dir / job.upload.stored_path,
                recorded_on=job.recorded_on,
                mirrored=job.mirrored,
            )

    def _owned(self, attempt: Attempt) -> Any:
        job_ = AnalysisJob
        return and_(
            job_.id == attempt.job_id,
            job_.state == JobState.RUNNING,
            job_.worker_id == attempt.worker_id,
            job_.attempts == attempt.number,
        )

    def _update_owned(self, db: Session, attempt: Attempt, **values: Any) -> bool:
        """Change the job if this attempt still owns it; whether it did."""
        statement = (
            update(AnalysisJob)
            .where(self._owned(attempt))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return changed_rows(db, statement) == 1

    @contextmanager
    def _lease(self, attempt: Attempt) -> Iterator[None]:
        """Renew the lease in the background while the body runs."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.settings.job_lease_renew_s):
                try:
                    with self.session_factory() as db:
                        kept = self._update_owned(
                            db, attempt, lease_expires_at=self.now() + self.lease
                        )
                        db.commit()
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
            raw_deleted = db.scalar(
                select(Upload.raw_deleted_at).where(Upload.id == attempt.upload_id)
            )
        if raw_deleted is not None or not attempt.video.is_file():
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
            user = db.get(User, attempt.uploaded_by)
            patient = db.get(Patient, attempt.patient_id)
            if user is None or patient is None:
                raise NotFoundError("patient", attempt.patient_id)
            actor = Actor(
                user_id=user.id,
                clinic_id=patient.clinic_id,
                role=user.role,
                patient_id=user.patient_id,
                request=f"analysis job {attempt.job_id} (upload {attempt.upload_id})",
                today=self.today(),
            )

            def finish(db: Session, row: Any, values: dict[str, Any]) -> None:
                VIDEO_ANALYSES.save_children(db, row, values)
                done = self._update_owned(
                    db,
                    attempt,
                    state=JobState.DONE,
                    finished_at=self.now(),
                    lease_expires_at=None,
                    error=None,
                    video_analysis_id=row.id,
                    report_path=self.report_dir(attempt.job_id).as_posix(),
                )
                if not done:
                    raise LeaseLostError(attempt.job_id)

            kind = replace(VIDEO_ANALYSES, save_children=finish)
            values = {
                "recorded_on": attempt.recorded_on,
                "result": result,
                "source": AnalysisSource.ANALYSIS,  # the server's own analysis, not imported
            }
            create_record(db, actor, kind, attempt.patient_id, values)

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
            self._update_owned(
                db,
                attempt,
                state=JobState.FAILED,
                error=message[:MAX_ERROR_CHARS],
                finished_at=self.now(),
                lease_expires_at=None,
            )
            db.commit()

    def _release(self, attempt: Attempt, message: str) -> None:
        """Give the job back to the queue's retry, with the reason this attempt failed."""
        with self.session_factory() as db:
            self._update_owned(
                db,
                attempt,
                state=JobState.QUEUED,
                error=message[:MAX_ERROR_CHARS],
                worker_id=None,
                lease_expires_at=None,
            )
            db.commit()

    def _delete_raw_video(self, attempt: Attempt) -> None:
        """By clinic policy, delete the analysed video file, unless another upload of the same
        content still needs it; the upload row, result and report stay."""
        if not self.settings.delete_raw_videos_after_analysis:
            return
        try:
            with self.session_factory() as db:
                upload = db.get(Upload, attempt.upload_id)
                if upload is None or upload.raw_deleted_at is not None:
                    return
                upload.raw_deleted_at = self.now()
                others = db.scalar(
                    select(func.count())
                    .select_from(Upload)
                    .where(
                        Upload.stored_path == upload.stored_path,
                        Upload.id != upload.id,
                        Upload.raw_deleted_at.is_(None),
                        Upload.deleted_at.is_(None),
                    )
                )
                db.commit()
            if not others:
                attempt.video.unlink(missing_ok=True)
        except Exception:  # the result is stored: a file left behind is logged, not a failure
            log.exception("job %s: the raw video was not deleted", attempt.job_id)
