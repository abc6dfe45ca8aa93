"""VideoWriter writes files that decode back with their frames and timestamps."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from hemispasm.errors import InvalidParameterError, OutputError
from hemispasm.video.writer import VideoWriter

W, H = 64, 48


def frames(n: int) -> list[np.ndarray]:
    return [np.full((H, W, 3), 20 + 10 * i, np.uint8) for i in range(n)]


def decode(path: Path) -> tuple[str, list[float], list[np.ndarray]]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        got = [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(stream)]
        return stream.codec_context.name, [t for t, _ in got], [a for _, a in got]


@pytest.mark.parametrize(
    ("name", "codec", "decoded_as"),
    [
        ("a.mp4", "libx264", "h264"),
        ("a.mov", "hevc", "hevc"),
        ("a.avi", "mpeg4", "mpeg4"),
        ("a.mkv", "mjpeg", "mjpeg"),
        ("a.webm", "libvpx", "vp8"),
        ("b.webm", "libvpx-vp9", "vp9"),
    ],
)
def test_it_writes_each_codec_and_container(
    tmp_path: Path, name: str, codec: str, decoded_as: str
) -> None:
    path = tmp_path / name
    with VideoWriter(path, fps=25, width=W, height=H, codec=codec, crf=18) as w:
        for f in frames(10):
            w.write(f)
    got_codec, times, images = decode(path)
    assert got_codec == decoded_as
    assert len(images) == 10
    np.testing.assert_allclose(times, np.arange(10) / 25, atol=2e-3)
    for i, img in enumerate(images):
        assert img.shape == (H, W, 3)
        assert abs(float(img.mean()) - (20 + 10 * i)) < 5


@pytest.mark.parametrize("name", ["v.mp4", "v.mov", "v.mkv"])
def test_it_keeps_variable_frame_rate_timestamps(tmp_path: Path, name: str) -> None:
    ts = np.array([0.0, 0.031, 0.070, 0.099, 0.166, 0.2])
    path = tmp_path / name
    with VideoWriter(path, fps=30, width=W, height=H) as w:
        for f, t in zip(frames(len(ts)), ts, strict=True):
            w.write(f, timestamp_s=float(t))
    _, times, _ = decode(path)
    np.testing.assert_allclose(times, ts, atol=1e-3)


def test_it_rejects_timestamps_that_do_not_increase(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "a.mp4", fps=30, width=W, height=H) as w:
        w.write(frames(1)[0], timestamp_s=0.5)
        with pytest.raises(InvalidParameterError, match="timestamp_s must increase"):
            w.write(frames(1)[0], timestamp_s=0.5)


def test_it_rejects_a_frame_of_the_wrong_shape(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "a.mp4", fps=30, width=W, height=H) as w:
        with pytest.raises(InvalidParameterError, match=r"must be a \(48, 64, 3\) uint8 array"):
            w.write(np.zeros((H, W), np.uint8))
        with pytest.raises(InvalidParameterError, match=r"but got .*float64"):
            w.write(np.zeros((H, W, 3)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"path": "a.flv"}, r"path must end in one of .* but got '.*a.flv'"),
        ({"codec": "av1"}, "codec must be one of .* but got 'av1'"),
        ({"path": "a.webm", "codec": "libx264"}, "codec 'libx264' cannot be written into a .webm"),
        ({"fps": 0}, "fps must be between 1 and 1000, but got 0"),
        ({"width": 63}, "width must be an even integer >= 16, but got 63"),
        ({"height": 8}, "height must be an even integer >= 16, but got 8"),
        ({"crf": 60}, "crf must be an integer 0-51, but got 60"),
    ],
)
def test_it_rejects_bad_parameters(tmp_path: Path, kwargs: dict, match: str) -> None:
    kw = {"fps": 30, "width": W, "height": H, **kwargs}
    path = tmp_path / kw.pop("path", "a.mp4")
    with pytest.raises(InvalidParameterError, match=match):
        VideoWriter(path, **kw)


def test_it_raises_output_error_when_the_folder_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot open"):
        VideoWriter(blocker / "a.mp4", fps=30, width=W, height=H)


def test_close_is_idempotent(tmp_path: Path) -> None:
    w = VideoWriter(tmp_path / "a.mp4", fps=30, width=W, height=H)
    w.write(frames(1)[0])
    w.close()
    w.close()
    assert decode(tmp_path / "a.mp4")[1] == [0.0]
