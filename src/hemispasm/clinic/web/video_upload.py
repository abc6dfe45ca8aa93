"""Receiving a video from a page's form: streamed to disk, checked and queued for analysis.

The multipart body is read as it arrives (the API's ``VideoForm``), through ``form_upload``: the
form's CSRF token comes before the file, so who is sending, and whether they may upload for this
patient, is checked before a byte of the video is written. The upload service keeps the API's
size limit and content check. A refused upload (not a video, too large, a date in the future, the
body broken off) keeps nothing and goes back to the page the form is on, with the problem next to
its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.upload_form import StreamedForm
from hemispasm.clinic.api.video_form import VideoForm
from hemispasm.clinic.db.models import AnalysisJob
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.services import uploads
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.form_upload import Refused, receive_form_upload
from hemispasm.clinic.web.video_place import Place

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

    def authorize(actor: Actor) -> Place:
        place = find_place(actor)
        uploads.check_may_upload(db, actor, place.patient_id)
        return place

    def open_file(filename: str | None) -> uploads.IncomingVideo:
        return uploads.IncomingVideo(
            settings.data_dir, max_bytes=settings.max_upload_bytes, filename=filename
        )

    def accept(actor: Actor, place: Place, form: StreamedForm) -> AnalysisJob:
        assert isinstance(form, VideoForm) and form.incoming is not None
        return uploads.accept_upload(
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=place.patient_id,
            incoming=form.incoming,
            recorded_on=form.recorded_on(),
            mirrored=form.mirrored(),
            enqueue=get_queue(settings).enqueue,
        )

    outcome = await receive_form_upload(
        request,
        db,
        on,
        form_class=VideoForm,
        max_bytes=settings.max_upload_bytes,
        open_file=open_file,
        authorize=authorize,
        accept=accept,
        fields=UPLOAD_FIELDS,
    )
    if isinstance(outcome, Refused):
        return await run_in_threadpool(
            lambda: refused(
                outcome.actor,
                outcome.place,
                status_code=outcome.status_code,
                errors=outcome.errors,
                entered=outcome.entered,
            )
        )
    return RedirectResponse(
        f"{outcome.place.base}?uploaded={outcome.result.id}#uploads", status_code=303
    )
