"""What a session page shows of its photos (``_session_photos.html``): thumbnails to open, and
after a refused upload the message next to the file field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import SessionPhoto
from hemispasm.clinic.domain.photos import thumbnail_size
from hemispasm.clinic.services import session_photos as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinics import clinic_time_zone

PENDING = "session_photo_error"
"""``request.state`` key: the refused upload's message, for the session page shown again."""
MAX_SHOWN = 200
"""Photos listed on the page (the API's largest page)."""


@dataclass(frozen=True)
class ShownPhoto:
    """A photo on the page, with the size its thumbnail is drawn at."""

    photo: SessionPhoto
    number: int
    thumbnail_width_px: int
    thumbnail_height_px: int


def session_photos_context(
    request: Request, db: Session, actor: Actor, patient_id: int, session_id: int
) -> dict[str, Any]:
    """What ``_session_photos.html`` needs: the photos, their count, any refused upload."""
    page = svc.list_photos(db, actor, patient_id, session_id, page=1, page_size=MAX_SHOWN)
    shown = [
        ShownPhoto(photo, number, *thumbnail_size(photo.width_px, photo.height_px))
        for number, photo in enumerate(page.items, start=1)
    ]
    settings = request.app.state.settings
    return {
        "photos": shown,
        "photo_count": page.total,
        "photo_error": getattr(request.state, PENDING, None),
        "max_photo_mb": f"{settings.max_photo_bytes / 1_000_000:g}",
        "time_zone": clinic_time_zone(db, actor),
    }
