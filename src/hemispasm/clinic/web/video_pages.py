"""Videos: upload, analysis state, two analyses side by side, recording in the browser.

Clinicians work at ``/patients/{id}/videos``; a patient at ``/me/videos`` and ``/me/record``.
Every page goes through the services the API uses (``services.uploads`` for uploads and jobs, the
video-analysis records for results), so the access rules, the size limit and the content check
are the API's own. Whose videos a page shows is ``video_place``'s, receiving an upload from the
form ``video_upload``'s, and what a stored ``hemispasm.analysis/1`` result shows ``video_report``'s.
The report page of one analysis is ``video_report_page``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import MAX_ID, DbDep, PatientId, SettingsDep, TodayDep
from hemispasm.clinic.db.models import AnalysisJob, JobState, VideoAnalysis
from hemispasm.clinic.domain.vocab import AnalysisSource
from hemispasm.clinic.services import uploads
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinics import clinic_time_zone
from hemispasm.clinic.services.records import get_record
from hemispasm.clinic.services.treatment import session_dates
from hemispasm.clinic.services.videos import (
    VIDEO_ANALYSES,
    current_result,
    list_analysis_summaries,
)
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.i18n import N_, format_moment, gettext
from hemispasm.clinic.web.pages import PageActor, PageRoute, render
from hemispasm.clinic.web.video_compare_page import compare_context
from hemispasm.clinic.web.video_place import Place, my_place, patient_place
from hemispasm.clinic.web.video_report import compare_view, report_view, summary_row
from hemispasm.clinic.web.video_upload import receive_upload
from hemispasm.report.labels import PCT_CLOSED

router = APIRouter(route_class=PageRoute, include_in_schema=False)

JOBS_SHOWN = 20
ANALYSES_SHOWN = 100
RECORD_MIN_S, RECORD_MAX_S = 20, 30


# --- reading the request and the records --------------------------------------------------------


def _id_or_none(text: str) -> int | None:
    """A record id from a query parameter; None for anything else."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None


def _report_view(row: VideoAnalysis, place: Place, session_dates: list[date]) -> dict[str, Any]:
    """The report of a stored analysis, with its address under ``place``."""
    view = report_view(
        current_result(row),
        analysis_id=row.id,
        url=f"{place.base}/{row.id}",
        recorded_on=row.recorded_on,
        notes=row.notes,
        session_dates=session_dates,
    )
    return view | {
        "corrected": row.corrected_at is not None,
        "imported": row.source is AnalysisSource.IMPORTED,
    }


# --- the list of videos and uploads -------------------------------------------------------------

STATE_TEXT = {
    JobState.QUEUED: N_("Waiting to be analysed"),
    JobState.RUNNING: N_("Being analysed"),
    JobState.DONE: N_("Done"),
    JobState.FAILED: N_("Failed"),
}


def job_view(job: AnalysisJob, place: Place, time_zone: str = "UTC") -> dict[str, Any]:
    """One upload and the state of its analysis; its time in the clinic's ``time_zone``."""
    active = job.state in (JobState.QUEUED, JobState.RUNNING)
    return {
        "id": job.id,
        "state": job.state.value,
        "state_text": STATE_TEXT[job.state],
        "active": active,
        "error": job.error,
        "uploaded_at": format_moment(job.created_at, time_zone),
        "recorded_on": job.recorded_on,
        "file": job.upload.original_filename or "",
        "report_url": f"{place.base}/{job.video_analysis_id}" if job.video_analysis_id else None,
        "poll_url": f"/api/v1/patients/{job.patient_id}/jobs/{job.id}",
    }


def _videos_page(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    entered: Mapping[str, str] | None = None,
    uploaded: int | None = None,
    compare: Mapping[str, int | None] | None = None,
    compare_errors: Mapping[str, str] | None = None,
) -> Response:
    """The list of analyses and uploads with the upload form; ``errors`` and ``entered`` are
    the upload form's, ``compare`` and ``compare_errors`` the choice of two to compare."""
    jobs = uploads.list_jobs(db, actor, place.patient_id, page=1, page_size=JOBS_SHOWN)
    analyses = list_analysis_summaries(
        db, actor, place.patient_id, page=1, page_size=ANALYSES_SHOWN
    )
    rows = [summary_row(a, f"{place.base}/{a.id}") for a in analyses.items]
    zone = clinic_time_zone(db, actor)  # upload times in the clinic's time
    return render(
        request,
        "video_list.html",
        status_code=status_code,
        actor=actor,
        place=place,
        jobs=[job_view(j, place, zone) for j in jobs.items],
        jobs_total=jobs.total,
        analyses=rows,
        analyses_total=analyses.total,
        pct_closed_label=PCT_CLOSED.label,
        compare_a=compare["a"] if compare else (rows[1]["id"] if len(rows) > 1 else None),
        compare_b=compare["b"] if compare else (rows[0]["id"] if rows else None),
        compare_errors=compare_errors or {},
        errors=errors or {},
        entered=entered or {},
        uploaded=uploaded,
        today=actor.on(),
        max_upload_mb=f"{settings.max_upload_bytes / 1_000_000:g}",
    )


