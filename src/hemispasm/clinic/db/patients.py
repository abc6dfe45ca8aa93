"""Patients, their diagnosis and the work-up of its cause (MRI)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, JsonType, PatientOwned, Record, enum_column
from hemispasm.clinic.domain.vocab import (
    AffectedSide,
    CompressionSite,
    ContactKind,
    Product,
    Sex,
)


class Patient(Record, Base):
    """A person treated by one clinic. Record numbers are unique within the clinic."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "mrn", name="uq_patients_clinic_mrn"),
        Index(
            "ix_patients_clinic_next_due",
            "clinic_id",
            "next_due_on",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index("ix_patients_clinic_name", "clinic_id", "name"),
    )

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    mrn: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, name="sex"), default=Sex.UNKNOWN)
    phone: Mapped[str | None] = mapped_column(String(64), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    """The responsible clinician."""
    # Kept by the session service so that worklists need no aggregate over all sessions.
    last_session_on: Mapped[date | None] = mapped_column(Date, default=None)
    last_product: Mapped[Product | None] = mapped_column(
        enum_column(Product, name="last_product"), default=None
    )
    next_due_on: Mapped[date | None] = mapped_column(Date, default=None)


class Diagnosis(PatientOwned, Base):
    """The diagnosis of HFS: side, onset and the codes that follow from it."""

    __tablename__ = "diagnoses"

    affected_side: Mapped[AffectedSide] = mapped_column(enum_column(AffectedSide, name="side"))
    onset_on: Mapped[date | None] = mapped_column(Date, default=None)
    diagnosed_on: Mapped[date | None] = mapped_column(Date, default=None)
    icd10: Mapped[str] = mapped_column(String(16))
    snomed: Mapped[str] = mapped_column(String(32))
    idiopathic: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class MriStudy(PatientOwned, Base):
    """Imaging of the cause: vessels pressing on the facial nerve, or another lesion."""

    __tablename__ = "mri_studies"

    study_on: Mapped[date] = mapped_column(Date)
    sequences: Mapped[list[str]] = mapped_column(JsonType, default=list)
    compression_found: Mapped[bool | None] = mapped_column(Boolean, default=None)
    vessels: Mapped[list[str]] = mapped_column(JsonType, default=list)
    site: Mapped[CompressionSite | None] = mapped_column(
        enum_column(CompressionSite, name="compression_site"), default=None
    )
    contact: Mapped[ContactKind | None] = mapped_column(
        enum_column(ContactKind, name="contact_kind"), default=None
    )
    dolichoectasia: Mapped[bool | None] = mapped_column(Boolean, default=None)
    other_lesion: Mapped[str | None] = mapped_column(String(500), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
