"""Small videos for the reader tests, written once per session."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from tests.landmarks._videos import write_video

# (suffix, encoder, codec name the probe should report)
COMBOS = [
    ("mp4", "libx264", "h264"),
    ("mov", "hevc", "hevc"),
    ("avi", "mpeg4", "mpeg4"),
    ("avi", "mjpeg", "mjpeg"),
    ("mkv", "libx264", "h264"),
    ("mkv", "libvpx-vp9", "vp9"),
    ("webm", "libvpx", "vp8"),
    ("webm", "libvpx-vp9", "vp9"),
]
N_FRAMES = 90
FPS = 30
VFR_PTS = [0, 1000, 2500, 3000, 5200, 6000, 9000, 9031, 12000, 12100, 15000]
VFR_TIME_BASE = Fraction(1, 30000)


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def sample_videos(video_dir: Path) -> dict[tuple[str, str], Path]:
    """One 3 s, 320x240 face video per container/encoder pair, a keyframe every 15 frames."""
    paths = {}
    for suffix, encoder, _ in COMBOS:
        path = video_dir / f"face_{encoder}.{suffix}"
        write_video(path, codec=encoder, n_frames=N_FRAMES, fps=FPS, gop=15)
        paths[(suffix, encoder)] = path
    return paths


@pytest.fixture(scope="session")
def vfr_video(video_dir: Path) -> Path:
    path = video_dir / "vfr.mp4"
    write_video(path, codec="libx264", pts=VFR_PTS, time_base=VFR_TIME_BASE)
    return path
