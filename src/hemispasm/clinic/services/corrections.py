"""A clinician reviews the events of a video analysis: confirms, rejects, relabels, adds.

Each correction is one row of ``event_corrections`` (never changed afterwards) and one audit row;
the analysis's figures are then recomputed from the corrected events with the analysis's own
rules and stored beside the detected result, and its metric columns follow, so lists, charts and
searches count what the clinician decided. The detected result itself is never changed.

Only clinicians review (the access part ``event_correction`` is not among a patient's parts);
patients see the corrected figures of their own videos through the video analysis itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Diagnosis, EventCorrection, User, VideoAnalysis
from hemispasm.clinic.domain.corrections import (
    CorrectionAction,
    Label,
    ReviewedEvent,
    Step,
    added_event,
    added_key,
    after_correction,
    check_event_key,
    check_label,
    check_span,
    corrected_events,
    detected_events,
    event_from_json,
    event_json,
    find_event,
    peak_within,
    recompute_result,
    review_events,
)
from hemispasm.clinic.domain.vocab import AffectedSide
from hemispasm.clinic.services.access import get_patient_for, may
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.report_files import (
    NO_FILES,
    ReportFiles,
    Series,
    TimeseriesError,
    read_series,
    report_files_of,
)
from hemispasm.clinic.services.videos import VIDEO_ANALYSES, metric_columns, stored_result
from hemispasm.errors import ClinicalDataError, NotFoundError
from hemispasm.report.contract import AnalysisResult

PART = "event_correction"
"""The access part and audit entity of corrections (clinicians only)."""
FRAME_MOMENTS = ("before", "peak", "after")
"""The frames shown of each event: just before it starts, its most closed, just after it ends."""
FRAME_MARGIN_S = 0.25


# --- what the report page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionRecord:
    """One correction as the history shows it."""

    id: int
    key: str
    action: CorrectionAction
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    by: str
    at: datetime


@dataclass(frozen=True)
class Review:
    """An analysis with its events as they stand and, for a clinician, the history."""

    analysis: VideoAnalysis
    events: tuple[ReviewedEvent, ...]
    history: tuple[CorrectionRecord, ...]
    """Newest first; empty for a patient."""
    corrected_by: str | None
    """The name of whoever made the latest correction."""
    files: ReportFiles
    may_correct: bool
    diagnosis_side: str | None
    """The side of the patient's recorded HFS diagnosis (``left``, ``right``, ``bilateral``),
    None when no diagnosis is recorded; only read for a clinician."""

    detected: AnalysisResult
    """The result as the analysis found it."""
    corrected: AnalysisResult | None
    """The result recomputed from the corrections; None while uncorrected."""

    @property
    def result(self) -> AnalysisResult:
        """The figures that count: as corrected once corrected, else as detected."""
        return self.detected if self.corrected is None else self.corrected


def _name(user: User | None) -> str:
    if user is None:
        return "a former user"
    return user.display_name or user.email


def correction_rows(db: Session, analysis_id: int) -> list[EventCorrection]:
    """The corrections of an analysis, in the order made (the caller has checked access)."""
    return list(
        db.scalars(
            select(EventCorrection)
            .where(EventCorrection.video_analysis_id == analysis_id)
            .order_by(EventCorrection.id)
        )
    )


def steps_of(rows: Sequence[EventCorrection]) -> list[Step]:
    """Stored corrections as the domain's steps."""
    return [
        Step(
            id=r.id,
            key=r.event_key,
            action=r.action,
            after=None if r.after is None else event_from_json(r.after),
        )
        for r in rows
    ]


def load_analysis(
    db: Session, patient_id: int, analysis_id: int, *, lock: bool = False
) -> VideoAnalysis:
    """The patient's live analysis ``analysis_id``, locked for an update with ``lock``
    (the caller has checked access)."""
    statement = select(VideoAnalysis).where(VideoAnalysis.id == analysis_id)
    if lock:  # two clinicians correcting one analysis take turns (PostgreSQL; SQLite always does)
        statement = statement.with_for_update()
    row = db.scalars(statement).first()
    if row is None or row.patient_id != patient_id or row.deleted_at is not None:
        raise NotFoundError("video analysis", analysis_id)
    return row


