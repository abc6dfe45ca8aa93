"""The vials and the consent of one injection session, and a patient's dose history.

Clinicians only (the access part ``session_records``; the dose history reads sessions). A
session's vials are saved as a set and its consent as one record: the rows replaced stay in
the database, marked deleted, and the audit row of the change holds the values before and
after. Every use case is one transaction; a refused change stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import InjectionSession, Patient, SessionConsent, SessionVial, User
from hemispasm.clinic.domain.dose_history import DosedSession, DoseHistory, dose_history
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.domain.vials import (
    ConsentKind,
    Vial,
    Wastage,
    check_consent,
    check_vials,
    wastage,
)
from hemispasm.clinic.services.access import get_patient_for, get_session_for, refuse
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.errors import NotFoundError

PART = "session_records"


@dataclass(frozen=True)
class StoredVial:
    """A stored vial: its row id and values."""

    id: int
    vial: Vial


@dataclass(frozen=True)
class Consent:
    """A consent as entered: when it was given, and how."""

    consented_on: date
    kind: ConsentKind
    notes: str | None = None


@dataclass(frozen=True)
class StoredConsent:
    """A stored consent with who recorded it (their name, if the account has one)."""

    consent: Consent
    recorded_by: int
    recorded_by_name: str | None
    recorded_at: Any


@dataclass(frozen=True)
class SessionRecords:
    """What the clinic recorded beside a session's doses."""

    session_id: int
    session_on: date
    dilution_units_per_0_1_ml: float
    vials: tuple[StoredVial, ...]
    consent: StoredConsent | None
    wastage: Wastage


def _vial_rows(db: Session, session_id: int) -> list[SessionVial]:
    return list(
        db.scalars(
            select(SessionVial)
            .where(SessionVial.session_id == session_id, SessionVial.deleted_at.is_(None))
            .order_by(SessionVial.id)
        )
    )


def _consent_row(db: Session, session_id: int) -> SessionConsent | None:
    return db.scalars(
        select(SessionConsent)
        .where(SessionConsent.session_id == session_id, SessionConsent.deleted_at.is_(None))
        .order_by(SessionConsent.id.desc())
        .limit(1)
    ).first()


def _vial_of(row: SessionVial) -> Vial:
    return Vial(row.vial_units, row.diluent_ml, row.units_drawn_up, row.lot, row.expiry_on)


def _consent_of(row: SessionConsent) -> Consent:
    return Consent(row.consented_on, row.kind, row.notes)


def _records(db: Session, session: InjectionSession) -> SessionRecords:
    vials = tuple(StoredVial(row.id, _vial_of(row)) for row in _vial_rows(db, session.id))
    consent_row = _consent_row(db, session.id)
    consent = None
    if consent_row is not None:
        user = db.get(User, consent_row.recorded_by)
        consent = StoredConsent(
            _consent_of(consent_row),
            consent_row.recorded_by,
            (user.display_name or user.email) if user is not None else None,
            consent_row.created_at,
        )
    injected = sum(site.units for site in session.sites)
    return SessionRecords(
        session_id=session.id,
        session_on=session.session_on,
        dilution_units_per_0_1_ml=session.dilution_units_per_0_1_ml,
        vials=vials,
        consent=consent,
        wastage=wastage([v.vial for v in vials], injected),
    )


def read_session_records(
    db: Session, actor: Actor, patient_id: int, session_id: int
) -> SessionRecords:
    """The vials, consent and wastage of one session of the patient."""
    patient = get_patient_for(db, actor, patient_id, part=PART, action="read", entity_id=session_id)
    session = get_session_for(db, actor, patient, session_id, part=PART, action="read")
    records = _records(db, session)
    db.commit()
    return records


def _vial_values(vial: Vial) -> dict[str, Any]:
    return {
        "vial_units": vial.vial_units,
        "diluent_ml": vial.diluent_ml,
        "units_drawn_up": vial.units_drawn_up,
        "lot": vial.lot,
        "expiry_on": vial.expiry_on,
    }


