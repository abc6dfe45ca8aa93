"""Receiving a video from a page's form: streamed to disk, checked and queued for analysis.

The multipart body is read as it arrives (the API's ``VideoForm``). The form's CSRF token comes
before the file, so who is sending, and whether they may upload for this patient, is checked
before a byte of the video is written. The upload service keeps the API's size limit and content
check. A refused upload (not a video, too large, a date in the future, the body broken off) keeps
nothing and goes back to the page the form is on, with the problem next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.video_form import VideoForm
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.services import uploads
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.pages import CSRF_FIELD, actor_with_form_token
from hemispasm.clinic.web.video_place import Place
from hemispasm.errors import ClinicalDataError

UPLOAD_FIELDS = ("file", "recorded_on", "mirrored")


class RefusedPage(Protocol):
    """The page a refused upload goes back to: the form, its problems and the user's entries."""

    def __call__(
        self,
        actor: Actor,
        place: Place,
        *,
        status_code: int,
        errors: Mapping[str, str],
        entered: Mapping[str, str],
    ) -> Response: ...


async def receive_upload(
    request: Request,
    db: Session,
    settings: Settings,
    on: date,
    find_place: Callable[[Actor], Place],
    *,
    refused: RefusedPage,
) -> Response:
    """Receive the form's video through the upload service; back to the list, or the list with
    the problem named next to its field (nothing is kept)."""
    who: dict[str, Any] = {}

    def identify(token: str) -> None:
        actor = actor_with_form_token(request, db, on, token)
        place = find_place(actor)
        uploads.check_may_upload(db, actor, place.patient_id)
        who.update(actor=actor, place=place)

    def open_file(filename: str | None) -> uploads.IncomingVideo:
        # The token field comes before the file (browsers send fields in page order): who is
        # asking, and the token, are checked before a byte of the video is written.
        identify(form.fields.get(CSRF_FIELD, ""))
        return uploads.IncomingVideo(
            settings.data_dir, max_bytes=settings.max_upload_bytes, filename=filename
        )

    form = VideoForm(open_file, settings.max_upload_bytes, extra_fields=(CSRF_FIELD,))
    try:
        await form.receive(request)
        assert form.incoming is not None  # receive() refuses a body without the file
        queue = await run_in_threadpool(get_queue, settings)
        job = await run_in_threadpool(
            uploads.accept_upload,
            db,
            who["actor"],
            data_dir=settings.data_dir,
            patient_id=who["place"].patient_id,
            incoming=form.incoming,
            recorded_on=form.recorded_on(),
            mirrored=form.mirrored(),
            enqueue=queue.enqueue,
        )
    except (ClinicalDataError, uploads.UploadTooLargeError) as exc:
        await run_in_threadpool(db.rollback)
        if "actor" not in who:  # the body broke off before the file: check who sent it now
            await run_in_threadpool(identify, form.fields.get(CSRF_FIELD, ""))
        field = getattr(exc, "field", "file")
        shown = field if field in UPLOAD_FIELDS else "file"
        message = str(exc).removeprefix(f"{field}: ")
        errors = {shown: message[:1].upper() + message[1:]}
        status = 413 if isinstance(exc, uploads.UploadTooLargeError) else 422
        return await run_in_threadpool(
            lambda: refused(
                who["actor"],
                who["place"],
                status_code=status,
                errors=errors,
                entered=form.fields,
            )
        )
    finally:
        await run_in_threadpool(form.discard)
    return RedirectResponse(f"{who['place'].base}?uploaded={job.id}#uploads", status_code=303)
