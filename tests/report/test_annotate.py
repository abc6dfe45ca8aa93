"""annotated.mp4: every frame of the video written, with drawings, as H.264."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from hemispasm.errors import VideoReadError
from hemispasm.report import frames
from hemispasm.report.annotate import annotate_frame, write_annotated_video

from .conftest import FPS, HEIGHT, N_FRAMES, WIDTH, fake_frames


def _decoded_times_s(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(f.time) for f in container.decode(video=0)]


def test_it_draws_on_a_copy_and_keeps_the_size():
    rgb = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    rgb.setflags(write=False)
    points = np.full((478, 2), 100.0)
    out = annotate_frame(
        rgb,
        points_xy=points,
        closure_left=0.8,
        closure_right=0.1,
        event_label="SPASM left",
        time_s=1.0,
    )
    assert out.shape == rgb.shape and out.any()
    assert not rgb.any()


def test_it_writes_an_h264_video_of_every_frame(analysis, fake_reader, tmp_path: Path):
    calls: list[tuple[int, int]] = []
    out = write_annotated_video(
        analysis,
        video_path=tmp_path / "in.mp4",
        out_path=tmp_path / "a.mp4",
        progress=lambda done, total: calls.append((done, total)),
    )
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (WIDTH, HEIGHT)
        assert sum(1 for _ in container.decode(stream)) == N_FRAMES
    assert calls[-1] == (N_FRAMES, N_FRAMES)


def test_it_keeps_every_frame_of_a_video_that_starts_before_zero(
    analysis, tmp_path: Path, monkeypatch
):
    early = [(t - 0.1, rgb) for t, rgb in fake_frames()]  # the first three frames are at t < 0

    def frames_before_zero(*args, **kwargs):
        return iter(early)

    monkeypatch.setattr(frames, "read_frames", frames_before_zero)
    out = write_annotated_video(
        analysis, video_path=tmp_path / "in.mp4", out_path=tmp_path / "a.mp4"
    )
    times = _decoded_times_s(out)
    assert len(times) == N_FRAMES
    assert times[0] == pytest.approx(0.0)
    assert all(b > a for a, b in pairwise(times))
    assert times[-1] == pytest.approx((N_FRAMES - 1) / FPS, abs=1e-3)


def test_it_drops_frames_whose_time_goes_back(analysis, tmp_path: Path, monkeypatch):
    source = fake_frames()
    shuffled = [source[0], source[2], source[1], *source[3:]]
    monkeypatch.setattr(frames, "read_frames", lambda *a, **k: iter(shuffled))
    out = write_annotated_video(
        analysis, video_path=tmp_path / "in.mp4", out_path=tmp_path / "a.mp4"
    )
    assert len(_decoded_times_s(out)) == N_FRAMES - 1


def test_it_names_the_video_when_no_frame_can_be_read(analysis, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(frames, "read_frames", lambda *a, **k: iter(()))
    video = tmp_path / "in.mp4"
    with pytest.raises(
        VideoReadError, match=rf"^{re.escape(str(video))}: no frames could be read$"
    ):
        write_annotated_video(analysis, video_path=video, out_path=tmp_path / "a.mp4")
