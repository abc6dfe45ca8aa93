"""Decoding and re-encoding session photos (OpenCV): the only place that opens a photo's pixels.

A photo is kept as its pixels only, encoded again: whatever else the file carried (EXIF with the
place it was taken, the camera's serial number, comments, an appended video) is left behind. The
EXIF orientation is applied before, so the picture stands as it was seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hemispasm.clinic.domain.photos import (
    MAX_PHOTO_PIXELS,
    PhotoKind,
    read_photo_header,
    thumbnail_size,
)
from hemispasm.errors import ClinicalDataError

JPEG_QUALITY = 92
THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels alone, and its JPEG thumbnail."""

    kind: PhotoKind
    data: bytes
    thumbnail: bytes
    width_px: int
    height_px: int


def _encode(pixels: np.ndarray, extension: str, params: list[int]) -> bytes:
    ok, encoded = cv2.imencode(extension, pixels, params)
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit colour picture
        raise RuntimeError(f"OpenCV could not encode a {pixels.shape} picture as {extension}")
    return encoded.tobytes()


def clean_photo(
    data: bytes, *, max_pixels: int = MAX_PHOTO_PIXELS, field: str = "file"
) -> CleanPhoto:
    """Check ``data`` is a whole JPEG or PNG, decode it and encode it again without metadata.

    Raises ``ClinicalDataError`` (naming ``field``) for anything else, a truncated file, too many
    pixels, or picture data that does not decode.
    """
    header = read_photo_header(data, max_pixels=max_pixels, field=field)
    pixels = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if pixels is None or pixels.size == 0:
        raise ClinicalDataError(
            field, f"not a readable {header.kind.name}: its picture data cannot be decoded"
        )
    height, width = pixels.shape[:2]
    if header.kind is PhotoKind.JPEG:
        full = _encode(pixels, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    else:
        full = _encode(pixels, ".png", [cv2.IMWRITE_PNG_COMPRESSION, 6])
    small = cv2.resize(pixels, thumbnail_size(width, height), interpolation=cv2.INTER_AREA)
    thumbnail = _encode(small, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY])
    return CleanPhoto(header.kind, full, thumbnail, width, height)