@router.get("/patients/{patient_id}/videos")
def patient_videos(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    uploaded: Annotated[str, Query()] = "",
) -> Response:
    """A patient's video analyses and uploads, the upload form and the choice of two to compare."""
    place = patient_place(db, actor, patient_id)
    return _videos_page(request, db, actor, place, settings, uploaded=_id_or_none(uploaded))


@router.get("/me/videos")
def my_videos(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    uploaded: Annotated[str, Query()] = "",
) -> Response:
    """The patient's own videos and uploads."""
    return _videos_page(
        request, db, actor, my_place(actor), settings, uploaded=_id_or_none(uploaded)
    )


@router.get("/me/record")
def my_recording(request: Request, actor: PageActor, settings: SettingsDep) -> Response:
    """Record a video with the front camera and send it; a plain file form without a camera."""
    place = my_place(actor)
    return render(
        request,
        "video_record.html",
        actor=actor,
        place=place,
        errors={},
        entered={},
        today=actor.on(),
        min_s=RECORD_MIN_S,
        max_s=RECORD_MAX_S,
        max_upload_bytes=settings.max_upload_bytes,
        max_upload_mb=f"{settings.max_upload_bytes / 1_000_000:g}",
    )


# --- receiving an upload from a form -------------------------------------------------------------


async def _upload(
    request: Request,
    db: Session,
    settings: Settings,
    on: date,
    find_place: Callable[[Actor], Place],
) -> Response:
    """Receive the form's video; a refused one goes back to the list with its problem."""

    def refused(actor: Actor, place: Place, **page: Any) -> Response:
        return _videos_page(request, db, actor, place, settings, **page)

    return await receive_upload(request, db, settings, on, find_place, refused=refused)


@router.post("/patients/{patient_id}/videos")
async def upload_for_patient(
    request: Request, db: DbDep, settings: SettingsDep, on: TodayDep, patient_id: PatientId
) -> Response:
    """A clinician's upload of a patient's video (multipart: csrf_token first, then the file)."""
    return await _upload(
        request, db, settings, on, lambda actor: patient_place(db, actor, patient_id)
    )


@router.post("/me/videos")
async def upload_mine(request: Request, db: DbDep, settings: SettingsDep, on: TodayDep) -> Response:
    """The patient's upload of their own video (a file or a recording from /me/record)."""
    return await _upload(request, db, settings, on, my_place)


# --- two analyses side by side -------------------------------------------------------------------


def _compare_page(
    request: Request, db: Session, actor: Actor, place: Place, settings: Settings, a: str, b: str
) -> Response:
    chosen = {"a": _id_or_none(a.strip()), "b": _id_or_none(b.strip())}
    errors = {k: gettext("Choose a video from the list.") for k, v in chosen.items() if v is None}
    if not errors and chosen["a"] == chosen["b"]:
        errors["b"] = gettext("Choose a different video from the first one.")
    if errors:  # back to the choice, with the problem next to the field
        return _videos_page(
            request,
            db,
            actor,
            place,
            settings,
            status_code=422,
            compare=chosen,
            compare_errors=errors,
        )
    ids = [int(chosen["a"] or 0), int(chosen["b"] or 0)]
    rows = [get_record(db, actor, VIDEO_ANALYSES, place.patient_id, i) for i in ids]
    first, second = sorted(rows, key=lambda r: (r.recorded_on, r.id))
    dates = session_dates(db, actor, place.patient_id)
    return render(
        request,
        "video_compare.html",
        actor=actor,
        place=place,
        first=_report_view(first, place, dates),
        second=_report_view(second, place, dates),
        **compare_view(
            current_result(first),
            current_result(second),
            first_on=first.recorded_on,
            second_on=second.recorded_on,
            session_dates=dates,
        ),
        **compare_context(db, actor, place, settings, first, second),
    )


@router.get("/patients/{patient_id}/videos/compare")
def patient_compare(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    a: Annotated[str, Query()] = "",
    b: Annotated[str, Query()] = "",
) -> Response:
    """Two of the patient's analyses side by side, earlier first, with the change."""
    place = patient_place(db, actor, patient_id)
    return _compare_page(request, db, actor, place, settings, a, b)


@router.get("/me/videos/compare")
def my_compare(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    a: Annotated[str, Query()] = "",
    b: Annotated[str, Query()] = "",
) -> Response:
    """Two of the patient's own analyses side by side."""
    return _compare_page(request, db, actor, my_place(actor), settings, a, b)
