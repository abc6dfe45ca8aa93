"""Everything about one patient over the years, for the timeline (clinician) or summary (patient).

The timeline is the most-read page of a clinic, and a patient of 8 years has about 30 sessions
and 300 injected sites: it is read with plain column queries, not ORM objects, so that its cost
stays a few milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import (
    AdverseEvent,
    Assessment,
    Diagnosis,
    InjectionSession,
    InjectionSite,
    MriStudy,
    Patient,
    SelfRating,
    Surgery,
    VideoAnalysis,
)
from hemispasm.clinic.domain.cycles import effect_trend_days_per_cycle
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import Schedule, patient_schedule
from hemispasm.clinic.services.treatment import (
    SessionSummary,
    clinic_limits,
    cycle_courses,
    summarise_session,
)

Row = dict[str, Any]


@dataclass(frozen=True)
class SessionView:
    """A session's column values, its current sites and their summary."""

    values: Row
    sites: list[SiteDose]
    summary: SessionSummary


@dataclass(frozen=True)
class Timeline:
    """A patient's whole course, oldest first in every list (rows as column-value dicts)."""

    patient: Patient
    schedule: Schedule
    effect_trend_days_per_cycle: float | None
    sessions: list[SessionView]
    diagnoses: list[Row]
    mri_studies: list[Row]
    adverse_events: list[Row]
    assessments: list[Row]
    self_ratings: list[Row]
    video_analyses: list[Row]
    surgeries: list[Row]


@dataclass(frozen=True)
class Summary:
    """What a patient sees of their own course."""

    patient: Patient
    schedule: Schedule
    effect_trend_days_per_cycle: float | None
    cycles: list[Row]
    self_ratings: list[Row]
    video_analyses: list[Row]


@cache
def _rows_query(model: Any, order: str, without: tuple[str, ...]) -> Select[Any]:
    """Built once per kind: reusing the statement object skips SQLAlchemy's cache-key work."""
    table: Table = model.__table__
    columns = [c for c in table.c if c.key not in without]
    return (
        select(*columns)
        .where(table.c.patient_id == bindparam("patient_id"), table.c.deleted_at.is_(None))
        .order_by(table.c[order], table.c.id)
    )


def _rows(
    db: Session, model: Any, patient_id: int, order: str, *, without: tuple[str, ...] = ()
) -> list[Row]:
    """The patient's live rows of ``model`` as dicts, oldest first."""
    query = _rows_query(model, order, without)
    # Core statements go to the connection directly: the ORM session would add its own
    # compile step for nothing.
    rows = db.connection().execute(query, {"patient_id": patient_id})
    return [dict(r._mapping) for r in rows]


_SITE, _SESSION = InjectionSite.__table__.c, InjectionSession.__table__.c
_SITES_QUERY = (
    select(_SITE.session_id, _SITE.muscle, _SITE.side, _SITE.units)
    .join(InjectionSession.__table__, _SESSION.id == _SITE.session_id)
    .where(
        _SESSION.patient_id == bindparam("patient_id"),
        _SESSION.deleted_at.is_(None),
        _SITE.deleted_at.is_(None),
    )
    .order_by(_SITE.id)
)


def _videos(db: Session, patient_id: int) -> list[Row]:
    return _rows(db, VideoAnalysis, patient_id, "recorded_on", without=("result",))


def _sessions(db: Session, patient: Patient) -> list[SessionView]:
    sessions = _rows(db, InjectionSession, patient.id, "session_on")
    sites: dict[int, list[SiteDose]] = defaultdict(list)
    query = db.connection().execute(_SITES_QUERY, {"patient_id": patient.id})
    for session_id, muscle, side, units in query:
        sites[session_id].append(SiteDose(muscle, side, units))
    limits = clinic_limits(db, patient.clinic_id)
    return [
        SessionView(
            s,
            sites[s["id"]],
            summarise_session(s["product"], s["dilution_units_per_0_1_ml"], sites[s["id"]], limits),
        )
        for s in sessions
    ]


def patient_timeline(db: Session, actor: Actor, patient_id: int) -> Timeline:
    """The clinician's view of one patient's whole course."""
    patient = get_patient_for(db, actor, patient_id, part="timeline", action="read")
    sessions = _sessions(db, patient)
    timeline = Timeline(
        patient=patient,
        schedule=patient_schedule(db, patient, actor.on()),
        effect_trend_days_per_cycle=effect_trend_days_per_cycle(
            cycle_courses([s.values for s in sessions])
        ),
        sessions=sessions,
        diagnoses=_rows(db, Diagnosis, patient.id, "id"),
        mri_studies=_rows(db, MriStudy, patient.id, "study_on"),
        adverse_events=_rows(db, AdverseEvent, patient.id, "onset_on"),
        assessments=_rows(db, Assessment, patient.id, "assessed_on"),
        self_ratings=_rows(db, SelfRating, patient.id, "rated_on"),
        video_analyses=_videos(db, patient.id),
        surgeries=_rows(db, Surgery, patient.id, "surgery_on"),
    )
    db.commit()
    return timeline


def patient_summary(db: Session, actor: Actor, patient_id: int) -> Summary:
    """The patient's own view: next injection, past cycles, own ratings and videos."""
    patient = get_patient_for(db, actor, patient_id, part="summary", action="read")
    cycles = _rows(db, InjectionSession, patient.id, "session_on", without=("notes", "lot"))
    summary = Summary(
        patient=patient,
        schedule=patient_schedule(db, patient, actor.on()),
        effect_trend_days_per_cycle=effect_trend_days_per_cycle(cycle_courses(cycles)),
        cycles=cycles,
        self_ratings=_rows(db, SelfRating, patient.id, "rated_on"),
        video_analyses=_videos(db, patient.id),
    )
    db.commit()
    return summary
