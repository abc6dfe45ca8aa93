"""Everything about one patient over the years, read in a few queries for the timeline page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from hemispasm.clinic.db.models import (
    AdverseEvent,
    Assessment,
    Diagnosis,
    InjectionSession,
    MriStudy,
    Patient,
    SelfRating,
    Surgery,
    VideoAnalysis,
)
from hemispasm.clinic.domain.cycles import effect_trend_days_per_cycle
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import Schedule, patient_schedule
from hemispasm.clinic.services.treatment import (
    SessionSummary,
    clinic_limits,
    cycle_courses,
    summarise_session,
)


@dataclass(frozen=True)
class Timeline:
    """A patient's whole course, oldest first in every list."""

    patient: Patient
    schedule: Schedule
    effect_trend_days_per_cycle: float | None
    sessions: list[tuple[InjectionSession, SessionSummary]]
    diagnoses: list[Diagnosis]
    mri_studies: list[MriStudy]
    adverse_events: list[AdverseEvent]
    assessments: list[Assessment]
    self_ratings: list[SelfRating]
    video_analyses: list[VideoAnalysis]
    surgeries: list[Surgery]


@dataclass(frozen=True)
class Summary:
    """What a patient sees of their own course."""

    patient: Patient
    schedule: Schedule
    effect_trend_days_per_cycle: float | None
    cycles: list[InjectionSession]
    self_ratings: list[SelfRating]
    video_analyses: list[VideoAnalysis]


def _rows(db: Session, model: Any, patient_id: int, order: Any, *options: Any) -> list[Any]:
    return list(
        db.scalars(
            select(model)
            .where(model.patient_id == patient_id, model.deleted_at.is_(None))
            .order_by(order, model.id)
            .options(*options)
        )
    )


def _sessions(db: Session, patient_id: int) -> list[InjectionSession]:
    return _rows(db, InjectionSession, patient_id, InjectionSession.session_on)


def _videos(db: Session, patient_id: int) -> list[VideoAnalysis]:
    return _rows(
        db, VideoAnalysis, patient_id, VideoAnalysis.recorded_on, defer(VideoAnalysis.result)
    )


def patient_timeline(db: Session, actor: Actor, patient_id: int) -> Timeline:
    """The clinician's view of one patient's whole course."""
    patient = get_patient_for(db, actor, patient_id, part="timeline", action="read")
    sessions = _sessions(db, patient.id)
    limits = clinic_limits(db, patient.clinic_id)
    timeline = Timeline(
        patient=patient,
        schedule=patient_schedule(db, patient, actor.on()),
        effect_trend_days_per_cycle=effect_trend_days_per_cycle(cycle_courses(sessions)),
        sessions=[(s, summarise_session(s, limits)) for s in sessions],
        diagnoses=_rows(db, Diagnosis, patient.id, Diagnosis.id),
        mri_studies=_rows(db, MriStudy, patient.id, MriStudy.study_on),
        adverse_events=_rows(db, AdverseEvent, patient.id, AdverseEvent.onset_on),
        assessments=_rows(db, Assessment, patient.id, Assessment.assessed_on),
        self_ratings=_rows(db, SelfRating, patient.id, SelfRating.rated_on),
        video_analyses=_videos(db, patient.id),
        surgeries=_rows(db, Surgery, patient.id, Surgery.surgery_on),
    )
    db.commit()
    return timeline


def patient_summary(db: Session, actor: Actor, patient_id: int) -> Summary:
    """The patient's own view: next injection, past cycles, own ratings and videos."""
    patient = get_patient_for(db, actor, patient_id, part="summary", action="read")
    sessions = _rows(
        db,
        InjectionSession,
        patient.id,
        InjectionSession.session_on,
        defer(InjectionSession.notes),
        defer(InjectionSession.lot),
    )
    summary = Summary(
        patient=patient,
        schedule=patient_schedule(db, patient, actor.on()),
        effect_trend_days_per_cycle=effect_trend_days_per_cycle(cycle_courses(sessions)),
        cycles=sessions,
        self_ratings=_rows(db, SelfRating, patient.id, SelfRating.rated_on),
        video_analyses=_videos(db, patient.id),
    )
    db.commit()
    return summary
