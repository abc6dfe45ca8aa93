"""Small test videos written on the fly with PyAV: a real face (scikit-image's astronaut), gray
frames, or two faces side by side."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np
import skimage.data

# The astronaut's face spans about x 179-271, y 71-177 in the 512 x 512 picture.
_FACE_BOX = (10, 65, 240, 320)  # top, left, height, width: a 4:3 crop centred on the face


@cache
def _astronaut() -> np.ndarray:
    return skimage.data.astronaut()


def face_frame(width: int, height: int, *, dx: int = 0, dy: int = 0) -> np.ndarray:
    """The astronaut's face cropped to 4:3, shifted by (dx, dy) source pixels, resized."""
    top, left, h, w = _FACE_BOX
    crop = _astronaut()[top + dy : top + dy + h, left + dx : left + dx + w]
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)


def two_faces_frame(width: int, height: int, *, dx: int = 0, dy: int = 0) -> np.ndarray:
    """Two copies of the face side by side (the right one mirrored)."""
    half = face_frame(width // 2, height, dx=dx, dy=dy)
    return np.ascontiguousarray(np.concatenate([half, half[:, ::-1]], axis=1))


def gray_frame(width: int, height: int, *, dx: int = 0, dy: int = 0) -> np.ndarray:
    """A uniform mid-gray frame."""
    return np.full((height, width, 3), 128, dtype=np.uint8)


def marker_frame(width: int, height: int, *, dx: int = 0, dy: int = 0) -> np.ndarray:
    """Black with a white block in the top-left quarter: shows rotation and flips."""
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[: height // 2, : width // 2] = 255
    return rgb


CONTENT = {
    "face": face_frame,
    "two_faces": two_faces_frame,
    "gray": gray_frame,
    "marker": marker_frame,
}


def write_video(
    path: Path,
    *,
    codec: str = "libx264",
    width: int = 320,
    height: int = 240,
    fps: int = 30,
    n_frames: int = 60,
    content: str = "face",
    pts: Sequence[int] | None = None,
    time_base: Fraction | None = None,
    rotation_ccw_deg: float | None = None,
    hflip: bool = False,
    gop: int | None = None,
    seed: int = 0,
    container_options: dict[str, str] | None = None,
) -> list[np.ndarray]:
    """Write a short video and return the RGB frames that went in.

    ``pts`` (in ``time_base`` units, default 1/fps) gives variable frame timing;
    ``rotation_ccw_deg`` writes a display matrix; the picture jitters by up to 3 source pixels per
    frame (seeded). ``container_options`` go to the muxer (``{"live": "1"}`` writes Matroska / WebM
    as a browser's MediaRecorder does: no duration and no index).
    """
    rng = np.random.default_rng(seed)
    make = CONTENT[content]
    time_base = time_base or Fraction(1, fps)
    pts = list(pts) if pts is not None else list(range(n_frames))
    options = {}
    if codec in ("libx264", "hevc", "libx265"):
        options = {"preset": "ultrafast"}
        if codec != "libx264":
            options["x265-params"] = "log-level=error"
    if codec in ("libvpx", "libvpx-vp9"):
        options = {"deadline": "realtime", "cpu-used": "8"}
    frames = []
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if gop is not None:
            stream.codec_context.gop_size = gop
        if rotation_ccw_deg is not None or hflip:
            stream.set_display_rotation(rotation_ccw_deg or 0.0, hflip=hflip)
        for p in pts:
            dx, dy = (int(v) for v in rng.integers(-3, 4, size=2))
            rgb = make(width, height, dx=dx, dy=dy)
            frames.append(rgb)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = p
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return frames
