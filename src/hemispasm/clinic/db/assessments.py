"""Ratings of severity: clinician scales, questionnaire totals, self-ratings, video analyses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, JsonType, PatientOwned, enum_column
from hemispasm.clinic.domain.vocab import AnalysisSource, Reporter


class Assessment(PatientOwned, Base):
    """A clinic assessment: Jankovic, SMC grade and licensed questionnaire totals (no items)."""

    __tablename__ = "assessments"

    assessed_on: Mapped[date] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    jankovic_severity: Mapped[int | None] = mapped_column(Integer, default=None)
    jankovic_frequency: Mapped[int | None] = mapped_column(Integer, default=None)
    smc_grade: Mapped[int | None] = mapped_column(Integer, default=None)
    hfs7_total: Mapped[int | None] = mapped_column(Integer, default=None)
    hfs30_total: Mapped[int | None] = mapped_column(Integer, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class SelfRating(PatientOwned, Base):
    """The patient's own rating of the spasms, 0 (none) to 10 (worst)."""

    __tablename__ = "self_ratings"

    rated_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    reported_by: Mapped[Reporter] = mapped_column(enum_column(Reporter, name="reporter"))
    """The patient, or a clinician entering the patient's rating for them."""


class VideoAnalysis(PatientOwned, Base):
    """A stored ``hemispasm.analysis/1`` result; its headline metrics are columns to query.

    Once a clinician has corrected its events, ``corrected_result`` holds the result recomputed
    from the corrected events and the metric columns follow it; ``result`` stays as detected.
    """

    __tablename__ = "video_analyses"

    recorded_on: Mapped[date] = mapped_column(Date)
    result: Mapped[dict[str, Any]] = mapped_column(JsonType)
    video_sha256: Mapped[str] = mapped_column(String(64), index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    affected_side: Mapped[str | None] = mapped_column(String(8), default=None)
    spasms_per_min: Mapped[float] = mapped_column(Float)
    blinks_per_min: Mapped[float] = mapped_column(Float)
    pct_time_affected_eye_half_closed: Mapped[float] = mapped_column(Float)
    jankovic_total_estimate: Mapped[int | None] = mapped_column(Integer, default=None)
    smc_grade_estimate: Mapped[int | None] = mapped_column(Integer, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    corrected_result: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)
    corrected_at: Mapped[datetime | None] = mapped_column(default=None)
    corrected_by: Mapped[int | None] = mapped_column(Integer, default=None)
    """The user of the latest correction (``event_corrections`` holds each with its user)."""
    reported_by: Mapped[Reporter] = mapped_column(enum_column(Reporter, name="reporter"))
    """Who supplied it: the patient who uploaded the video, or a clinician."""
    source: Mapped[AnalysisSource] = mapped_column(
        enum_column(AnalysisSource, name="analysis_source")
    )
    """``analysis``: the server analysed an uploaded video; ``imported``: a result sent in."""