def _consent_values(consent: Consent | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {"consented_on": consent.consented_on, "kind": consent.kind, "notes": consent.notes}


def _for_update(
    db: Session, actor: Actor, patient_id: int, session_id: int
) -> tuple[Patient, InjectionSession]:
    patient = get_patient_for(
        db, actor, patient_id, part=PART, action="update", entity_id=session_id, audit=False
    )
    return patient, get_session_for(db, actor, patient, session_id, part=PART, action="update")


def _vials_change(
    db: Session, session: InjectionSession, vials: Sequence[Vial]
) -> tuple[dict[str, Any] | None, list[Vial]]:
    """The audit entry of replacing the session's vials by ``vials`` (None: no change)."""
    new = [replace(v, lot=v.lot.strip()) for v in vials]
    check_vials(new, session_on=session.session_on)
    before = [_vial_values(_vial_of(row)) for row in _vial_rows(db, session.id)]
    after = [_vial_values(v) for v in new]
    return ({"before": before, "after": after} if before != after else None), new


def _consent_change(
    db: Session, actor: Actor, session: InjectionSession, consent: Consent | None
) -> dict[str, Any] | None:
    """The audit entry of replacing the session's consent by ``consent`` (None: no change)."""
    if consent is not None:
        check_consent(consent.consented_on, session_on=session.session_on, today=actor.on())
    old = _consent_row(db, session.id)
    before = _consent_values(_consent_of(old)) if old is not None else None
    after = _consent_values(consent)
    return {"before": before, "after": after} if before != after else None


def _store(
    db: Session,
    actor: Actor,
    patient: Patient,
    session: InjectionSession,
    *,
    vials: tuple[dict[str, Any] | None, list[Vial]] | None = None,
    consent: tuple[dict[str, Any] | None, Consent | None] | None = None,
) -> SessionRecords:
    """Audit and store the changes (each part: its audit entry and new values), commit."""
    changes = {}
    if vials is not None and vials[0] is not None:
        changes["vials"] = vials[0]
    if consent is not None and consent[0] is not None:
        changes["consent"] = consent[0]
    action = "update" if changes else "read"  # nothing changed: the data was still looked at
    detail = {"changes": changes} if changes else None
    record_event(
        db, actor, action, PART, entity_id=session.id, patient_id=patient.id, detail=detail
    )
    now = utcnow()
    if "vials" in changes and vials is not None:
        for row in _vial_rows(db, session.id):
            row.deleted_at = now
        db.add_all(
            SessionVial(patient_id=patient.id, session_id=session.id, **_vial_values(v))
            for v in vials[1]
        )
    if "consent" in changes and consent is not None:
        if (old := _consent_row(db, session.id)) is not None:
            old.deleted_at = now
        if (new := consent[1]) is not None:
            db.add(
                SessionConsent(
                    patient_id=patient.id,
                    session_id=session.id,
                    recorded_by=actor.user_id,
                    consented_on=new.consented_on,
                    kind=new.kind,
                    notes=new.notes,
                )
            )
    db.flush()
    records = _records(db, session)
    db.commit()
    return records


def save_session_records(
    db: Session,
    actor: Actor,
    patient_id: int,
    session_id: int,
    *,
    vials: Sequence[Vial],
    consent: Consent | None,
) -> SessionRecords:
    """Replace the session's vials and its consent (None: no consent on record); one
    transaction, audited with the values before and after.

    Raises
    ------
    ClinicalDataError
        A vial expired before the session, an impossible amount, a consent after the session.
    """
    patient, session = _for_update(db, actor, patient_id, session_id)
    return _store(
        db,
        actor,
        patient,
        session,
        vials=_vials_change(db, session, vials),
        consent=(_consent_change(db, actor, session, consent), consent),
    )


def add_vial(
    db: Session, actor: Actor, patient_id: int, session_id: int, vial: Vial
) -> SessionRecords:
    """Add one vial to the session's record; audited like ``save_session_records``."""
    patient, session = _for_update(db, actor, patient_id, session_id)
    vials = [_vial_of(row) for row in _vial_rows(db, session.id)] + [vial]
    return _store(db, actor, patient, session, vials=_vials_change(db, session, vials))


def remove_vial(
    db: Session, actor: Actor, patient_id: int, session_id: int, vial_id: int
) -> SessionRecords:
    """Take one vial off the session's record (its row stays, marked deleted)."""
    patient, session = _for_update(db, actor, patient_id, session_id)
    rows = _vial_rows(db, session.id)
    if vial_id not in {row.id for row in rows}:
        raise refuse(
            db,
            actor,
            NotFoundError("vial", vial_id),
            part=PART,
            action="update",
            patient_id=patient.id,
            entity_id=session.id,
        )
    vials = [_vial_of(row) for row in rows if row.id != vial_id]
    return _store(db, actor, patient, session, vials=_vials_change(db, session, vials))


def record_consent(
    db: Session, actor: Actor, patient_id: int, session_id: int, consent: Consent
) -> SessionRecords:
    """Record the patient's consent to the session (replacing any earlier record of it)."""
    patient, session = _for_update(db, actor, patient_id, session_id)
    change = _consent_change(db, actor, session, consent)
    return _store(db, actor, patient, session, consent=(change, consent))


def patient_dose_history(db: Session, actor: Actor, patient_id: int) -> DoseHistory:
    """The patient's doses per product, year and site, from their current sessions."""
    patient = get_patient_for(db, actor, patient_id, part="injection_session", action="list")
    sessions = db.scalars(
        select(InjectionSession)
        .where(InjectionSession.patient_id == patient.id, InjectionSession.deleted_at.is_(None))
        .order_by(InjectionSession.session_on)
    ).all()
    history = dose_history(
        DosedSession(
            s.session_on,
            s.product,
            tuple(SiteDose(site.muscle, site.side, site.units) for site in s.sites),
            s.product_name,
        )
        for s in sessions
    )
    db.commit()
    return history
