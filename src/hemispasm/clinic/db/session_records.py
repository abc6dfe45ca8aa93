"""What a toxin clinic records beside a session's doses: the vials used and the consent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hemispasm.clinic.db.base import Base, PatientOwned, enum_column
from hemispasm.clinic.domain.vials import ConsentKind


class SessionVial(PatientOwned, Base):
    """One vial used in a session, how it was reconstituted and what was drawn up from it.

    A session's vials are replaced as a set; the replaced rows stay, marked deleted."""

    __tablename__ = "session_vials"

    session_id: Mapped[int] = mapped_column(ForeignKey("injection_sessions.id"), index=True)
    vial_units: Mapped[float] = mapped_column(Float)
    diluent_ml: Mapped[float] = mapped_column(Float)
    units_drawn_up: Mapped[float] = mapped_column(Float)
    lot: Mapped[str] = mapped_column(String(64))
    expiry_on: Mapped[date] = mapped_column(Date)


class SessionConsent(PatientOwned, Base):
    """The patient's consent to a session's injection; a newer record replaces it (the older
    row stays, marked deleted)."""

    __tablename__ = "session_consents"

    session_id: Mapped[int] = mapped_column(ForeignKey("injection_sessions.id"), index=True)
    consented_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind, name="consent_kind"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(String(500), default=None)
