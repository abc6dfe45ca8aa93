"""The multipart body of an upload (a video, a session photo), read as it streams in: the file
goes to disk as it arrives, a few short fields to memory. Shared by the API's upload routes and
the upload forms of the pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import ClassVar, TypeVar

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.errors import UploadTooLargeError
from hemispasm.clinic.services.stored_files import FileTooLargeError, IncomingFile
from hemispasm.errors import ClinicalDataError

FIELD_MAX_BYTES = 100
MULTIPART_ALLOWANCE_BYTES = 64 * 1024
"""Room for the multipart boundaries, part headers and the short fields beside the file."""
FLUSH_BYTES = 1 << 20

T = TypeVar("T")


def body_limit(max_file_bytes: int) -> int:
    """The largest request body an upload route whose file may be ``max_file_bytes`` accepts."""
    return max_file_bytes + MULTIPART_ALLOWANCE_BYTES


class StreamedForm:
    """A multipart/form-data body read as it streams in: the part ``file`` goes to an
    ``IncomingFile`` on disk, the short plain fields ``short_fields`` to memory.

    ``extra_fields`` names more short plain fields to accept (a page's form sends its
    ``csrf_token``); like the others they land in ``fields``, each at most once. Fields sent
    before the file are in ``fields`` by the time ``make_incoming`` is called.
    """

    noun: ClassVar[str] = "file"
    """What the file is, in messages ("send one video per request")."""
    short_fields: ClassVar[tuple[str, ...]] = ()
    """The plain fields the form has besides the file."""

    def __init__(
        self,
        make_incoming: Callable[[str | None], IncomingFile],
        max_bytes: int,
        *,
        extra_fields: Iterable[str] = (),
    ):
        self.make_incoming = make_incoming
        self.max_bytes = max_bytes
        self.field_names = (*self.short_fields, *extra_fields)
        if "file" in self.field_names:
            raise ValueError(f"extra_fields: 'file' is the {self.noun}'s part, not a plain field")
        self.incoming: IncomingFile | None = None
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
                raise ClinicalDataError("file", f"send one {self.noun} per request")
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
                raise FileTooLargeError(self.max_bytes, noun=self.noun)
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
                "file", f"send the {self.noun} as multipart/form-data, in a part named file"
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
            raise ClinicalDataError("file", f"missing: send the {self.noun} in a part named file")

    def discard(self) -> None:
        """Remove the temporary file, if any."""
        if self.incoming is not None:
            self.incoming.discard()


class PhotoForm(StreamedForm):
    """A session photo's body: the part ``file`` only (``StreamedForm``)."""

    noun = "photo"


async def receive_upload(
    request: Request, form: StreamedForm, store: Callable[[IncomingFile], Awaitable[T]]
) -> T:
    """Read ``form``'s body from ``request`` and hand its file to ``store`` (an API route's
    upload); a file over the limit is refused with 413 naming ``file``, and the temporary file
    is discarded whatever happens."""
    try:
        await form.receive(request)
        assert form.incoming is not None  # receive() refuses a body without the file
        return await store(form.incoming)
    except FileTooLargeError as exc:
        raise UploadTooLargeError(form.noun, exc.max_bytes) from None
    finally:
        await run_in_threadpool(form.discard)
