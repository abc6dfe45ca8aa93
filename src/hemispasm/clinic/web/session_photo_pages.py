"""Photos of a session on its page: attaching one through a form, a page showing one at full
size, the picture and its thumbnail, and deleting one.

The photo is received as a video is (``form_upload``: streamed to disk, the sender checked
before a byte is written) and stored by ``services.session_photos``, which checks it, strips its
metadata, and audits every access. A refused photo keeps nothing and shows the session page
again with the message next to the file field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.deps import DbDep, PatientId, PhotoId, RecordId, SettingsDep, TodayDep
from hemispasm.clinic.api.upload_form import PhotoForm, StreamedForm
from hemispasm.clinic.db.models import SessionPhoto
from hemispasm.clinic.services import session_photos as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinics import clinic_time_zone
from hemispasm.clinic.services.patients import get_patient
from hemispasm.clinic.services.records import get_record
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS
from hemispasm.clinic.web.form_upload import Refused, receive_form_upload
from hemispasm.clinic.web.pages import ClinicianActor, PageActor, PageRoute, render
from hemispasm.clinic.web.session_pages import session_page
from hemispasm.clinic.web.session_photos_view import MAX_SHOWN, PENDING

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BASE = "/patients/{patient_id}/sessions/{session_id}"


def _back(patient_id: int, session_id: int) -> RedirectResponse:
    return RedirectResponse(f"/patients/{patient_id}/sessions/{session_id}#photos-h", 303)


@router.post(BASE + "/photos")
async def attach_photo(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    on: TodayDep,
    patient_id: PatientId,
    session_id: RecordId,
) -> Response:
    """Attach the form's photo to the session; back to the session's photos, or the page with
    the problem next to the file field (nothing is kept)."""

    def authorize(actor: Actor) -> None:
        svc.check_may_attach(db, actor, patient_id, session_id)

    def open_file(filename: str | None) -> svc.IncomingPhoto:
        return svc.IncomingPhoto(
            settings.data_dir, max_bytes=settings.max_photo_bytes, filename=filename
        )

    def accept(actor: Actor, place: None, form: StreamedForm) -> SessionPhoto:
        assert form.incoming is not None
        return svc.attach_photo(
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=patient_id,
            session_id=session_id,
            incoming=form.incoming,
        )

    outcome = await receive_form_upload(
        request,
        db,
        on,
        form_class=PhotoForm,
        max_bytes=settings.max_photo_bytes,
        open_file=open_file,
        authorize=authorize,
        accept=accept,
    )
    if isinstance(outcome, Refused):
        refused = outcome

        def page_again() -> Response:
            setattr(request.state, PENDING, refused.errors["file"])
            response = session_page(request, refused.actor, db, patient_id, session_id)
            response.status_code = refused.status_code
            return response

        return await run_in_threadpool(page_again)
    return _back(patient_id, session_id)


def _send(stored: svc.StoredPhoto) -> FileResponse:
    return FileResponse(
        stored.path, media_type=stored.media_type, content_disposition_type="inline"
    )


@router.get(BASE + "/photos/{photo_id}")
def photo_page(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    patient_id: PatientId,
    session_id: RecordId,
    photo_id: PhotoId,
) -> Response:
    """The photo at full size on a page of its own, with the way back to its session."""
    session = get_record(db, actor, INJECTION_SESSIONS, patient_id, session_id)
    patient = get_patient(db, actor, patient_id)
    photo = svc.get_photo(db, actor, patient_id, session_id, photo_id)
    listed = svc.list_photos(db, actor, patient_id, session_id, page=1, page_size=MAX_SHOWN)
    number = next((n for n, p in enumerate(listed.items, start=1) if p.id == photo.id), 1)
    return render(
        request,
        "photo_view.html",
        actor=actor,
        p=patient,
        session_on=session.session_on,
        base=f"/patients/{patient_id}/sessions/{session_id}",
        photo=photo,
        number=number,
        time_zone=clinic_time_zone(db, actor),
    )


@router.get(BASE + "/photos/{photo_id}/image")
def photo_image(
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    session_id: RecordId,
    photo_id: PhotoId,
) -> Response:
    """The photo itself, at full size (an audited read)."""
    stored = svc.photo_file(db, actor, patient_id, session_id, photo_id, data_dir=settings.data_dir)
    return _send(stored)


@router.get(BASE + "/photos/{photo_id}/thumbnail")
def photo_thumbnail(
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    session_id: RecordId,
    photo_id: PhotoId,
) -> Response:
    """The photo's thumbnail (an audited read)."""
    stored = svc.photo_file(
        db, actor, patient_id, session_id, photo_id, data_dir=settings.data_dir, thumbnail=True
    )
    return _send(stored)


@router.post(BASE + "/photos/{photo_id}/delete")
def delete_photo(
    actor: ClinicianActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    session_id: RecordId,
    photo_id: PhotoId,
) -> Response:
    """Delete the photo (its record stays, marked deleted; the audit keeps its values)."""
    svc.delete_photo(db, actor, patient_id, session_id, photo_id, data_dir=settings.data_dir)
    return _back(patient_id, session_id)
