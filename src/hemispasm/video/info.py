"""What a probe of a video file reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video file, read before decoding its frames.

    ``width`` and ``height`` are after rotation (as the viewer sees the picture). ``frames`` is the
    container's count when it has one, else an estimate (counted packets, or duration times frame
    rate). ``duration_s`` is the container's duration, or, when the header lacks it (browser
    recordings), measured from the packets' times; ``duration_known`` is False when neither gave
    one, and ``duration_s`` and ``frames`` are then 0.
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
    duration_known: bool = True
    duration_declared_s: float | None = None
    """Set when the frames that decode end well before what the container declared (a file cut
    short): the declared duration, while ``duration_s`` and ``frames`` are what decoded."""
