"""Microvascular decompression: findings, monitoring, outcome and complications."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, JsonType, PatientOwned, enum_column
from hemispasm.clinic.domain.vocab import AffectedSide, SurgeryOutcome


class Surgery(PatientOwned, Base):
    """One microvascular decompression."""

    __tablename__ = "surgeries"

    surgery_on: Mapped[date] = mapped_column(Date)
    surgeon: Mapped[str | None] = mapped_column(String(200), default=None)
    side: Mapped[AffectedSide] = mapped_column(enum_column(AffectedSide, name="side"))
    vessels: Mapped[list[str]] = mapped_column(JsonType, default=list)
    findings: Mapped[str | None] = mapped_column(Text, default=None)
    monitoring: Mapped[str | None] = mapped_column(String(500), default=None)
    """Intra-operative monitoring, e.g. whether the lateral spread response disappeared."""
    outcome: Mapped[SurgeryOutcome] = mapped_column(
        enum_column(SurgeryOutcome, name="surgery_outcome"), default=SurgeryOutcome.PENDING
    )
    recurrence_on: Mapped[date | None] = mapped_column(Date, default=None)
    complications: Mapped[list[str]] = mapped_column(JsonType, default=list)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