def diagnosis_side(db: Session, patient_id: int) -> str | None:
    """The side of the patient's latest recorded HFS diagnosis, or None without one."""
    side = db.scalars(
        select(Diagnosis.affected_side)
        .where(Diagnosis.patient_id == patient_id, Diagnosis.deleted_at.is_(None))
        .order_by(Diagnosis.id.desc())
        .limit(1)
    ).first()
    return None if side is None else AffectedSide(side).value


def get_review(
    db: Session, actor: Actor, patient_id: int, analysis_id: int, *, data_dir: Path
) -> Review:
    """The analysis and its events as they stand: one audited read of the video analysis. A
    clinician also gets the history of corrections, the files to show evidence from and the
    patient's diagnosis (for the export)."""
    get_patient_for(
        db, actor, patient_id, part=VIDEO_ANALYSES.part, action="read", entity_id=analysis_id
    )
    row = load_analysis(db, patient_id, analysis_id)
    clinician = may(actor, PART, write=True)
    rows = correction_rows(db, analysis_id) if clinician or row.corrected_at is not None else []
    user_ids = {r.corrected_by for r in rows} | ({row.corrected_by} - {None})
    names = {u.id: _name(u) for u in db.scalars(select(User).where(User.id.in_(user_ids)))}
    detected = stored_result(row.result)
    review = Review(
        analysis=row,
        detected=detected,
        corrected=None if row.corrected_result is None else stored_result(row.corrected_result),
        events=review_events(detected_events(detected), steps_of(rows)),
        history=tuple(
            CorrectionRecord(
                r.id,
                r.event_key,
                r.action,
                r.before,
                r.after,
                names.get(r.corrected_by, _name(None)),
                r.created_at,
            )
            for r in reversed(rows)
        )
        if clinician
        else (),
        corrected_by=None if row.corrected_by is None else names.get(row.corrected_by),
        files=report_files_of(db, analysis_id, data_dir) if clinician else NO_FILES,
        may_correct=clinician,
        diagnosis_side=diagnosis_side(db, patient_id) if clinician else None,
    )
    db.commit()
    return review


def list_corrections(
    db: Session, actor: Actor, patient_id: int, analysis_id: int
) -> tuple[VideoAnalysis, list[EventCorrection]]:
    """The analysis and its corrections, newest first (clinicians; audited as a list)."""
    get_patient_for(db, actor, patient_id, part=PART, action="list", entity_id=analysis_id)
    row = load_analysis(db, patient_id, analysis_id)
    history = list(reversed(correction_rows(db, analysis_id)))
    db.commit()
    return row, history


# --- making a correction -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventChange:
    """A correction of one event: confirm, reject, or relabel with kind, side and type."""

    action: CorrectionAction
    kind: str | None = None
    side: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class NewEvent:
    """An event the analysis missed."""

    start_s: float
    end_s: float
    kind: str
    side: str
    type: str | None = None


def _series(files: ReportFiles) -> Series:
    if files.timeseries is None:
        raise ClinicalDataError(
            "event",
            "this analysis has no per-frame data (timeseries.csv) in the clinic, so its figures "
            "cannot be recomputed: only analyses of videos uploaded to the clinic can be corrected",
        )
    try:
        return read_series(files.timeseries)
    except TimeseriesError as exc:
        raise ClinicalDataError("event", f"the per-frame data cannot be read: {exc}") from None


def _store(
    db: Session,
    actor: Actor,
    row: VideoAnalysis,
    rows: list[EventCorrection],
    series: Series,
    correction: EventCorrection,
) -> EventCorrection:
    """Add ``correction`` and recompute the analysis's figures from every correction."""
    db.add(correction)
    db.flush()
    detected = stored_result(row.result)
    events = review_events(detected_events(detected), steps_of([*rows, correction]))
    corrected = recompute_result(
        detected, series.measurements, series.closure, corrected_events(events)
    )
    for key, value in metric_columns(corrected).items():
        setattr(row, key, value)
    row.corrected_result = corrected.to_json_dict()
    row.corrected_at = correction.created_at
    row.corrected_by = actor.user_id
    db.commit()
    return correction


