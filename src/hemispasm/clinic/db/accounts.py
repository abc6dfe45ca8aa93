"""Clinics, their settings, user accounts, login sessions and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hemispasm.clinic.db.base import Base, Record, enum_column, utcnow
from hemispasm.clinic.domain.vocab import Product, Role


class Clinic(Record, Base):
    """A clinic: its users and patients are invisible to every other clinic."""

    __tablename__ = "clinics"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    interval_days: Mapped[int] = mapped_column(Integer, default=84)
    min_interval_days: Mapped[int] = mapped_column(Integer, default=84)
    due_soon_days: Mapped[int] = mapped_column(Integer, default=14)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    """What patients are told to call (shown with the urgent-help message), if set."""
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    """The IANA time zone the pages show times in (upload times), e.g. ``Europe/Madrid``."""

    dose_limits: Mapped[list[DoseLimit]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan"
    )


class DoseLimit(Base):
    """A clinic's warning limits for one product, in that product's own units."""

    __tablename__ = "dose_limits"
    __table_args__ = (
        UniqueConstraint("clinic_id", "product", name="uq_dose_limits_clinic_product"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    product: Mapped[Product] = mapped_column(enum_column(Product, name="product"))
    max_units_per_site: Mapped[float] = mapped_column(Float)
    max_units_per_session: Mapped[float] = mapped_column(Float)
    max_units_per_lower_face_site: Mapped[float | None] = mapped_column(Float, default=None)

    clinic: Mapped[Clinic] = relationship(back_populates="dose_limits")


class User(Record, Base):
    """A login. A patient user is linked to exactly one patient record of the same clinic."""

    __tablename__ = "users"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role, name="role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", use_alter=True), default=None
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuthSession(Base):
    """A browser session (cookie) or an API token; only a hash of the secret is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """"cookie" or "bearer"."""
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditEvent(Base):
    """One read or write of patient data, or an account event. Rows are only ever added:
    database triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_prev_hash", "prev_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"), default=None)
    action: Mapped[str] = mapped_column(String(32))
    """read, list, create, update, delete, login, login_failed, logout, export."""
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    patient_id: Mapped[int | None] = mapped_column(Integer, default=None)
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
    request: Mapped[str | None] = mapped_column(String(300), default=None)
    """Method and path of the HTTP request, or the command that made the change."""
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    """Canonical JSON: the changed fields before and after, the patients a list showed, or why
    access was refused. Kept as text, so that the chain hashes exactly what is stored."""
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    """``row_hash`` of the row before this one (unique: the chain never forks)."""
    row_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of this row's content and ``prev_hash`` (see ``services.audit``)."""
