"""Files patients' data arrives in (videos, session photos): received into a private temporary
file, counted and hashed as they stream in, then kept once per content under their SHA-256.

Files live in the data folder as ``uploads/ab/abcdef....ext``: the same content received twice
is one file, and no name a client sent ever becomes a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import ClassVar

from hemispasm.errors import HemispasmError

UPLOADS_FOLDER = "uploads"
INCOMING_FOLDER = ".incoming"


class FileTooLargeError(HemispasmError):
    """The file sent is larger than the server accepts (names ``file`` and the noun)."""

    def __init__(self, max_bytes: int, *, noun: str = "file") -> None:
        super().__init__(f"file: the {noun} is larger than the limit of {max_bytes} bytes")
        self.field = "file"
        self.max_bytes = max_bytes
        self.noun = noun


class IncomingFile:
    """A file being received: written to a private temporary file in the data folder, counted
    and hashed on the way. ``discard()`` removes what is left of it."""

    noun: ClassVar[str] = "file"
    """What the file is, in messages ("the video is larger than ...")."""

    def __init__(self, data_dir: Path, *, max_bytes: int, filename: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.filename = filename
        self.size_bytes = 0
        self._digest = hashlib.sha256()
        data_dir.mkdir(parents=True, exist_ok=True)
        folder = data_dir / UPLOADS_FOLDER / INCOMING_FOLDER
        folder.parent.mkdir(mode=0o700, exist_ok=True)  # patients' files: private
        folder.mkdir(mode=0o700, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", dir=folder)  # mode 0600
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        """Append ``data``; refuse past the size limit."""
        if self.size_bytes + len(data) > self.max_bytes:
            raise FileTooLargeError(self.max_bytes, noun=self.noun)
        self._file.write(data)
        self._digest.update(data)
        self.size_bytes += len(data)

    def finish(self) -> None:
        """Flush the file to disk; no more writes."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    @property
    def sha256(self) -> str:
        """The SHA-256 of what was written, in hex."""
        return self._digest.hexdigest()

    def discard(self) -> None:
        """Close and remove the temporary file (a no-op once it is gone)."""
        self._file.close()
        self.path.unlink(missing_ok=True)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str | None) -> str | None:
    """The client's file name as plain text to show: last path part, no control characters."""
    if not name:
        return None
    text = _UNSAFE.sub("", PurePosixPath(name.replace("\\", "/")).name).strip()
    return text[:255] or None


def stored_path(sha256: str, extension: str) -> str:
    """Where content with this hash is kept, relative to the data folder."""
    return f"{UPLOADS_FOLDER}/{sha256[:2]}/{sha256}.{extension}"


def place_file(incoming: IncomingFile, target: Path) -> None:
    """Give the received file its content-hash name, unless that file exists already."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # already stored: the same content
        os.link(incoming.path, target)  # atomic, and never replaces what is there
