"""Stored video analyses: a ``hemispasm.analysis/1`` result; its headline metrics are columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, defer

from hemispasm.clinic.db.models import Patient, VideoAnalysis
from hemispasm.clinic.domain.dates import check_not_future
from hemispasm.clinic.domain.vocab import AnalysisSource, Role
from hemispasm.clinic.services.access import refuse, reporter_of, require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.records import Page, RecordKind, Values, list_records
from hemispasm.errors import ClinicalDataError, PermissionDeniedError
from hemispasm.report.contract import AnalysisResult, InvalidResultError, parse_result

IMPORT_REFUSED = (
    "a video analysis is made by the clinic's server from an uploaded video: upload the video "
    "(POST .../videos); only a clinician may import a result made elsewhere"
)


def stored_result(stored: Any) -> AnalysisResult:
    """A result as the database holds it (JSON), typed. Results of earlier versions load with
    the contract's defaults for what they lack."""
    try:
        return parse_result(stored)
    except InvalidResultError as exc:
        raise ClinicalDataError("result", f"the stored result is not readable: {exc}") from None


def current_result(analysis: VideoAnalysis) -> AnalysisResult:
    """The figures that count: as a clinician corrected them once corrected, else as detected."""
    return stored_result(analysis.corrected_result or analysis.result)


def metric_columns(result: AnalysisResult) -> Values:
    """The queryable columns taken from a result."""
    metrics = result.metrics
    jankovic_total = result.grades.jankovic_total.value
    if jankovic_total is not None and not isinstance(jankovic_total, int):
        raise ClinicalDataError(
            "result.grades.jankovic_total.value", f"must be 0 to 8, not {jankovic_total!r}"
        )
    return {
        "video_sha256": result.source.sha256,
        "duration_s": result.source.duration_s,
        "affected_side": result.affected_side,
        "spasms_per_min": metrics.spasms_per_min,
        "blinks_per_min": metrics.blinks_per_min,
        "pct_time_affected_eye_half_closed": metrics.pct_time_affected_eye_half_closed,
        "jankovic_total_estimate": jankovic_total,
        "smc_grade_estimate": _smc_number(result.grades.smc_grade.value),
    }


_SMC_NUMBERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


def _smc_number(value: Any) -> int | None:
    """SMC grades are written I-IV in results and stored as 1-4."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        return value
    if isinstance(value, str) and value in _SMC_NUMBERS:
        return _SMC_NUMBERS[value]
    raise ClinicalDataError("result.grades.smc_grade.value", f"must be I to IV, not {value!r}")


def _refuse_result(db: Session, actor: Actor, patient: Patient, existing: Any, why: str) -> None:
    raise refuse(
        db,
        actor,
        PermissionDeniedError(why),
        part="video_analysis",
        action="create" if existing is None else "update",
        patient_id=patient.id,
        entity_id=None if existing is None else existing.id,
    )


def _prepare(db: Session, actor: Actor, patient: Patient, values: Values, existing: Any) -> Values:
    """Where the analysis comes from: the server's analysis of an upload names its ``source``;
    a result sent without one is imported, which only a clinician may do (and a clinician who
    replaces a stored result makes it imported too)."""
    if existing is None:
        source = values.pop("source", None)
        if source is None and actor.role is not Role.CLINICIAN:
            _refuse_result(db, actor, patient, existing, IMPORT_REFUSED)
        values["source"] = AnalysisSource(source or AnalysisSource.IMPORTED)
        values["reported_by"] = reporter_of(actor)
    elif _same_result(values.get("result"), existing.result):
        return values | {"result": existing.result}
    elif actor.role is not Role.CLINICIAN:
        _refuse_result(db, actor, patient, existing, IMPORT_REFUSED)
    else:
        values["source"] = AnalysisSource.IMPORTED
    if existing is not None and existing.corrected_at is not None:
        raise ClinicalDataError(
            "result",
            "a clinician has corrected this analysis's events, which name the stored result's "
            "events: store a new result as a new analysis",
        )
    try:
        result = parse_result(values.get("result"))
    except InvalidResultError as exc:
        raise ClinicalDataError(exc.field, exc.detail) from None
    return values | {"result": result.to_json_dict()} | metric_columns(result)


def _same_result(sent: Any, stored: Any) -> bool:
    """Whether an update sends the result already stored (as typed results, so that a result
    read from the API and sent back unchanged is the same)."""
    try:
        return parse_result(sent) == parse_result(stored)
    except InvalidResultError:
        return False


def _check(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
    check_not_future("recorded_on", values["recorded_on"], today=actor.on())


VIDEO_ANALYSES = RecordKind(
    part="video_analysis",
    model=VideoAnalysis,
    date_field="recorded_on",
    check=_check,
    prepare=_prepare,
    reporter_field="reported_by",
)


def list_analysis_summaries(
    db: Session, actor: Actor, patient_id: int, *, page: int, page_size: int
) -> Page:
    """A page of the patient's video analyses, newest first, without the ``result`` JSON
    (several kB each): the metric columns are what lists show."""
    return list_records(
        db,
        actor,
        VIDEO_ANALYSES,
        patient_id,
        page=page,
        page_size=page_size,
        deferred=("result", "corrected_result"),
    )


@dataclass(frozen=True)
class AnalysisFilter:
    """Bounds on the stored metrics of video analyses; every field optional."""

    min_spasms_per_min: float | None = None
    max_spasms_per_min: float | None = None
    min_pct_time_affected_eye_half_closed: float | None = None
    recorded_from: date | None = None
    recorded_to: date | None = None
    affected_side: str | None = None


def query_analyses(
    db: Session, actor: Actor, filters: AnalysisFilter, *, page: int, page_size: int
) -> Page:
    """Video analyses of the clinic's patients whose metrics fall within the bounds."""
    require_role(actor, Role.CLINICIAN)
    va = VideoAnalysis
    where: list[ColumnElement[bool]] = [
        va.deleted_at.is_(None),
        Patient.clinic_id == actor.clinic_id,
        Patient.deleted_at.is_(None),
    ]
    bounds = (
        (filters.min_spasms_per_min, va.spasms_per_min, ">="),
        (filters.max_spasms_per_min, va.spasms_per_min, "<="),
        (filters.min_pct_time_affected_eye_half_closed, va.pct_time_affected_eye_half_closed, ">="),
        (filters.recorded_from, va.recorded_on, ">="),
        (filters.recorded_to, va.recorded_on, "<="),
    )
    for value, column, op in bounds:
        if value is not None:
            where.append(column >= value if op == ">=" else column <= value)
    if filters.affected_side is not None:
        where.append(va.affected_side == filters.affected_side)
    base = select(va).join(Patient, Patient.id == va.patient_id).where(*where)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.scalars(
        base.options(defer(va.result), defer(va.corrected_result))
        .order_by(va.recorded_on.desc(), va.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    shown = sorted({row.patient_id for row in rows})
    record_event(db, actor, "list", "video_analysis", detail={"patient_ids": shown})
    db.commit()
    return Page(list(rows), total, page, page_size)
