"""Telling a session photo's type, size and completeness from its bytes, before decoding."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from hemispasm.clinic.domain.photos import (
    PhotoKind,
    photo_kind,
    read_photo_header,
    thumbnail_size,
)
from hemispasm.errors import ClinicalDataError
from tests.clinic.photos import jpeg, jpeg_with_gps, png


def test_it_tells_jpeg_and_png_by_their_magic_bytes_and_reads_their_size() -> None:
    assert read_photo_header(jpeg(64, 48)) == read_photo_header(jpeg_with_gps(64, 48))
    header = read_photo_header(jpeg(64, 48))
    assert (header.kind, header.width_px, header.height_px) == (PhotoKind.JPEG, 64, 48)
    header = read_photo_header(png(30, 20))
    assert (header.kind, header.width_px, header.height_px) == (PhotoKind.PNG, 30, 20)
    assert PhotoKind.JPEG.extension == "jpg" and PhotoKind.PNG.content_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"\x00\x00\x00\x20ftypisom",  # an MP4 video
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_it_refuses_what_is_not_jpeg_or_png_whatever_its_name(data: bytes) -> None:
    with pytest.raises(ClinicalDataError, match=r"^file: not a photo in a supported format"):
        photo_kind(data)


@pytest.mark.parametrize("make", [jpeg, png])
def test_it_refuses_a_picture_broken_off_in_transfer(make: object) -> None:
    data = make(200, 150)  # type: ignore[operator]
    with pytest.raises(ClinicalDataError, match=r"^file: the (JPEG|PNG) is incomplete"):
        read_photo_header(data[: len(data) * 2 // 3], field="file")


def test_it_refuses_an_empty_file_and_a_jpeg_without_its_frame() -> None:
    with pytest.raises(ClinicalDataError, match=r"^file: the file is empty$"):
        read_photo_header(b"")
    with pytest.raises(ClinicalDataError, match="incomplete"):
        read_photo_header(b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_it_refuses_a_picture_of_too_many_pixels_before_decoding_it() -> None:
    # a PNG header claiming 100000 x 100000 pixels, followed by its end: never decoded
    ihdr = struct.pack(">II", 100_000, 100_000) + b"\x08\x02\x00\x00\x00"
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * 4
    data += b"\x00\x00\x00\x00IEND\xaeB`\x82"
    with pytest.raises(ClinicalDataError, match="100000 x 100000 pixels; at most 50,000,000"):
        read_photo_header(data)
    with pytest.raises(ClinicalDataError, match="at most 100 pixels"):
        read_photo_header(png(20, 10), max_pixels=100)


def test_a_thumbnail_keeps_the_shape_and_is_never_larger_than_the_picture() -> None:
    assert thumbnail_size(4000, 3000) == (320, 240)
    assert thumbnail_size(3000, 4000) == (240, 320)
    assert thumbnail_size(200, 100) == (200, 100)
    for width, height in [(1, 5000), (5000, 1), (321, 320), (7, 7)]:
        w, h = thumbnail_size(width, height)
        assert 1 <= w <= width and 1 <= h <= height and max(w, h) <= 320
    with pytest.raises(ValueError, match="width_px and height_px must be positive, but got 0 x 5"):
        thumbnail_size(0, 5)


def test_the_rules_import_no_decoder_database_or_web_framework() -> None:
    code = (
        "import sys, hemispasm.clinic.domain.photos; "
        "print(sorted({'cv2', 'sqlalchemy', 'fastapi', 'PIL'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
