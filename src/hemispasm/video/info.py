"""What a probe of a video file reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video file, read before decoding its frames.

    ``width`` and ``height`` are after rotation (as the viewer sees the picture). ``frames`` is the
    container's count when it has one, else an estimate from duration and frame rate.
    """

    path: Path
    sha256: str
    container: str
    codec: str
    width: int
    height: int
    rotation_deg: int
    fps_nominal: float
    duration_s: float
    frames: int
    mirrored: bool = False