def correct_event(
    db: Session,
    actor: Actor,
    patient_id: int,
    analysis_id: int,
    key: str,
    change: EventChange,
    *,
    data_dir: Path,
) -> EventCorrection:
    """Confirm, reject or relabel one event (detected or added); one transaction, audited.

    Raises
    ------
    PermissionDeniedError
        The actor is not a clinician.
    NotFoundError
        No such patient for this clinician, or no such analysis of the patient.
    ClinicalDataError
        An unknown event, a label whose parts do not fit (the field named), or an analysis
        without per-frame data.
    """
    get_patient_for(db, actor, patient_id, part=PART, action="create")
    check_event_key(key)
    label: Label | None = None
    if change.action is CorrectionAction.RELABEL:
        if change.kind is None:
            raise ClinicalDataError("kind", "choose spasm or blink")
        if change.side is None:
            raise ClinicalDataError("side", "choose left, right or both")
        label = check_label(change.kind, change.side, change.type)
    elif change.action is CorrectionAction.ADD:
        raise ClinicalDataError("action", "confirm, reject or relabel an event; add one separately")
    row = load_analysis(db, patient_id, analysis_id, lock=True)
    series = _series(report_files_of(db, analysis_id, data_dir))
    rows = correction_rows(db, analysis_id)
    detected = detected_events(stored_result(row.result))
    item = find_event(review_events(detected, steps_of(rows)), key)
    after = after_correction(item, change.action, label)
    correction = EventCorrection(
        patient_id=patient_id,
        video_analysis_id=analysis_id,
        event_key=key,
        action=change.action,
        before=None if item.current is None else event_json(item.current),
        after=None if after is None else event_json(after),
        corrected_by=actor.user_id,
    )
    return _store(db, actor, row, rows, series, correction)


def add_event(
    db: Session,
    actor: Actor,
    patient_id: int,
    analysis_id: int,
    new: NewEvent,
    *,
    data_dir: Path,
) -> EventCorrection:
    """Add an event the analysis missed; its peak is the most closed frame of its eye between
    its start and end. One transaction, audited. Raises as ``correct_event``, and
    ClinicalDataError naming ``start_s`` or ``end_s`` for times outside the video."""
    get_patient_for(db, actor, patient_id, part=PART, action="create")
    label = check_label(new.kind, new.side, new.type)
    row = load_analysis(db, patient_id, analysis_id, lock=True)
    duration_s = stored_result(row.result).source.duration_s
    check_span(new.start_s, new.end_s, duration_s=duration_s)
    series = _series(report_files_of(db, analysis_id, data_dir))
    peak_s, peak_closure = peak_within(
        series.measurements, series.closure, label.side, new.start_s, new.end_s
    )
    event = added_event(
        label, start_s=new.start_s, end_s=new.end_s, peak_s=peak_s, peak_closure=peak_closure
    )
    rows = correction_rows(db, analysis_id)
    correction = EventCorrection(
        patient_id=patient_id,
        video_analysis_id=analysis_id,
        event_key=added_key(1 + sum(r.action is CorrectionAction.ADD for r in rows)),
        action=CorrectionAction.ADD,
        before=None,
        after=event_json(event),
        corrected_by=actor.user_id,
    )
    return _store(db, actor, row, rows, series, correction)


# --- frames of an event --------------------------------------------------------------------------


@dataclass(frozen=True)
class FramePlan:
    """Which frames to show of one event, under which names, and where to cut them from."""

    files: ReportFiles
    moments: tuple[tuple[str, float], ...]
    """(file name, time in s) for each of ``FRAME_MOMENTS``."""

    def name_of(self, moment: str) -> str:
        """The file name of the frame at ``moment`` (one of ``FRAME_MOMENTS``)."""
        return dict(zip(FRAME_MOMENTS, (name for name, _ in self.moments), strict=True))[moment]


def frame_plan(
    db: Session, actor: Actor, patient_id: int, analysis_id: int, key: str, *, data_dir: Path
) -> FramePlan:
    """The frames of event ``key``: an audited read of the review, for clinicians. The frames
    themselves are cut (or read from the cache) after this use case, outside its transaction."""
    get_patient_for(db, actor, patient_id, part=PART, action="read", entity_id=analysis_id)
    check_event_key(key)
    row = load_analysis(db, patient_id, analysis_id)
    detected = stored_result(row.result)
    event = find_event(
        review_events(detected_events(detected), steps_of(correction_rows(db, analysis_id))), key
    ).label
    files = report_files_of(db, analysis_id, data_dir)
    db.commit()
    end = detected.source.duration_s
    times = (event.start_s - FRAME_MARGIN_S, event.peak_s, event.end_s + FRAME_MARGIN_S)
    return FramePlan(
        files,
        tuple(
            (f"{key}-{moment}.jpg", min(max(t, 0.0), end))
            for moment, t in zip(FRAME_MOMENTS, times, strict=True)
        ),
    )
