"""Uploaded videos and the background jobs that analyse them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hemispasm.clinic.db.base import Base, PatientOwned, enum_column, utcnow


class JobState(enum.StrEnum):
    """Where an analysis job is: waiting, being analysed, finished with a result, or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Upload(PatientOwned, Base):
    """A video received for a patient, stored once per content under its SHA-256.

    ``stored_path`` is relative to the data folder, so that workers on other machines find it
    where the shared folder is mounted there. ``original_filename`` is kept as text only and never
    used to name a file.
    """

    __tablename__ = "uploads"

    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    """Detected from the content (container format), not taken from the client."""
    original_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    stored_path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raw_deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the video file was deleted after its analysis (clinic policy); results stay."""


class AnalysisJob(Base):
    """The analysis of one upload: its state, attempts and lease, and the stored result.

    A worker that runs the job holds a lease (``lease_expires_at``) and renews it while it works;
    a running job whose lease expired lost its worker and is queued again.
    """

    __tablename__ = "analysis_jobs"
    __table_args__ = (Index("ix_analysis_jobs_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, name="job_state"), default=JobState.QUEUED
    )
    recorded_on: Mapped[date] = mapped_column(Date)
    """The day the video was recorded (the date of the stored analysis)."""
    mirrored: Mapped[bool] = mapped_column(Boolean, default=False)
    """The video was saved mirrored (a front camera); analysed flipped back."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why the job failed, or why its last attempt did while it waits for a retry."""
    worker_id: Mapped[str | None] = mapped_column(String(200), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    video_analysis_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_analyses.id"), default=None
    )
    report_path: Mapped[str | None] = mapped_column(String(300), default=None)
    """The report folder (report.html, result.json, ...), relative to the data folder."""

    upload: Mapped[Upload] = relationship(lazy="joined", innerjoin=True)
