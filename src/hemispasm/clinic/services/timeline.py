"""Everything about one patient over the years, for the timeline (clinician) or summary (patient).

The timeline is the most-read page of a clinic, and a patient of 8 years has about 30 sessions
and 350 injected sites: it is read with plain column queries, not ORM objects, and the sites are
summed by the database (each session's own route lists its sites).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import (
    AdverseEvent,
    Assessment,
    Diagnosis,
    DoseLimit,
    InjectionSession,
    InjectionSite,
    MriStudy,
    Patient,
    SelfRating,
    Surgery,
    VideoAnalysis,
)
from hemispasm.clinic.domain.cycles import effect_trend_days_per_cycle
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import Schedule, patient_schedule
from hemispasm.clinic.services.treatment import cycle_courses

Row = dict[str, Any]


@dataclass(frozen=True)
class SessionTotals:
    """A session's totals and limit checks, computed by the database from its sites."""

    units_left: float
    units_right: float
    site_count: int
    sites_over_limit: int
    """Sites above the clinic's per-site (or lower-face per-site) limit for the product."""
    over_session_limit: bool

    @property
    def total_units(self) -> float:
        """Both sides (one product per session, so the sum is meaningful)."""
        return self.units_left + self.units_right

    @property
    def warning_count(self) -> int:
        """Dose-limit warnings, as ``check_dose_limits`` would count them."""
        return self.sites_over_limit + int(self.over_session_limit)


@dataclass(frozen=True)
class SessionView:
    """A session's column values and its totals (the sites are read per session, on demand)."""

    values: Row
    totals: SessionTotals


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
_LIMIT = DoseLimit.__table__.c
_LOWER_FACE = [m for m in Muscle if m.is_lower_face]
# The per-site limit of check_dose_limits: the lower-face limit where it is set and lower.
_SITE_LIMIT = case(
    (
        and_(
            _SITE.muscle.in_(_LOWER_FACE),
            _LIMIT.max_units_per_lower_face_site.is_not(None),
            _LIMIT.max_units_per_lower_face_site < _LIMIT.max_units_per_site,
        ),
        _LIMIT.max_units_per_lower_face_site,
    ),
    else_=_LIMIT.max_units_per_site,
)
_TOTALS_QUERY = (
    select(
        _SITE.session_id,
        func.sum(case((_SITE.side == InjectionSide.LEFT, _SITE.units), else_=0.0)),
        func.sum(case((_SITE.side == InjectionSide.RIGHT, _SITE.units), else_=0.0)),
        func.count(),
        func.sum(case((_SITE.units > _SITE_LIMIT, 1), else_=0)),
        func.max(_LIMIT.max_units_per_session),
    )
    .join(InjectionSession.__table__, _SESSION.id == _SITE.session_id)
    .outerjoin(
        DoseLimit.__table__,
        and_(_LIMIT.clinic_id == bindparam("clinic_id"), _LIMIT.product == _SESSION.product),
    )
    .where(
        _SESSION.patient_id == bindparam("patient_id"),
        _SESSION.deleted_at.is_(None),
        _SITE.deleted_at.is_(None),
    )
    .group_by(_SITE.session_id)
)


def session_totals(db: Session, patient: Patient) -> dict[int, SessionTotals]:
    """Totals and limit checks of each of the patient's sessions, by session id.

    One grouped query instead of ~350 site rows in Python: this is what keeps the timeline
    fast. The per-site rule is the SQL form of ``domain.dosing.check_dose_limits``; a test checks
    that the two agree.
    """
    rows = db.connection().execute(
        _TOTALS_QUERY, {"patient_id": patient.id, "clinic_id": patient.clinic_id}
    )
    out = {}
    for session_id, left, right, count, over, session_limit in rows:
        total = float(left or 0) + float(right or 0)
        out[session_id] = SessionTotals(
            units_left=float(left or 0),
            units_right=float(right or 0),
            site_count=int(count),
            sites_over_limit=int(over or 0),
            over_session_limit=session_limit is not None and total > session_limit,
        )
    return out


_NO_SITES = SessionTotals(0.0, 0.0, 0, 0, False)


def _videos(db: Session, patient_id: int) -> list[Row]:
    return _rows(
        db, VideoAnalysis, patient_id, "recorded_on", without=("result", "corrected_result")
    )


def _sessions(db: Session, patient: Patient) -> list[SessionView]:
    sessions = _rows(db, InjectionSession, patient.id, "session_on")
    totals = session_totals(db, patient)
    return [SessionView(s, totals.get(s["id"], _NO_SITES)) for s in sessions]


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
