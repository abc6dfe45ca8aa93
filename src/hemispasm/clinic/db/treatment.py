"""Injection sessions with their sites and the course of each cycle; adverse effects."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hemispasm.clinic.db.base import Base, PatientOwned, enum_column
from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    InjectionSide,
    Muscle,
    Product,
    Reporter,
    Severity,
)


class InjectionSession(PatientOwned, Base):
    """One injection visit (one product) and, as reported later, the course of its effect."""

    __tablename__ = "injection_sessions"
    __table_args__ = (Index("ix_injection_sessions_patient_date", "patient_id", "session_on"),)

    session_on: Mapped[date] = mapped_column(Date)
    injector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    product: Mapped[Product] = mapped_column(enum_column(Product, name="product"))
    product_name: Mapped[str | None] = mapped_column(String(120), default=None)
    """The product's name when ``product`` is "other"."""
    lot: Mapped[str | None] = mapped_column(String(64), default=None)
    expiry_on: Mapped[date | None] = mapped_column(Date, default=None)
    dilution_units_per_0_1_ml: Mapped[float] = mapped_column(Float)
    early_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    # The course of the cycle that this session starts.
    effect_began_on: Mapped[date | None] = mapped_column(Date, default=None)
    effect_peak_on: Mapped[date | None] = mapped_column(Date, default=None)
    wore_off_on: Mapped[date | None] = mapped_column(Date, default=None)
    course_reported_by: Mapped[Reporter | None] = mapped_column(
        enum_column(Reporter, name="reporter"), default=None
    )

    sites: Mapped[list[InjectionSite]] = relationship(
        primaryjoin="and_(InjectionSite.session_id == InjectionSession.id, "
        "InjectionSite.deleted_at.is_(None))",
        order_by="InjectionSite.id",
        lazy="selectin",
        viewonly=True,
    )
    """The current plan; sites replaced by a correction keep their row, marked deleted."""


class InjectionSite(Base):
    """Units into one muscle on one side; the volume follows from the session's dilution."""

    __tablename__ = "injection_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("injection_sessions.id"), index=True)
    muscle: Mapped[Muscle] = mapped_column(enum_column(Muscle, name="muscle"))
    side: Mapped[InjectionSide] = mapped_column(enum_column(InjectionSide, name="injection_side"))
    units: Mapped[float] = mapped_column(Float)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


URGENT_EFFECT_SQL = "effect IN ({})".format(
    ", ".join(f"'{e.value}'" for e in AdverseEffect if e.urgent)
)
"""The urgent effects as SQL with literal values: a query must say it in these words for the
databases to use the partial index below (a bound parameter would not prove that it may)."""
WAITING_URGENT_SQL = f"{URGENT_EFFECT_SQL} AND acknowledged_at IS NULL"


class AdverseEvent(PatientOwned, Base):
    """A side effect after an injection, with its severity, onset and resolution."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        # urgent effects nobody acknowledged yet: a handful of rows, counted on every page
        Index(
            "ix_adverse_events_waiting_urgent",
            "patient_id",
            sqlite_where=text(WAITING_URGENT_SQL),
            postgresql_where=text(WAITING_URGENT_SQL),
        ),
    )

    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("injection_sessions.id"), default=None
    )
    effect: Mapped[AdverseEffect] = mapped_column(enum_column(AdverseEffect, name="adverse_effect"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, name="severity"))
    onset_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date, default=None)
    reported_by: Mapped[Reporter] = mapped_column(enum_column(Reporter, name="reporter"))
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    """When a clinician acknowledged an urgent effect that the patient reported."""
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, default=None)
    """The clinician who acknowledged it (the audit log keeps the acknowledgement too)."""
