"""Photos of an injection session: attached by a clinician, kept like videos, read and deleted
with access checked and audited.

A photo is received as a video is (streamed to a private temporary file, never held by the
database), checked and re-encoded from its pixels without its metadata (``photo_images``), and
kept once per content under the SHA-256 of what is stored, beside a thumbnail. The row holds
where, the checksum, the size and the type. A refused photo keeps nothing: no file, no row.
Deleting marks the row deleted (the audit row keeps its values) and removes the files unless
another photo holds the same content.

Clinicians of the patient's clinic attach and delete photos; a patient may see their own (the
access part ``session_photo``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Patient, SessionPhoto
from hemispasm.clinic.domain.photos import MAX_PHOTO_PIXELS, PhotoKind
from hemispasm.clinic.services.access import get_patient_for, get_session_for, refuse
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.photo_images import CleanPhoto, clean_photo
from hemispasm.clinic.services.records import Page
from hemispasm.clinic.services.stored_files import (
    IncomingFile,
    clean_filename,
    place_file,
    stored_path,
)
from hemispasm.errors import ClinicalDataError, NotFoundError

log = logging.getLogger(__name__)

PART = "session_photo"


class IncomingPhoto(IncomingFile):
    """A photo being received (``stored_files.IncomingFile``)."""

    noun = "photo"


@dataclass(frozen=True)
class StoredPhoto:
    """A photo's file in the data folder and the media type it is sent with."""

    path: Path
    media_type: str


def _session_photo(
    db: Session, actor: Actor, patient: Patient, session_id: int, photo_id: int, *, action: str
) -> SessionPhoto:
    """The photo of the patient's session (neither deleted), or a refusal audited as not found."""
    get_session_for(db, actor, patient, session_id, part=PART, action=action)
    row = db.get(SessionPhoto, photo_id)
    if (
        row is None
        or row.patient_id != patient.id
        or row.session_id != session_id
        or row.deleted_at is not None
    ):
        raise refuse(
            db,
            actor,
            NotFoundError("photo", photo_id),
            part=PART,
            action=action,
            patient_id=patient.id,
            entity_id=photo_id,
        )
    return row


def photo_values(row: SessionPhoto) -> dict[str, Any]:
    """What the audit log keeps of a photo (its metadata; never the picture)."""
    return {
        "session_id": row.session_id,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "content_type": row.content_type,
        "width_px": row.width_px,
        "height_px": row.height_px,
        "stored_path": row.stored_path,
        "original_filename": row.original_filename,
        "uploaded_by": row.uploaded_by,
        "created_at": row.created_at,
    }


def check_may_attach(db: Session, actor: Actor, patient_id: int, session_id: int) -> None:
    """Refuse, before any of the body is read, a caller who may not add photos to the session.

    Nothing is kept: the access is audited when the photo is stored.
    """
    try:
        patient = get_patient_for(db, actor, patient_id, part=PART, action="create", audit=False)
        get_session_for(db, actor, patient, session_id, part=PART, action="create")
    finally:
        db.rollback()


def _write(data_dir: Path, data: bytes) -> IncomingFile:
    """``data`` in a private temporary file of the data folder (hashed)."""
    incoming = IncomingFile(data_dir, max_bytes=len(data))
    try:
        incoming.write(data)
        incoming.finish()
    except BaseException:
        incoming.discard()
        raise
    return incoming


def _in_use(db: Session, relative: str) -> bool:
    """Whether a photo not deleted keeps its picture or thumbnail in the file ``relative``."""
    count = db.scalar(
        select(func.count())
        .select_from(SessionPhoto)
        .where(
            SessionPhoto.deleted_at.is_(None),
            or_(SessionPhoto.stored_path == relative, SessionPhoto.thumbnail_path == relative),
        )
    )
    return bool(count)


def _remove_unused(db: Session, data_dir: Path, relatives: tuple[str, ...]) -> None:
    """Remove the files no photo holds any more."""
    for relative in relatives:
        if not _in_use(db, relative):
            (data_dir / relative).unlink(missing_ok=True)
    db.rollback()  # read only


