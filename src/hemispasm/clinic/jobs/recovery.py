"""Queue again what a stopped worker left behind, so that no upload waits forever.

A worker killed in the middle of a job leaves it running with a lease nobody renews; a queue that
lost its messages (a Redis flushed, a crash between the upload's commit and its enqueue) leaves
jobs queued that no worker will take. Both are found here and queued again. Running this in
several workers at once is safe: a job queued twice is claimed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AnalysisJob, JobState
from hemispasm.clinic.jobs.queue import JobQueue
from hemispasm.clinic.jobs.runner import changed_rows

log = logging.getLogger(__name__)


def recover_jobs(
    session_factory: Callable[[], Session],
    queue: JobQueue,
    *,
    now: datetime,
    grace: timedelta,
) -> list[int]:
    """Queue again running jobs whose lease expired before ``now``, and queued jobs unchanged for
    ``grace`` that are not in the queue; returns their ids."""
    job_ = AnalysisJob
    with session_factory() as db:
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
                .where(
                    job_.id == job_id,
                    job_.state == JobState.RUNNING,
                    job_.lease_expires_at < now,
                )
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
    lost = sorted((requeued | waiting) - queue.queued_job_ids())
    for job_id in lost:
        queue.enqueue(job_id)
    if lost:
        log.warning("queued again jobs left by a stopped worker or a lost message: %s", lost)
    return lost
