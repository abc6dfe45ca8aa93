"""Face videos for the landmark tests, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.video.info import VideoInfo
from hemispasm.video.reader import probe_video
from tests.landmarks._videos import write_video


@pytest.fixture(scope="session")
def landmark_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, VideoInfo]]:
    folder = tmp_path_factory.mktemp("landmark_videos")
    specs = {
        "face": {"content": "face", "n_frames": 150, "gop": 30},  # 5 s
        "gray": {"content": "gray", "n_frames": 30},
        "two_faces": {"content": "two_faces", "width": 480, "height": 240, "n_frames": 30},
    }
    videos = {}
    for name, spec in specs.items():
        path = folder / f"{name}.mp4"
        write_video(path, codec="libx264", **spec)
        videos[name] = (path, probe_video(path))
    return videos
