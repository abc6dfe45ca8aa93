"""The records of the demo plan: frozen, plain values (no database, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    ContactKind,
    InjectionSide,
    Muscle,
    Product,
    Severity,
    Sex,
    Vessel,
)


@dataclass(frozen=True)
class SitePlan:
    """Units into one muscle on one side."""

    muscle: Muscle
    side: InjectionSide
    units: float


@dataclass(frozen=True)
class SessionPlan:
    """One injection and, as far as it has happened by today, the course of its cycle."""

    session_on: date
    product: Product
    dilution_units_per_0_1_ml: float
    lot: str
    expiry_on: date
    sites: tuple[SitePlan, ...]
    effect_began_on: date | None
    effect_peak_on: date | None
    wore_off_on: date | None
    notes: str | None = None


@dataclass(frozen=True)
class AdversePlan:
    """A side effect after the session at ``session_index``."""

    session_index: int
    effect: AdverseEffect
    severity: Severity
    onset_on: date
    resolved_on: date | None
    notes: str


@dataclass(frozen=True)
class AssessmentPlan:
    """A clinic assessment on a visit, before the injection."""

    assessed_on: date
    jankovic_severity: int
    jankovic_frequency: int
    smc_grade: int
    hfs7_total: int | None


@dataclass(frozen=True)
class RatingPlan:
    """The patient's own rating, 0 (no spasms) to 10."""

    rated_on: date
    score: int


@dataclass(frozen=True)
class MriPlan:
    """The MRI work-up of the cause."""

    study_on: date
    compression_found: bool
    vessels: tuple[Vessel, ...]
    contact: ContactKind | None
    dolichoectasia: bool
    notes: str


@dataclass(frozen=True)
class SurgeryPlan:
    """A microvascular decompression, with the date spasms came back if they did."""

    surgery_on: date
    side: AffectedSide
    vessels: tuple[Vessel, ...]
    recurrence_on: date | None
    notes: str


@dataclass(frozen=True)
class VideoPlan:
    """A sample video's analysis stored for the patient."""

    recorded_on: date
    video: str
    """Key of a sample video in ``demo.videos.SAMPLE_VIDEOS``."""
    notes: str


@dataclass(frozen=True)
class PatientPlan:
    """A demo patient's whole history, oldest first in every list."""

    number: int
    mrn: str
    name: str
    birth_date: date
    sex: Sex
    side: AffectedSide
    onset_on: date
    diagnosed_on: date
    due_kind: str
    """The worklist tab the patient is meant for (see ``DUE_KINDS``), or "after_surgery"."""
    has_login: bool
    mri: MriPlan | None
    sessions: tuple[SessionPlan, ...]
    adverse_events: tuple[AdversePlan, ...]
    assessments: tuple[AssessmentPlan, ...]
    self_ratings: tuple[RatingPlan, ...]
    surgery: SurgeryPlan | None
    videos: tuple[VideoPlan, ...]


@dataclass(frozen=True)
class DemoPlan:
    """Everything the demo clinic holds, for one seed and one day."""

    seed: int
    today: date
    patients: tuple[PatientPlan, ...]
