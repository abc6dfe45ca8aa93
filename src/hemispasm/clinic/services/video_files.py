"""The stored video of an analysis, played back on the page that compares two analyses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.corrections import PART, load_analysis
from hemispasm.clinic.services.report_files import report_files_of
from hemispasm.errors import NotFoundError

MEDIA_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime"}


@dataclass(frozen=True)
class StoredVideo:
    """Where the video is, and what to call its type when it is sent."""

    path: Path
    media_type: str


def recorded_video(
    db: Session, actor: Actor, patient_id: int, analysis_id: int, *, data_dir: Path
) -> StoredVideo:
    """The video analysis ``analysis_id`` was made from, while the clinic keeps it: an audited
    read, for clinicians (as the frames cut from it are). Raises ``NotFoundError`` for an analysis
    stored without its video, or whose video was deleted after its analysis."""
    get_patient_for(db, actor, patient_id, part=PART, action="read", entity_id=analysis_id)
    load_analysis(db, patient_id, analysis_id)
    files = report_files_of(db, analysis_id, data_dir)
    db.commit()
    if files.video is None:
        raise NotFoundError("video of the analysis", analysis_id)
    media_type = MEDIA_TYPES.get(files.video.suffix.lower(), "application/octet-stream")
    return StoredVideo(files.video, media_type)
