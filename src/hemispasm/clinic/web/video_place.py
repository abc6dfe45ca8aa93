"""Whose videos a page shows: a clinician's view of one patient, or the patient's own.

The clinician's pages live under ``/patients/{id}/videos`` and reach the patient through the
services' one access check (another clinic's patient is not found); a patient's own pages live
under ``/me/videos`` and ``/me/record``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Patient
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import get_patient
from hemispasm.clinic.web.pages import own_record


@dataclass(frozen=True)
class Place:
    """Whose videos a page shows and the address the pages live under."""

    patient_id: int
    base: str
    patient: Patient | None = None
    """The record, for a clinician's heading; a patient's own pages do not need it."""

    @property
    def mine(self) -> bool:
        """Whether these are the patient's own pages."""
        return self.patient is None


def patient_place(db: Session, actor: Actor, patient_id: int) -> Place:
    """The clinician's pages of a patient: another clinic's patient is not found, and a patient
    is refused (their own pages are under /me)."""
    patient = get_patient(db, actor, patient_id)
    return Place(patient.id, f"/patients/{patient.id}/videos", patient)


def my_place(actor: Actor) -> Place:
    """The logged-in patient's own pages."""
    return Place(own_record(actor), "/me/videos")
