"""Video uploads, and the analysis jobs they start (state, error, result).

The upload body is read only after the caller is known to be allowed to add videos for the
patient, and it is streamed to disk, counted and hashed as it arrives (never held in memory).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field, computed_field
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.deps import (
    CurrentActor,
    DbDep,
    PagingDep,
    PatientId,
    RecordId,
    SettingsDep,
)
from hemispasm.clinic.api.schemas.common import Output, Page
from hemispasm.clinic.api.upload_form import body_limit, receive_upload
from hemispasm.clinic.api.video_form import VideoForm
from hemispasm.clinic.db.models import AnalysisJob, JobState
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.services import uploads as svc
from hemispasm.clinic.services.stored_files import IncomingFile
from hemispasm.clinic.settings import Settings

router = APIRouter(prefix="/patients/{patient_id}", tags=["videos"])

UPLOAD_PATH_SUFFIX = "/videos"
"""Request paths ending so carry a video: the app lets their bodies be as large as a video."""


def upload_body_limit(settings: Settings) -> int:
    """The largest request body an upload route accepts (``HEMISPASM_MAX_UPLOAD_BYTES``)."""
    return body_limit(settings.max_upload_bytes)


# --- response models ----------------------------------------------------------------------------


class UploadPublic(Output):
    """The stored video: its content hash and detected type; the client's file name as text."""

    id: int
    sha256: str
    size_bytes: int
    content_type: str
    original_filename: str | None
    created_at: datetime
    raw_deleted_at: datetime | None


class JobPublic(Output):
    """An analysis job: queued, running, done (with its stored video analysis) or failed (with
    the reason)."""

    id: int
    patient_id: int
    state: JobState
    recorded_on: date
    mirrored: bool
    attempts: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    video_analysis_id: int | None
    report_path: str | None = Field(default=None, exclude=True)
    upload: UploadPublic

    @computed_field  # type: ignore[prop-decorator]
    @property
    def report_available(self) -> bool:
        """Whether the report folder (report.html) of a finished analysis was written."""
        return self.report_path is not None


# --- receiving the body -------------------------------------------------------------------------

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the video (mp4, mov, avi, mkv or webm; 3 s or more)",
                        },
                        "recorded_on": {
                            "type": "string",
                            "format": "date",
                            "description": "the day it was recorded (default: today)",
                        },
                        "mirrored": {
                            "type": "boolean",
                            "description": "saved mirrored, as front cameras often do",
                        },
                    },
                }
            }
        },
    }
}


# --- routes -------------------------------------------------------------------------------------


@router.post(
    UPLOAD_PATH_SUFFIX,
    response_model=JobPublic,
    status_code=202,
    summary="Upload a video; its analysis runs in the background (answers with the job)",
    openapi_extra=UPLOAD_BODY,
)
async def upload_video(
    patient_id: PatientId,
    request: Request,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> Any:
    await run_in_threadpool(svc.check_may_upload, db, actor, patient_id)

    def make_incoming(filename: str | None) -> svc.IncomingVideo:
        return svc.IncomingVideo(
            settings.data_dir, max_bytes=settings.max_upload_bytes, filename=filename
        )

    form = VideoForm(make_incoming, settings.max_upload_bytes)

    async def store(incoming: IncomingFile) -> AnalysisJob:
        queue = await run_in_threadpool(get_queue, settings)
        return await run_in_threadpool(
            svc.accept_upload,
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=patient_id,
            incoming=incoming,
            recorded_on=form.recorded_on(),
            mirrored=form.mirrored(),
            enqueue=queue.enqueue,
        )

    return JobPublic.model_validate(await receive_upload(request, form, store))


@router.get("/jobs", response_model=Page[JobPublic], summary="List a patient's analysis jobs")
def list_jobs(patient_id: PatientId, actor: CurrentActor, db: DbDep, paging: PagingDep) -> Any:
    page = svc.list_jobs(db, actor, patient_id, page=paging.page, page_size=paging.page_size)
    return {
        "items": [JobPublic.model_validate(job) for job in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }


@router.get(
    "/jobs/{record_id}",
    response_model=JobPublic,
    summary="Read an analysis job: its state, the reason it failed, or its result's id",
)
def read_job(patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep) -> Any:
    return JobPublic.model_validate(svc.get_job(db, actor, patient_id, record_id))
