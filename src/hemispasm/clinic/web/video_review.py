"""The clinician's review of an analysis's events: the evidence of each, and the corrections.

On the report page of an analysis (``video_pages``) each event shows its closure trace (both eyes,
a second either side), its type, confidence and reason, and three frames cut from the stored
video on demand; a clinician confirms, rejects or relabels it, adds an event the analysis missed,
and downloads the events as corrected as hand labels (``hemispasm.labels/1``). Every change goes
through ``services.corrections`` (access, audit, recomputed figures); forms post with the CSRF
token like every other form, and a refused value comes back beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId, SettingsDep
from hemispasm.clinic.api.schemas.corrections import EventCorrectionCreate, EventCreate
from hemispasm.clinic.domain.corrections import CorrectionAction
from hemispasm.clinic.services import corrections as svc
from hemispasm.clinic.services import labels_export, video_files
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.report_files import (
    cached_frame,
    cut_frames,
)
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageRoute
from hemispasm.clinic.web.video_place import Place, patient_place
from hemispasm.clinic.web.video_report_page import Errors, report_page
from hemispasm.errors import ClinicalDataError, HemispasmError, NotFoundError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

EventKey = Annotated[str, Path(pattern=r"^(e[1-9][0-9]{0,5}|a[1-9][0-9]{0,9})$")]
Moment = Annotated[str, Path(pattern="^(before|peak|after)$")]


# --- confirming, rejecting, relabelling, adding -------------------------------------------------


def _field_errors(exc: ValidationError | ClinicalDataError) -> dict[str, str]:
    """Each refused field's message: from the form's schema, or the one field a rule named."""
    if isinstance(exc, ClinicalDataError):
        return {exc.field: str(exc).removeprefix(f"{exc.field}: ")}
    out: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "form"
        out.setdefault(field, str(error["msg"]).removeprefix("Value error, "))
    return out


def _to_event(place: Place, analysis_id: int, key: str) -> RedirectResponse:
    """Back to the report, at the event just corrected or added."""
    return RedirectResponse(
        f"{place.base}/{analysis_id}?corrected={key}#event-{key}", status_code=303
    )


def _back_with_errors(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    analysis_id: int,
    errors: Errors,
    entered: Mapping[str, str] | None = None,
) -> Response:
    return report_page(
        request,
        db,
        actor,
        place,
        settings,
        analysis_id,
        status_code=422,
        review_errors=errors,
        review_entered=entered,
    )


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


@router.post("/patients/{patient_id}/videos/{analysis_id}/events/{key}/correction")
def correct_event(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    form: FormDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    key: EventKey,
) -> Response:
    """Confirm, reject or relabel one event (the button pressed names the action)."""
    place = patient_place(db, actor, patient_id)
    fields = {name: _text(form, name) for name in ("action", "kind", "side", "type")}
    try:
        body = EventCorrectionCreate.model_validate(fields)
        change = svc.EventChange(CorrectionAction(body.action), body.kind, body.side, body.type)
        svc.correct_event(
            db, actor, patient_id, analysis_id, key, change, data_dir=settings.data_dir
        )
    except (ValidationError, ClinicalDataError) as exc:
        db.rollback()
        return _back_with_errors(
            request, db, actor, place, settings, analysis_id, {key: _field_errors(exc)}
        )
    return _to_event(place, analysis_id, key)


@router.post("/patients/{patient_id}/videos/{analysis_id}/events")
def add_event(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    form: FormDep,
    patient_id: PatientId,
    analysis_id: RecordId,
) -> Response:
    """Add an event the analysis missed: start and end (s), kind, side and type."""
    place = patient_place(db, actor, patient_id)
    names = ("start_s", "end_s", "kind", "side", "type")
    entered = {name: _text(form, name) or "" for name in names}
    try:
        body = EventCreate.model_validate({n: _text(form, n) for n in names})
        new = svc.NewEvent(body.start_s, body.end_s, body.kind, body.side, body.type)
        row = svc.add_event(db, actor, patient_id, analysis_id, new, data_dir=settings.data_dir)
    except (ValidationError, ClinicalDataError) as exc:
        db.rollback()
        return _back_with_errors(
            request, db, actor, place, settings, analysis_id, {"add": _field_errors(exc)}, entered
        )
    return _to_event(place, analysis_id, row.event_key)


# --- the evidence: frames, and the labels to download ---------------------------------------------


@router.get("/patients/{patient_id}/videos/{analysis_id}/events/{key}/frames/{moment}.jpg")
def event_frame(
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    key: EventKey,
    moment: Moment,
) -> Response:
    """One frame of an event (just before, at the peak, just after), cut from the stored video
    the first time it is asked for and kept in the report folder."""
    plan = svc.frame_plan(db, actor, patient_id, analysis_id, key, data_dir=settings.data_dir)
    db.close()  # cutting frames takes a moment: hold no connection meanwhile
    name = plan.name_of(moment)
    files = plan.files
    if files.evidence_dir is None:
        raise NotFoundError("frame", f"{key}/{moment}")
    data = cached_frame(files.evidence_dir, name)
    if data is None:
        if files.video is None:
            raise NotFoundError("frame", f"{key}/{moment} (the video is no longer stored)")
        try:
            cut = cut_frames(
                files.video, plan.moments, mirrored=files.mirrored, evidence_dir=files.evidence_dir
            )
        except HemispasmError:
            cut = {}
        data = cut.get(name)
    if data is None:
        raise NotFoundError("frame", f"{key}/{moment}")
    return Response(data, media_type="image/jpeg")


@router.get("/patients/{patient_id}/videos/{analysis_id}/video")
def recorded_video(
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    analysis_id: RecordId,
) -> Response:
    """The analysed video itself, to play back (in byte ranges, so that a player can seek)."""
    video = video_files.recorded_video(
        db, actor, patient_id, analysis_id, data_dir=settings.data_dir
    )
    db.close()  # a long playback holds no connection
    return FileResponse(video.path, media_type=video.media_type, content_disposition_type="inline")


@router.get("/patients/{patient_id}/videos/{analysis_id}/labels.json")
def export_labels(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    condition: Annotated[str, Query()] = "",
) -> Response:
    """The events as corrected, as a ``hemispasm.labels/1`` file to download."""
    place = patient_place(db, actor, patient_id)
    try:
        export = labels_export.export_labels(
            db,
            actor,
            patient_id,
            analysis_id,
            condition=condition.strip() or None,
            data_dir=settings.data_dir,
        )
    except ClinicalDataError as exc:
        db.rollback()
        message = str(exc).removeprefix(f"{exc.field}: ")
        return _back_with_errors(
            request, db, actor, place, settings, analysis_id, {"export": {exc.field: message}}
        )
    return Response(
        export.text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
