"""A clinician's corrections of the events of a video analysis: one row per change, kept for good.

The detected events stay in the analysis's ``result``; each correction records which event it
touched, what was done, and the event before and after it (as result.json writes events), so the
history can be read back without the analysis. Rows are only ever added: database triggers refuse
UPDATE and DELETE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, JsonType, enum_column, utcnow
from hemispasm.clinic.domain.corrections import CorrectionAction


class EventCorrection(Base):
    """One correction: confirm, reject or relabel an event, or add one the analysis missed."""

    __tablename__ = "event_corrections"
    __table_args__ = (Index("ix_event_corrections_analysis_id", "video_analysis_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    video_analysis_id: Mapped[int] = mapped_column(ForeignKey("video_analyses.id"))
    event_key: Mapped[str] = mapped_column(String(16))
    """``e<n>``: the n-th detected event of the result; ``a<n>``: the n-th event added."""
    action: Mapped[CorrectionAction] = mapped_column(
        enum_column(CorrectionAction, name="correction_action")
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)
    """The event as it stood (None: added now, or rejected before)."""
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)
    """The event as it stands now (None: rejected)."""
    corrected_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
