"""What a session photo may be: a whole JPEG or PNG picture of a sensible size, told by its bytes.

Pure checks on the bytes a client sent, made before any decoder sees them: the type from the
magic bytes (never from the file name or the client's content type), the picture's width and
height from its header (so that a small file that would decode to gigabytes is refused first),
and whether the file ends where the format says it must (a photo broken off in transfer).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum

from hemispasm.errors import ClinicalDataError

MAX_PHOTO_PIXELS = 50_000_000
"""A 50-megapixel phone photo; decoded, 150 MB of colour. More is refused before decoding."""
THUMBNAIL_SIDE_PX = 320
"""The longest side of a thumbnail."""
SUPPORTED = "JPEG or PNG"

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""Start-of-frame markers (baseline, progressive, ...); C4, C8 and CC are other segments."""
_JPEG_UNSIZED_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
"""Markers with no length after them (TEM, RST0-7)."""


class PhotoKind(StrEnum):
    """The picture formats a session photo may be."""

    JPEG = "jpeg"
    PNG = "png"

    @property
    def extension(self) -> str:
        """The stored file's extension."""
        return "jpg" if self is PhotoKind.JPEG else "png"

    @property
    def content_type(self) -> str:
        """The media type the picture is sent with."""
        return f"image/{self.value}"


@dataclass(frozen=True)
class PhotoHeader:
    """What a picture's header says: its format and size in pixels."""

    kind: PhotoKind
    width_px: int
    height_px: int


def photo_kind(data: bytes, *, field: str = "file") -> PhotoKind:
    """The format of ``data``, told by its first bytes.

    Examples
    --------
    >>> photo_kind(b"\\x89PNG\\r\\n\\x1a\\n...")
    <PhotoKind.PNG: 'png'>
    >>> photo_kind(b"GIF89a")
    Traceback (most recent call last):
    ...
    hemispasm.errors.ClinicalDataError: file: not a photo in a supported format (JPEG or PNG)
    """
    if data.startswith(JPEG_MAGIC):
        return PhotoKind.JPEG
    if data.startswith(PNG_MAGIC):
        return PhotoKind.PNG
    raise ClinicalDataError(field, f"not a photo in a supported format ({SUPPORTED})")


def _png_header(data: bytes, field: str) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ClinicalDataError(field, "not a readable PNG: its header is missing")
    width, height = struct.unpack(">II", data[16:24])
    if PNG_END not in data:
        raise ClinicalDataError(field, "the PNG is incomplete (its end is missing): send it again")
    return width, height


def _jpeg_header(data: bytes, field: str) -> tuple[int, int]:
    """Walk the segments to the first scan: the frame header gives the size; the scan's data
    must end with the end-of-image marker (within entropy-coded data 0xFF is never followed by
    0xD9, so the first one after the scan is the end)."""
    size: tuple[int, int] | None = None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ClinicalDataError(field, f"not a readable JPEG: no marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _JPEG_UNSIZED_MARKERS:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _JPEG_FRAME_MARKERS and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan
            if size is None:
                raise ClinicalDataError(field, "not a readable JPEG: no frame header")
            if data.find(JPEG_END, at + 2 + length) < 0:
                raise ClinicalDataError(
                    field, "the JPEG is incomplete (its end is missing): send it again"
                )
            return size
        at += 2 + length
    raise ClinicalDataError(field, "the JPEG is incomplete (it stops before its picture data)")


def read_photo_header(
    data: bytes, *, max_pixels: int = MAX_PHOTO_PIXELS, field: str = "file"
) -> PhotoHeader:
    """The format and size of the picture in ``data``, checked to be whole and not too large.

    Raises
    ------
    ClinicalDataError
        Not JPEG or PNG, a header that cannot be read, a file broken off before its end, a
        picture of no pixels or of more than ``max_pixels``.
    """
    if not data:
        raise ClinicalDataError(field, "the file is empty")
    kind = photo_kind(data, field=field)
    width, height = (_jpeg_header if kind is PhotoKind.JPEG else _png_header)(data, field)
    if width < 1 or height < 1:
        raise ClinicalDataError(field, f"the picture is {width} x {height} pixels: it is empty")
    if width * height > max_pixels:
        raise ClinicalDataError(
            field,
            f"the picture is {width} x {height} pixels; at most {max_pixels:,} pixels are "
            "accepted: send a smaller photo",
        )
    return PhotoHeader(kind, width, height)


def thumbnail_size(
    width_px: int, height_px: int, *, side_px: int = THUMBNAIL_SIDE_PX
) -> tuple[int, int]:
    """The (width, height) of a thumbnail whose longest side is at most ``side_px``; a picture
    already that small keeps its size.

    Examples
    --------
    >>> thumbnail_size(4000, 3000)
    (320, 240)
    >>> thumbnail_size(100, 50)
    (100, 50)
    """
    if width_px < 1 or height_px < 1:
        raise ValueError(
            f"width_px and height_px must be positive, but got {width_px} x {height_px}"
        )
    scale = min(1.0, side_px / max(width_px, height_px))
    return max(1, round(width_px * scale)), max(1, round(height_px * scale))
