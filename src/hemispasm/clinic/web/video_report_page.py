"""The report page of one video analysis, and the notes kept on it.

Clinicians open it at ``/patients/{id}/videos/{analysis}``, a patient at ``/me/videos/{analysis}``.
The figures are the analysis's as they stand (as a clinician corrected its events, once one has;
``video_report``); a clinician also reviews each event there: its evidence is shown here, and
the forms post to ``video_review``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId, SettingsDep
from hemispasm.clinic.api.schemas.records import VideoAnalysisUpdate
from hemispasm.clinic.services import corrections as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.corrections import get_review
from hemispasm.clinic.services.records import update_record
from hemispasm.clinic.services.report_files import TimeseriesError, read_series
from hemispasm.clinic.services.treatment import session_dates
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.i18n import gettext
from hemispasm.clinic.web.pages import PageActor, PageRoute, render
from hemispasm.clinic.web.video_events import (
    KIND_CHOICES,
    SIDE_CHOICES,
    TYPE_CHOICES,
    corrected_view,
    event_view,
    history_rows,
    trace,
)
from hemispasm.clinic.web.video_place import Place, my_place, patient_place
from hemispasm.clinic.web.video_report import report_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Errors = Mapping[str, Mapping[str, str]]
"""A form's refused fields: by event key, ``add`` for the new event, ``export`` for the export."""


# --- the review on the report page ---------------------------------------------------------------


def review_view(
    review: svc.Review,
    place: Place,
    *,
    errors: Errors | None = None,
    entered: Mapping[str, str] | None = None,
    done: str = "",
) -> dict[str, Any]:
    """What the report page shows of the review: the corrected figures beside the detected ones,
    for everyone; for a clinician also each event with its evidence, the forms and the history."""
    row = review.analysis
    base_url = f"{place.base}/{row.id}"
    corrected = corrected_view(
        review.detected,
        review.corrected,
        by=review.corrected_by,
        at=row.corrected_at,
        reviewed=review.events,
    )
    if not review.may_correct:
        return {"corrected": corrected, "clinician": False}
    files = review.files
    series = None
    series_problem = ""
    if files.timeseries is not None:
        try:
            series = read_series(files.timeseries)
        except TimeseriesError as exc:
            series_problem = str(exc)
    duration = review.detected.source.duration_s
    events = []
    for item in review.events:
        trace_view = None
        if series is not None:
            m = series.measurements
            trace_view = trace(
                m.timestamps_s,
                m.usable,
                series.closure.left,
                series.closure.right,
                item.label,
                duration_s=duration,
            )
        frames = files.video is not None
        events.append(event_view(item, base_url=base_url, trace_view=trace_view, frames=frames))
    numbers = {
        item.key: f"Added {item.number}" if item.detected is None else f"#{item.number}"
        for item in review.events
    }
    errors = errors or {}
    return {
        "clinician": True,
        "corrected": corrected,
        "events": events,
        "can_correct": series is not None,
        "series_problem": series_problem,
        "frames_note": _frames_note(files),
        "history": history_rows(review.history, numbers),
        "errors": errors,
        "entered": entered or {},
        "open_key": done or next(iter(k for k in errors if k not in ("add", "export")), ""),
        "done": done,
        "add_url": f"{base_url}/events",
        "export_url": f"{base_url}/labels.json",
        "diagnosis_side": review.diagnosis_side,
        "kinds": KIND_CHOICES,
        "sides": SIDE_CHOICES,
        "types": TYPE_CHOICES,
        "duration": f"{duration:.2f}",
    }


def _frames_note(files: svc.ReportFiles) -> str:
    if files.video is not None:
        return ""
    if files.video_deleted:
        return gettext(
            "The video was deleted after its analysis (this clinic keeps only the results), so "
            "no frames can be shown."
        )
    if files.video_name is None:
        return gettext(
            "This analysis was stored as a result file, without its video: no frames to show."
        )
    return gettext("The stored video is missing from the data folder, so no frames can be shown.")


# --- the page ---------------------------------------------------------------------------------


def report_page(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    analysis_id: int,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    notes: str | None = None,
    saved: bool = False,
    review_errors: Mapping[str, Mapping[str, str]] | None = None,
    review_entered: Mapping[str, str] | None = None,
    corrected: str = "",
) -> Response:
    """The report of one analysis: its figures as they stand (corrected, once a clinician has
    corrected its events), and for a clinician the review of each event."""
    review = get_review(db, actor, place.patient_id, analysis_id, data_dir=settings.data_dir)
    row = review.analysis
    view = report_view(
        review.result,
        analysis_id=row.id,
        url=f"{place.base}/{row.id}",
        recorded_on=row.recorded_on,
        notes=row.notes,
        session_dates=session_dates(db, actor, place.patient_id),
    )
    return render(
        request,
        "video_report.html",
        status_code=status_code,
        actor=actor,
        place=place,
        a=view,
        imported=row.source == "imported",  # a result sent in, not the server's analysis
        review=review_view(
            review, place, errors=review_errors, entered=review_entered, done=corrected
        ),
        errors=errors or {},
        notes=view["notes"] if notes is None else notes,
        saved=saved,
    )


@router.get("/patients/{patient_id}/videos/{analysis_id}")
def patient_report(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    saved: Annotated[str, Query()] = "",
    corrected: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """The report of one analysis, as a page of the app."""
    place = patient_place(db, actor, patient_id)
    return report_page(
        request, db, actor, place, settings, analysis_id, saved=saved == "1", corrected=corrected
    )


@router.get("/me/videos/{analysis_id}")
def my_report(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    analysis_id: RecordId,
    saved: Annotated[str, Query()] = "",
) -> Response:
    """The report of one of the patient's own analyses."""
    return report_page(
        request, db, actor, my_place(actor), settings, analysis_id, saved=saved == "1"
    )


def _save_notes(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    analysis_id: int,
    notes: str,
) -> Response:
    try:
        changes = VideoAnalysisUpdate.model_validate({"notes": notes.strip() or None}).changes()
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return report_page(
            request,
            db,
            actor,
            place,
            settings,
            analysis_id,
            status_code=422,
            errors={"notes": message},
            notes=notes,
        )
    update_record(db, actor, VIDEO_ANALYSES, place.patient_id, analysis_id, changes)
    return RedirectResponse(f"{place.base}/{analysis_id}?saved=1#notes", status_code=303)


@router.post("/patients/{patient_id}/videos/{analysis_id}/notes")
def patient_notes(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    notes: Annotated[str, Form()] = "",
) -> Response:
    """Keep notes on an analysis (what was seen, the circumstances of the recording)."""
    place = patient_place(db, actor, patient_id)
    return _save_notes(request, db, actor, place, settings, analysis_id, notes)


@router.post("/me/videos/{analysis_id}/notes")
def my_notes(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    analysis_id: RecordId,
    notes: Annotated[str, Form()] = "",
) -> Response:
    """The patient's notes on one of their own analyses."""
    return _save_notes(request, db, actor, my_place(actor), settings, analysis_id, notes)
