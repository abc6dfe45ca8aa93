"""Video uploads, and the analysis jobs they start (state, error, result).

The upload body is read only after the caller is known to be allowed to add videos for the
patient, and it is streamed to disk, counted and hashed as it arrives (never held in memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field, computed_field
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.deps import (
    CurrentActor,
    DbDep,
    PagingDep,
    PatientId,
    RecordId,
    SettingsDep,
)
from hemispasm.clinic.api.errors import BodyTooLargeError
from hemispasm.clinic.api.schemas.common import Output, Page
from hemispasm.clinic.db.models import JobState
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.services import uploads as svc
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError

router = APIRouter(prefix="/patients/{patient_id}", tags=["videos"])

UPLOAD_PATH_SUFFIX = "/videos"
"""Request paths ending so carry a video: the app lets their bodies be as large as a video."""
MULTIPART_ALLOWANCE_BYTES = 64 * 1024
"""Room for the multipart boundaries, part headers and the short fields beside the video."""
FIELD_MAX_BYTES = 100
FLUSH_BYTES = 1 << 20
TRUE = frozenset({"true", "1", "on", "yes"})
FALSE = frozenset({"false", "0", "off", "no", ""})


def upload_body_limit(settings: Settings) -> int:
    """The largest request body an upload route accepts."""
    return settings.max_upload_bytes + MULTIPART_ALLOWANCE_BYTES


class VideoTooLargeError(BodyTooLargeError):
    """The uploaded video is larger than ``HEMISPASM_MAX_UPLOAD_BYTES`` (413, naming ``file``)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"file: the video is larger than the limit of {max_bytes} bytes")
        self.field = "file"


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


class VideoForm:
    """A multipart/form-data body read as it streams in: the part ``file`` goes to an
    ``IncomingVideo`` on disk, the short fields ``recorded_on`` and ``mirrored`` to memory.

    ``extra_fields`` names more short plain fields to accept (a page's form sends its
    ``csrf_token``); like the others they land in ``fields``, each at most once. Fields sent
    before the file are in ``fields`` by the time ``make_incoming`` is called.
    """

    def __init__(
        self,
        make_incoming: Callable[[str | None], svc.IncomingVideo],
        max_bytes: int,
        *,
        extra_fields: Iterable[str] = (),
    ):
        self.make_incoming = make_incoming
        self.max_bytes = max_bytes
        self.field_names = ("recorded_on", "mirrored", *extra_fields)
        if "file" in self.field_names:
            raise ValueError("extra_fields: 'file' is the video's part, not a plain field")
        self.incoming: svc.IncomingVideo | None = None
        self.fields: dict[str, str] = {}
        self._file_bytes = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._name: str | None = None
        self._value = bytearray()

    # parser callbacks
    def _on_part_begin(self) -> None:
        self._headers, self._name, self._value = {}, None, bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            if self.incoming is not None:
                raise ClinicalDataError("file", "send one video per request")
            filename = options.get(b"filename")
            self.incoming = self.make_incoming(
                filename.decode("utf-8", "replace") if filename is not None else None
            )
        elif name not in self.field_names:
            *others, last = ("file", *self.field_names)
            raise ClinicalDataError(
                "body", f"unknown part {name[:40]!r}: send {', '.join(others)} and {last} only"
            )
        elif name in self.fields:
            raise ClinicalDataError(name, "sent twice")
        self._name = name

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == "file":
            self._file_bytes += end - start
            if self._file_bytes > self.max_bytes:
                raise svc.UploadTooLargeError(self.max_bytes)
            self._pending.append(data[start:end])
            self._pending_bytes += end - start
        else:
            self._value += data[start:end]
            if len(self._value) > FIELD_MAX_BYTES:
                raise ClinicalDataError(str(self._name), f"longer than {FIELD_MAX_BYTES} bytes")

    def _on_part_end(self) -> None:
        if self._name is not None and self._name != "file":
            self.fields[self._name] = self._value.decode("utf-8", "replace").strip()

    def _flush(self) -> None:
        assert self.incoming is not None  # data is only pending after the file part began
        for piece in self._pending:
            self.incoming.write(piece)
        self._pending.clear()
        self._pending_bytes = 0

    async def receive(self, request: Request) -> None:
        """Read the whole body; file data is written in the thread pool, a megabyte at a time."""
        kind, params = parse_options_header(request.headers.get("content-type", ""))
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise ClinicalDataError(
                "file", "send the video as multipart/form-data, in a part named file"
            )
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
            },
        )
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                if self._pending_bytes >= FLUSH_BYTES:
                    await run_in_threadpool(self._flush)
            parser.finalize()
        except FormParserError:
            raise ClinicalDataError("file", "the multipart/form-data body is malformed") from None
        if self._pending:
            await run_in_threadpool(self._flush)
        if self.incoming is None:
            raise ClinicalDataError("file", "missing: send the video in a part named file")

    def recorded_on(self) -> date | None:
        """The ``recorded_on`` field, if sent."""
        text = self.fields.get("recorded_on")
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ClinicalDataError(
                "recorded_on", f"must be a date like 2026-06-01, not {text[:20]!r}"
            ) from None

    def mirrored(self) -> bool:
        """The ``mirrored`` field (false when not sent)."""
        text = self.fields.get("mirrored", "").lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ClinicalDataError("mirrored", f"must be true or false, not {text[:20]!r}")

    def discard(self) -> None:
        """Remove the temporary file, if any."""
        if self.incoming is not None:
            self.incoming.discard()


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
    try:
        await form.receive(request)
        assert form.incoming is not None  # receive() refuses a body without the file
        queue = await run_in_threadpool(get_queue, settings)
        job = await run_in_threadpool(
            svc.accept_upload,
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=patient_id,
            incoming=form.incoming,
            recorded_on=form.recorded_on(),
            mirrored=form.mirrored(),
            enqueue=queue.enqueue,
        )
    except svc.UploadTooLargeError as exc:
        raise VideoTooLargeError(exc.max_bytes) from None
    finally:
        await run_in_threadpool(form.discard)
    return JobPublic.model_validate(job)


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
