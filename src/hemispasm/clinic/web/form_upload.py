"""Receiving a file (a video, a session photo) from a page's form: streamed to disk, the sender
checked before a byte of the file is written, nothing kept when it is refused.

The multipart body is read as it arrives (the API's ``StreamedForm``). The form's CSRF token
comes before the file (browsers send fields in page order), so who is sending, and whether they
may upload here, is checked when the file's part begins. A refused upload (the wrong kind of
file, too large, a bad field, the body broken off) comes back as ``Refused``: the message next to
its field, the fields as entered, and the status to answer with; the page shows the form again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.upload_form import StreamedForm
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.stored_files import FileTooLargeError, IncomingFile
from hemispasm.clinic.web.pages import CSRF_FIELD, actor_with_form_token
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.errors import ClinicalDataError

Place = TypeVar("Place")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Received(Generic[Place, Result]):
    """The upload was stored: who sent it, where to, and what the service answered."""

    actor: Actor
    place: Place
    result: Result


@dataclass(frozen=True)
class Refused(Generic[Place]):
    """The upload was refused and nothing kept: the message per field, the fields as entered."""

    actor: Actor
    place: Place
    status_code: int
    errors: Mapping[str, str]
    entered: Mapping[str, str]


async def receive_form_upload(
    request: Request,
    db: Session,
    on: date,
    *,
    form_class: type[StreamedForm],
    max_bytes: int,
    open_file: Callable[[str | None], IncomingFile],
    authorize: Callable[[Actor], Place],
    accept: Callable[[Actor, Place, StreamedForm], Result],
    fields: tuple[str, ...] = ("file",),
) -> Received[Place, Result] | Refused[Place]:
    """Receive the form's file and hand it to ``accept`` (in the thread pool).

    ``authorize`` finds where the upload goes for the sender and refuses one who may not upload
    there (raising); ``fields`` are the form's fields a message may stand next to (any other
    field's goes next to ``file``).
    """
    who: dict[str, Any] = {}

    def identify(token: str) -> None:
        actor = actor_with_form_token(request, db, on, token)
        who.update(actor=actor, place=authorize(actor))

    def make_incoming(filename: str | None) -> IncomingFile:
        identify(form.fields.get(CSRF_FIELD, ""))
        return open_file(filename)

    form = form_class(make_incoming, max_bytes, extra_fields=(CSRF_FIELD,))
    try:
        await form.receive(request)
        assert form.incoming is not None  # receive() refuses a body without the file
        result = await run_in_threadpool(accept, who["actor"], who["place"], form)
    except (ClinicalDataError, FileTooLargeError) as exc:
        await run_in_threadpool(db.rollback)
        if "actor" not in who:  # the body broke off before the file: check who sent it now
            await run_in_threadpool(identify, form.fields.get(CSRF_FIELD, ""))
        field = getattr(exc, "field", "file")
        shown = field if field in fields else "file"
        message = refusal_text(str(exc).removeprefix(f"{field}: "))
        return Refused(
            who["actor"],
            who["place"],
            413 if isinstance(exc, FileTooLargeError) else 422,
            {shown: message[:1].upper() + message[1:]},
            dict(form.fields),
        )
    finally:
        await run_in_threadpool(form.discard)
    return Received(who["actor"], who["place"], result)
