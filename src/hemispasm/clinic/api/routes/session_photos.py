"""Photos of an injection session: attach (a JPEG or PNG, stored without its metadata), list,
read, fetch the picture or its thumbnail, delete. Clinicians of the patient's clinic; a patient
may read their own. Every access is audited.

The upload body is read only after the caller is known to be allowed to add photos to the
session, and it is streamed to disk as it arrives (``StreamedForm``), as a video's is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.deps import (
    CurrentActor,
    DbDep,
    PagingDep,
    PatientId,
    PhotoId,
    RecordId,
    SettingsDep,
)
from hemispasm.clinic.api.schemas.common import Output, Page
from hemispasm.clinic.api.upload_form import PhotoForm, body_limit, receive_upload
from hemispasm.clinic.db.models import SessionPhoto
from hemispasm.clinic.services import session_photos as svc
from hemispasm.clinic.services.stored_files import IncomingFile
from hemispasm.clinic.settings import Settings

router = APIRouter(prefix="/patients/{patient_id}/sessions/{record_id}", tags=["sessions"])

UPLOAD_PATH_SUFFIX = "/photos"
"""Request paths ending so carry a photo: the app lets their bodies be as large as a photo."""


def upload_body_limit(settings: Settings) -> int:
    """The largest request body the photo route accepts (``HEMISPASM_MAX_PHOTO_BYTES``)."""
    return body_limit(settings.max_photo_bytes)


class PhotoPublic(Output):
    """A stored photo: its type and size as stored (re-encoded, without metadata), the SHA-256
    of the stored file, and the client's file name as text."""

    id: int
    patient_id: int
    session_id: int
    sha256: str
    size_bytes: int
    content_type: str
    width_px: int
    height_px: int
    original_filename: str | None
    uploaded_by: int
    created_at: datetime


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
                            "description": "the photo (JPEG or PNG); its metadata (EXIF, "
                            "location) is not kept",
                        },
                    },
                }
            }
        },
    }
}

PICTURE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "The picture"},
}
THUMBNAIL_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/jpeg": {}},
        "description": "A JPEG at most 320 px on its longest side",
    },
}


@router.post(
    UPLOAD_PATH_SUFFIX,
    response_model=PhotoPublic,
    status_code=201,
    summary="Attach a photo (JPEG or PNG) to a session; stored without its metadata",
    openapi_extra=UPLOAD_BODY,
)
async def attach_photo(
    patient_id: PatientId,
    record_id: RecordId,
    request: Request,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> Any:
    await run_in_threadpool(svc.check_may_attach, db, actor, patient_id, record_id)

    def make_incoming(filename: str | None) -> svc.IncomingPhoto:
        return svc.IncomingPhoto(
            settings.data_dir, max_bytes=settings.max_photo_bytes, filename=filename
        )

    form = PhotoForm(make_incoming, settings.max_photo_bytes)

    async def store(incoming: IncomingFile) -> SessionPhoto:
        return await run_in_threadpool(
            svc.attach_photo,
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=patient_id,
            session_id=record_id,
            incoming=incoming,
        )

    return PhotoPublic.model_validate(await receive_upload(request, form, store))


@router.get(UPLOAD_PATH_SUFFIX, response_model=Page[PhotoPublic], summary="List a session's photos")
def list_photos(
    patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep, paging: PagingDep
) -> Any:
    page = svc.list_photos(
        db, actor, patient_id, record_id, page=paging.page, page_size=paging.page_size
    )
    return {
        "items": [PhotoPublic.model_validate(photo) for photo in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }


@router.get("/photos/{photo_id}", response_model=PhotoPublic, summary="Read a photo's details")
def read_photo(
    patient_id: PatientId, record_id: RecordId, photo_id: PhotoId, actor: CurrentActor, db: DbDep
) -> Any:
    return PhotoPublic.model_validate(svc.get_photo(db, actor, patient_id, record_id, photo_id))


def _send(stored: svc.StoredPhoto) -> FileResponse:
    return FileResponse(
        stored.path, media_type=stored.media_type, content_disposition_type="inline"
    )


@router.get(
    "/photos/{photo_id}/image",
    summary="The photo itself (audited)",
    response_class=FileResponse,
    responses=PICTURE_ANSWER,
)
def photo_image(
    patient_id: PatientId,
    record_id: RecordId,
    photo_id: PhotoId,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> FileResponse:
    stored = svc.photo_file(db, actor, patient_id, record_id, photo_id, data_dir=settings.data_dir)
    return _send(stored)


@router.get(
    "/photos/{photo_id}/thumbnail",
    summary="The photo's thumbnail (audited)",
    response_class=FileResponse,
    responses=THUMBNAIL_ANSWER,
)
def photo_thumbnail(
    patient_id: PatientId,
    record_id: RecordId,
    photo_id: PhotoId,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> FileResponse:
    stored = svc.photo_file(
        db, actor, patient_id, record_id, photo_id, data_dir=settings.data_dir, thumbnail=True
    )
    return _send(stored)


@router.delete(
    "/photos/{photo_id}",
    status_code=204,
    summary="Delete a photo (its record stays, marked deleted; audited with its values)",
)
def delete_photo(
    patient_id: PatientId,
    record_id: RecordId,
    photo_id: PhotoId,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    svc.delete_photo(db, actor, patient_id, record_id, photo_id, data_dir=settings.data_dir)
    return Response(status_code=204)
