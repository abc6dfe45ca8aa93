"""Pictures for the session photo tests (made with OpenCV, seeded), one carrying EXIF with a GPS
position, and the settings those tests run with (a data folder of their own, small limits)."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import make_test_settings

MAX_PHOTO_BYTES = 200_000
MAX_BODY_BYTES = 50_000
"""Smaller than a photo the tests send: the photo route must be allowed more."""
GPS_MARKER = b"DEMO-GPS-MARKER"
"""Text in the EXIF of ``jpeg_with_gps``, which must not survive storage."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings with a data folder of the test's own and small body and photo limits."""
    return make_test_settings(
        data_dir=tmp_path / "data",
        max_photo_bytes=MAX_PHOTO_BYTES,
        max_body_bytes=MAX_BODY_BYTES,
    )


def picture(width: int = 64, height: int = 48, *, seed: int = 0, noise: bool = False) -> np.ndarray:
    """A BGR picture: a gradient with a bright square (or random noise), seeded."""
    rng = np.random.default_rng(seed)
    if noise:
        return rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    pixels = np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=-1).astype(np.uint8)
    pixels[height // 4 : height // 2, width // 4 : width // 2] = rng.integers(0, 256, 3)
    return pixels


def encoded(pixels: np.ndarray, extension: str) -> bytes:
    """``pixels`` as a file (".jpg" or ".png")."""
    ok, data = cv2.imencode(extension, pixels)
    assert ok
    return data.tobytes()


def jpeg(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    return encoded(picture(width, height, seed=seed), ".jpg")


def png(width: int = 64, height: int = 48, *, seed: int = 0, noise: bool = False) -> bytes:
    return encoded(picture(width, height, seed=seed, noise=noise), ".png")


def _entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
    return struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")


def exif_with_gps() -> bytes:
    """An APP1 segment: EXIF with a description (``GPS_MARKER``) and a GPS latitude."""
    ifd0_at, gps_at, rationals_at, text_at = 8, 38, 68, 92
    text = GPS_MARKER + b"\0"
    ifd0 = (
        struct.pack(">H", 2)
        + _entry(0x010E, 2, len(text), struct.pack(">I", text_at))  # ImageDescription
        + _entry(0x8825, 4, 1, struct.pack(">I", gps_at))  # GPSInfo
        + struct.pack(">I", 0)
    )
    gps = (
        struct.pack(">H", 2)
        + _entry(0x0001, 2, 2, b"N\0")  # GPSLatitudeRef
        + _entry(0x0002, 5, 3, struct.pack(">I", rationals_at))  # GPSLatitude
        + struct.pack(">I", 0)
    )
    rationals = struct.pack(">6I", 40, 1, 25, 1, 1234, 100)
    tiff = b"MM\0*" + struct.pack(">I", ifd0_at) + ifd0 + gps + rationals + text
    assert len(tiff) == text_at + len(text)
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    """A JPEG whose EXIF holds a GPS position (an APP1 segment right after its start)."""
    data = jpeg(width, height)
    return data[:2] + exif_with_gps() + data[2:]
