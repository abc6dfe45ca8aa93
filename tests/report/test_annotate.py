"""annotated.mp4: every frame of the video written, with drawings, as H.264."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from hemispasm.report.annotate import annotate_frame, write_annotated_video

from .conftest import HEIGHT, N_FRAMES, WIDTH


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
