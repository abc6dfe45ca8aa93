"""The lifecycle of an analysis job: claim, keep the lease, complete, fail, retry, recover.

Every use case takes a session and ends its own transaction; the worker's runner
(``jobs.runner``) only decides which to call. Every change of a running job's row is conditional
on the worker still owning the attempt (its ``worker_id`` and attempt number, while the state is
running), so a worker that lost its lease cannot overwrite the work of the one that took the job
over. The result and the job's "done" are committed together, so a job is done exactly when its
video analysis is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, and_, func, or_, select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AnalysisJob, JobState, Patient, Upload, User
from hemispasm.clinic.domain.vocab import AnalysisSource
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import create_record
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.errors import NotFoundError

MAX_ERROR_CHARS = 2000
"""The longest reason a job keeps for its failure."""


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


def changed_rows(db: Session, statement: Executable) -> int:
    """Run an UPDATE and return how many rows it changed."""
    result = cast("CursorResult[Any]", db.execute(statement))
    return int(result.rowcount)


def _owned(attempt: Attempt) -> ColumnElement[bool]:
    job_ = AnalysisJob
    return and_(
        job_.id == attempt.job_id,
        job_.state == JobState.RUNNING,
        job_.worker_id == attempt.worker_id,
        job_.attempts == attempt.number,
    )


def _update_owned(db: Session, attempt: Attempt, **values: Any) -> bool:
    """Change the job if this attempt still owns it; whether it did (not committed)."""
    statement = (
        update(AnalysisJob)
        .where(_owned(attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(db, statement) == 1


def claim(
    db: Session,
    job_id: int,
    *,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    data_dir: Path,
) -> Attempt | None:
    """Take the job for ``worker_id`` if it is queued, or running with an expired lease; None
    otherwise (done, failed, or running elsewhere)."""
    job_ = AnalysisJob
    claimable = or_(
        job_.state == JobState.QUEUED,
        and_(job_.state == JobState.RUNNING, job_.lease_expires_at < now),
    )
    taken = changed_rows(
        db,
        update(job_)
        .where(job_.id == job_id, claimable)
        .values(
            state=JobState.RUNNING,
            attempts=job_.attempts + 1,
            worker_id=worker_id,
            lease_expires_at=now + lease,
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
        worker_id=worker_id,
        patient_id=job.patient_id,
        upload_id=job.upload_id,
        uploaded_by=job.upload.uploaded_by,
        video=data_dir / job.upload.stored_path,
        recorded_on=job.recorded_on,
        mirrored=job.mirrored,
    )


def renew_lease(db: Session, attempt: Attempt, *, until: datetime) -> bool:
    """Extend the attempt's lease to ``until``; False when another worker has the job now."""
    kept = _update_owned(db, attempt, lease_expires_at=until)
    db.commit()
    return kept


def video_is_stored(db: Session, attempt: Attempt) -> bool:
    """Whether the attempt's uploaded video is still kept (not deleted by policy, on disk)."""
    raw_deleted = db.scalar(select(Upload.raw_deleted_at).where(Upload.id == attempt.upload_id))
    db.rollback()  # a read: end the transaction
    return raw_deleted is None and attempt.video.is_file()


def complete(
    db: Session,
    attempt: Attempt,
    result: dict[str, Any],
    *,
    report_path: str,
    now: datetime,
    today: date,
) -> int:
    """Store ``result`` as a video analysis of the patient, by the uploader (the server's own
    analysis, not imported), and mark the job done, in one transaction; the analysis's id.

    Raises ``LeaseLostError`` (nothing stored) when another worker has the job now, and the
    record's own errors for a result it refuses.
    """
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
        today=today,
    )

    def finish(db: Session, row: Any, values: dict[str, Any]) -> None:
        VIDEO_ANALYSES.save_children(db, row, values)
        done = _update_owned(
            db,
            attempt,
            state=JobState.DONE,
            finished_at=now,
            lease_expires_at=None,
            error=None,
            video_analysis_id=row.id,
            report_path=report_path,
        )
        if not done:
            raise LeaseLostError(attempt.job_id)

    kind = replace(VIDEO_ANALYSES, save_children=finish)
    values = {
        "recorded_on": attempt.recorded_on,
        "result": result,
        "source": AnalysisSource.ANALYSIS,
    }
    row = create_record(db, actor, kind, attempt.patient_id, values)
    return int(row.id)


def fail(db: Session, attempt: Attempt, message: str, *, now: datetime) -> None:
    """The job failed for good, with its reason (if this attempt still owns it)."""
    _update_owned(
        db,
        attempt,
        state=JobState.FAILED,
        error=message[:MAX_ERROR_CHARS],
        finished_at=now,
        lease_expires_at=None,
    )
    db.commit()


def release_for_retry(db: Session, attempt: Attempt, message: str) -> None:
    """Give the job back to the queue's retry, with the reason this attempt failed."""
    _update_owned(
        db,
        attempt,
        state=JobState.QUEUED,
        error=message[:MAX_ERROR_CHARS],
        worker_id=None,
        lease_expires_at=None,
    )
    db.commit()


def mark_video_deleted(db: Session, attempt: Attempt, *, now: datetime) -> bool:
    """Note that the attempt's uploaded video file goes (clinic policy); whether the file may be
    removed (no other kept upload shares it). The upload row, result and report stay."""
    upload = db.get(Upload, attempt.upload_id)
    if upload is None or upload.raw_deleted_at is not None:
        db.rollback()
        return False
    upload.raw_deleted_at = now
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
    return not others


def requeue_lost(db: Session, *, now: datetime, grace: timedelta) -> set[int]:
    """Running jobs whose lease expired before ``now``, set queued again, and queued jobs left
    unchanged for ``grace``: the ids of both, to be put on the queue if it lacks them."""
    job_ = AnalysisJob
    expired = db.execute(
        select(job_.id, job_.attempts).where(
            job_.state == JobState.RUNNING, job_.lease_expires_at < now
        )
    ).all()
    requeued: set[int] = set()
    for job_id, attempts in expired:
        reset = changed_rows(
            db,
            update(job_)
            .where(job_.id == job_id, job_.state == JobState.RUNNING, job_.lease_expires_at < now)
            .values(
                state=JobState.QUEUED,
                worker_id=None,
                lease_expires_at=None,
                error=f"attempt {attempts} was interrupted (its worker stopped); queued again",
            )
            .execution_options(synchronize_session=False),
        )
        if reset == 1:
            requeued.add(job_id)
    db.commit()
    waiting = set(
        db.scalars(
            select(job_.id).where(job_.state == JobState.QUEUED, job_.updated_at < now - grace)
        ).all()
    )
    db.rollback()  # a read: end the transaction
    return requeued | waiting
