"""Photos attached to an injection session (the injected face), stored like videos."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, PatientOwned


class SessionPhoto(PatientOwned, Base):
    """One photo of a session: the picture re-encoded without its metadata (no EXIF, so no
    location), kept once per content in the data folder; the row holds where, and its checksum.

    ``stored_path`` and ``thumbnail_path`` are relative to the data folder. ``sha256`` and
    ``size_bytes`` are those of the stored file, not of what the client sent. A deleted photo's
    row stays, marked deleted.
    """

    __tablename__ = "session_photos"

    session_id: Mapped[int] = mapped_column(ForeignKey("injection_sessions.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    """Detected from the content (image/jpeg or image/png), not taken from the client."""
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(300))
    thumbnail_path: Mapped[str] = mapped_column(String(300))
    original_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    """The client's file name, kept as text only and never used to name a file."""
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
