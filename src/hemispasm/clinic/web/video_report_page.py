"""The report page of one video analysis, and the notes kept on it.

Clinicians open it at ``/patients/{id}/videos/{analysis}``, a patient at ``/me/videos/{analysis}``.
The figures are the analysis's as they stand (as a clinician corrected its events, once one has;
``video_report``); a clinician also reviews each event there (``video_review``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId, SettingsDep
from hemispasm.clinic.api.schemas.records import VideoAnalysisUpdate
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.corrections import get_review
from hemispasm.clinic.services.records import update_record
from hemispasm.clinic.services.treatment import session_dates
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.pages import PageActor, PageRoute, render
from hemispasm.clinic.web.video_place import Place, my_place, patient_place
from hemispasm.clinic.web.video_report import report_view
from hemispasm.clinic.web.video_review import review_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)


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
