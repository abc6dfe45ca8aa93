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

from sqlalchemy.orm import Session

from hemispasm.clinic.jobs.queue import JobQueue
from hemispasm.clinic.services.jobs import requeue_lost

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
    with session_factory() as db:
        candidates = requeue_lost(db, now=now, grace=grace)
    lost = sorted(candidates - queue.queued_job_ids())
    for job_id in lost:
        queue.enqueue(job_id)
    if lost:
        log.warning("queued again jobs left by a stopped worker or a lost message: %s", lost)
    return lost