def attach_photo(
    db: Session,
    actor: Actor,
    *,
    data_dir: Path,
    patient_id: int,
    session_id: int,
    incoming: IncomingFile,
    max_pixels: int = MAX_PHOTO_PIXELS,
) -> SessionPhoto:
    """Check the received photo, store it without its metadata (and its thumbnail) under their
    content hashes, and record it (one transaction, audited).

    Raises
    ------
    ClinicalDataError
        ``file``: empty, not JPEG or PNG, broken off, too many pixels, or not decodable.
    NotFoundError, PermissionDeniedError
        The patient or session is not there for ``actor``, or their role may not add photos.
    """
    incoming.finish()
    if incoming.size_bytes == 0:
        raise ClinicalDataError("file", "the file is empty")
    clean: CleanPhoto = clean_photo(incoming.path.read_bytes(), max_pixels=max_pixels)
    picture = _write(data_dir, clean.data)
    thumbnail = _write(data_dir, clean.thumbnail)
    placed: list[tuple[IncomingFile, Path]] = []
    try:
        patient = get_patient_for(db, actor, patient_id, part=PART, action="create", audit=False)
        get_session_for(db, actor, patient, session_id, part=PART, action="create")
        relative = stored_path(picture.sha256, clean.kind.extension)
        thumbnail_relative = stored_path(thumbnail.sha256, "jpg")
        placed = [(picture, data_dir / relative), (thumbnail, data_dir / thumbnail_relative)]
        for source, target in placed:
            place_file(source, target)
        photo = SessionPhoto(
            patient_id=patient.id,
            session_id=session_id,
            sha256=picture.sha256,
            size_bytes=picture.size_bytes,
            content_type=clean.kind.content_type,
            width_px=clean.width_px,
            height_px=clean.height_px,
            stored_path=relative,
            thumbnail_path=thumbnail_relative,
            original_filename=clean_filename(incoming.filename),
            uploaded_by=actor.user_id,
        )
        db.add(photo)
        db.flush()
        record_event(
            db,
            actor,
            "create",
            PART,
            entity_id=photo.id,
            patient_id=patient.id,
            detail={"after": photo_values(photo)},
        )
        db.commit()
        # A photo of the same content deleted meanwhile may have removed the files before this
        # one was committed; it cannot any more, so put them back now.
        for source, target in placed:
            place_file(source, target)
        return photo
    except BaseException:
        db.rollback()
        if placed:
            _remove_unused(db, data_dir, tuple(str(t.relative_to(data_dir)) for _, t in placed))
        raise
    finally:
        picture.discard()
        thumbnail.discard()


def list_photos(
    db: Session, actor: Actor, patient_id: int, session_id: int, *, page: int, page_size: int
) -> Page:
    """The session's photos, oldest first (their metadata; the pictures are read one by one)."""
    patient = get_patient_for(db, actor, patient_id, part=PART, action="list", entity_id=session_id)
    get_session_for(db, actor, patient, session_id, part=PART, action="list")
    where = (SessionPhoto.session_id == session_id, SessionPhoto.deleted_at.is_(None))
    total = db.scalar(select(func.count()).select_from(SessionPhoto).where(*where)) or 0
    rows = db.scalars(
        select(SessionPhoto)
        .where(*where)
        .order_by(SessionPhoto.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    db.commit()
    return Page(list(rows), total, page, page_size)


def count_photos(db: Session, session_id: int) -> int:
    """How many photos the session has (for a page that already checked access to it)."""
    return (
        db.scalar(
            select(func.count())
            .select_from(SessionPhoto)
            .where(SessionPhoto.session_id == session_id, SessionPhoto.deleted_at.is_(None))
        )
        or 0
    )


def get_photo(
    db: Session, actor: Actor, patient_id: int, session_id: int, photo_id: int
) -> SessionPhoto:
    """One photo's metadata (an audited read)."""
    patient = get_patient_for(db, actor, patient_id, part=PART, action="read", entity_id=photo_id)
    row = _session_photo(db, actor, patient, session_id, photo_id, action="read")
    db.commit()
    return row


def photo_file(
    db: Session,
    actor: Actor,
    patient_id: int,
    session_id: int,
    photo_id: int,
    *,
    data_dir: Path,
    thumbnail: bool = False,
) -> StoredPhoto:
    """The picture (or its JPEG thumbnail) of one photo, to send: an audited read."""
    row = get_photo(db, actor, patient_id, session_id, photo_id)
    relative = row.thumbnail_path if thumbnail else row.stored_path
    path = data_dir / relative
    if not path.is_file():
        raise NotFoundError("photo file", photo_id)
    media_type = PhotoKind.JPEG.content_type if thumbnail else row.content_type
    return StoredPhoto(path, media_type)


def delete_photo(
    db: Session, actor: Actor, patient_id: int, session_id: int, photo_id: int, *, data_dir: Path
) -> None:
    """Mark the photo deleted, audited with its values before, and remove its files unless
    another photo holds the same content; clinicians only."""
    patient = get_patient_for(
        db, actor, patient_id, part=PART, action="delete", entity_id=photo_id, audit=False
    )
    row = _session_photo(db, actor, patient, session_id, photo_id, action="delete")
    record_event(
        db,
        actor,
        "delete",
        PART,
        entity_id=row.id,
        patient_id=patient.id,
        detail={"before": photo_values(row)},
    )
    files = (row.stored_path, row.thumbnail_path)
    row.deleted_at = utcnow()
    db.commit()
    _remove_unused(db, data_dir, files)
