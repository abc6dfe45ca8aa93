"""Receive a patient's video, check that it is one, store it once per content, queue its analysis.

Files live in the data folder under their SHA-256 (``uploads/ab/abcdef....mp4``): the same video
uploaded twice is one file, and no name a client sent ever becomes a path.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.analysis.params import AnalysisParams
from hemispasm.clinic.db.models import AnalysisJob, JobState, Upload
from hemispasm.clinic.domain.dates import check_not_future
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import Page
from hemispasm.clinic.services.stored_files import INCOMING_FOLDER as INCOMING_FOLDER
from hemispasm.clinic.services.stored_files import UPLOADS_FOLDER as UPLOADS_FOLDER
from hemispasm.clinic.services.stored_files import (
    FileTooLargeError,
    IncomingFile,
    clean_filename,
    place_file,
    stored_path,
)
from hemispasm.errors import ClinicalDataError, HemispasmError, NotFoundError

log = logging.getLogger(__name__)

PART = "video_analysis"
"""Uploads and their jobs count as video analyses for access and the audit log."""


UploadTooLargeError = FileTooLargeError
"""The video is larger than the server accepts (``HEMISPASM_MAX_UPLOAD_BYTES``)."""


class IncomingVideo(IncomingFile):
    """A video being received (``stored_files.IncomingFile``)."""

    noun = "video"


@dataclass(frozen=True)
class VideoType:
    """What the content turned out to be."""

    extension: str
    content_type: str


SUPPORTED = "mp4, mov, avi, mkv or webm"


ISO_BMFF_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def _looks_like_a_video_container(head: bytes) -> bool:
    """Whether the first bytes are those of MP4 / QuickTime, Matroska / WebM or AVI.

    Checked before FFmpeg sees the file, so that its other demuxers (playlists that name other
    files or URLs, pictures, ...) never parse what a client sent.
    """
    return (
        head[4:8] in ISO_BMFF_BOXES
        or head.startswith(EBML_MAGIC)
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
    )


def detect_video_type(path: Path, *, label: str = "file") -> VideoType:
    """Probe ``path`` (decoding its first frame) and name its type from the content.

    Raises ClinicalDataError (field ``label``) for what is not a readable video of a supported
    container (pictures, audio, other files) or is too short to analyse.
    """
    from hemispasm.video.reader import probe_video

    with path.open("rb") as f:
        head = f.read(64)
    if not _looks_like_a_video_container(head):
        raise ClinicalDataError(label, f"not a video in a supported format ({SUPPORTED})")
    try:
        info = probe_video(path)
    except HemispasmError as exc:
        reason = str(exc).replace(f"{path}: ", "").replace(str(path), "the file")
        raise ClinicalDataError(label, f"not a readable video: {reason}") from None
    if info.container in ("mov", "mp4", "m4a", "3gp", "3g2", "mj2"):
        quicktime = head[8:12] == b"qt  "
        kind = VideoType("mov", "video/quicktime") if quicktime else VideoType("mp4", "video/mp4")
    elif info.container in ("matroska", "webm", "mkv"):
        webm = b"webm" in head
        kind = VideoType("webm", "video/webm") if webm else VideoType("mkv", "video/x-matroska")
    elif info.container == "avi":
        kind = VideoType("avi", "video/x-msvideo")
    else:
        raise ClinicalDataError(
            label, f"not a video in a supported format ({SUPPORTED}): found {info.container}"
        )
    min_s = AnalysisParams().min_video_s
    if info.duration_known and info.duration_s < min_s:
        # rounded down to 0.01 s, so that a video just short of the minimum never reads as long
        # enough (1e-6 absorbs float error such as 2.96 * 100 = 295.99999999999997)
        shown = min(math.floor(info.duration_s * 100 + 1e-6) / 100, min_s - 0.01)
        raise ClinicalDataError(
            label, f"the video is {shown:.2f} s long; at least {min_s:g} s is needed"
        )
    return kind


def check_may_upload(db: Session, actor: Actor, patient_id: int) -> None:
    """Refuse, before any of the body is read, a caller who may not add videos for the patient.

    Nothing is kept: the access is audited when the upload is stored.
    """
    try:
        get_patient_for(db, actor, patient_id, part=PART, action="create")
    finally:
        db.rollback()


def accept_upload(
    db: Session,
    actor: Actor,
    *,
    data_dir: Path,
    patient_id: int,
    incoming: IncomingFile,
    recorded_on: date | None,
    mirrored: bool,
    enqueue: Callable[[int], None],
) -> AnalysisJob:
    """Check the received video, store it under its content hash, record the upload and its
    analysis job (one transaction), then queue the job."""
    incoming.finish()
    if incoming.size_bytes == 0:
        raise ClinicalDataError("file", "the file is empty")
    recorded = recorded_on or actor.on()
    check_not_future("recorded_on", recorded, today=actor.on())
    kind = detect_video_type(incoming.path)
    relative = stored_path(incoming.sha256, kind.extension)
    target = data_dir / relative
    place_file(incoming, target)
    patient = get_patient_for(db, actor, patient_id, part=PART, action="create")
    upload = Upload(
        patient_id=patient.id,
        sha256=incoming.sha256,
        size_bytes=incoming.size_bytes,
        content_type=kind.content_type,
        original_filename=clean_filename(incoming.filename),
        stored_path=relative,
        uploaded_by=actor.user_id,
    )
    db.add(upload)
    db.flush()
    job = AnalysisJob(
        patient_id=patient.id,
        upload=upload,
        state=JobState.QUEUED,
        recorded_on=recorded,
        mirrored=mirrored,
        attempts=0,
    )
    db.add(job)
    db.commit()
    # An analysis of the same content may have deleted the file (by policy) before this upload
    # was committed; it cannot any more, so put it back now.
    place_file(incoming, target)
    try:
        enqueue(job.id)
    except Exception as exc:  # the job is stored: a worker's recovery queues it later
        log.warning("job %s stored but not queued (%s); it will be recovered", job.id, exc)
    return job


def list_jobs(db: Session, actor: Actor, patient_id: int, *, page: int, page_size: int) -> Page:
    """The patient's analysis jobs, newest first."""
    get_patient_for(db, actor, patient_id, part=PART, action="list")
    where = AnalysisJob.patient_id == patient_id
    total = db.scalar(select(func.count()).select_from(AnalysisJob).where(where)) or 0
    rows = db.scalars(
        select(AnalysisJob)
        .where(where)
        .order_by(AnalysisJob.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    db.commit()
    return Page(list(rows), total, page, page_size)


def get_job(db: Session, actor: Actor, patient_id: int, job_id: int) -> AnalysisJob:
    """One analysis job of the patient."""
    get_patient_for(db, actor, patient_id, part=PART, action="read")
    job = db.get(AnalysisJob, job_id)
    if job is None or job.patient_id != patient_id:
        raise NotFoundError("analysis job", job_id)
    db.commit()
    return job
