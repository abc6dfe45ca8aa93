"""Tests of probing and decoding videos (PyAV): formats, timing, rotation, chunks, bad files."""

from __future__ import annotations

import errno
import hashlib
import itertools
from pathlib import Path
from types import SimpleNamespace

import av
import av.error
import numpy as np
import pytest

from hemispasm.errors import UnsupportedCodecError, VideoReadError
from hemispasm.video import reader
from hemispasm.video.reader import (
    Orientation,
    _check_decoder,
    iter_frames,
    orientation_from_matrix,
    probe_video,
)
from tests.landmarks._videos import write_video
from tests.video.conftest import COMBOS, FPS, N_FRAMES, VFR_PTS, VFR_TIME_BASE

COMBO_IDS = [f"{suffix}-{encoder}" for suffix, encoder, _ in COMBOS]


@pytest.mark.parametrize(("suffix", "encoder", "codec"), COMBOS, ids=COMBO_IDS)
def test_it_probes_each_container_and_codec(sample_videos, suffix, encoder, codec):
    path = sample_videos[(suffix, encoder)]
    info = probe_video(path)
    assert info.codec == codec
    assert info.container == ("matroska" if suffix == "mkv" else suffix)
    assert (info.width, info.height) == (320, 240)
    assert info.rotation_deg == 0
    assert info.fps_nominal == pytest.approx(FPS)
    assert info.duration_s == pytest.approx(N_FRAMES / FPS, abs=0.05)
    assert abs(info.frames - N_FRAMES) <= 1
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info.mirrored is False


@pytest.mark.parametrize(("suffix", "encoder", "codec"), COMBOS, ids=COMBO_IDS)
def test_it_decodes_every_frame_with_its_time(sample_videos, suffix, encoder, codec):
    frames = list(iter_frames(sample_videos[(suffix, encoder)]))
    times = np.array([t for t, _ in frames])
    assert len(frames) == N_FRAMES
    np.testing.assert_allclose(times, np.arange(N_FRAMES) / FPS, atol=1e-3)  # mkv: 1 ms ticks
    rgb = frames[0][1]
    assert rgb.shape == (240, 320, 3)
    assert rgb.dtype == np.uint8
    assert rgb.flags.c_contiguous


def test_it_returns_the_picture_that_was_encoded(video_dir):
    path = video_dir / "lossless_check.mkv"
    written = write_video(path, codec="libx264", n_frames=5)
    decoded = [rgb for _, rgb in iter_frames(path)]
    assert np.abs(decoded[2].astype(int) - written[2]).mean() < 6


def test_the_fast_colour_conversion_matches_ffmpegs_own(video_dir):
    import av

    path = video_dir / "colour_check.mp4"
    write_video(path, codec="libx264", n_frames=3)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        assert frame.format.name == "yuv420p"
        reference = frame.to_ndarray(format="rgb24").astype(int)
    fast = next(iter(iter_frames(path)))[1]
    assert fast.shape == reference.shape
    assert np.abs(fast - reference).mean() < 2.0
    assert np.abs(fast - reference).max() <= 8


@pytest.mark.parametrize(("suffix", "encoder", "codec"), COMBOS, ids=COMBO_IDS)
def test_time_chunks_concatenate_to_the_whole_video(sample_videos, suffix, encoder, codec):
    path = sample_videos[(suffix, encoder)]
    whole = [t for t, _ in iter_frames(path)]
    edges = [None, 0.7, 1.0, 1.0 + 1 / FPS, 2.35, None]  # on, between and off keyframes
    parts = [
        t
        for start, end in itertools.pairwise(edges)
        for t, _ in iter_frames(path, start_s=start, end_s=end)
    ]
    assert parts == whole


def test_a_chunk_holds_exactly_the_frames_in_its_range(sample_videos):
    times = [t for t, _ in iter_frames(sample_videos[("mp4", "libx264")], start_s=1.0, end_s=2.0)]
    assert times[0] == pytest.approx(1.0)
    assert all(1.0 <= t < 2.0 for t in times)
    assert len(times) == 30


def test_a_chunk_after_the_end_is_empty(sample_videos):
    assert list(iter_frames(sample_videos[("mp4", "libx264")], start_s=50.0)) == []


def test_variable_frame_rate_times_come_back_exactly(vfr_video):
    times = [t for t, _ in iter_frames(vfr_video)]
    assert times == [float(p * VFR_TIME_BASE) for p in VFR_PTS]


def test_it_scales_frames_down_to_max_side(sample_videos):
    _, rgb = next(iter_frames(sample_videos[("mp4", "libx264")], max_side=160))
    assert rgb.shape == (120, 160, 3)


def test_it_rejects_a_tiny_max_side(sample_videos):
    with pytest.raises(ValueError, match="max_side must be an integer >= 16"):
        next(iter_frames(sample_videos[("mp4", "libx264")], max_side=4))


@pytest.mark.parametrize(("suffix", "encoder", "codec"), COMBOS, ids=COMBO_IDS)
def test_one_decoder_thread_gives_the_same_frames(sample_videos, suffix, encoder, codec):
    path = sample_videos[(suffix, encoder)]
    default = list(iter_frames(path, start_s=0.7))
    single = list(iter_frames(path, start_s=0.7, threads=1))
    assert [t for t, _ in single] == [t for t, _ in default]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(single, default, strict=True))


def test_it_rejects_zero_decoder_threads(sample_videos):
    with pytest.raises(ValueError, match="threads must be a positive integer or None"):
        next(iter_frames(sample_videos[("mp4", "libx264")], threads=0))


# --- rotation and mirroring ----------------------------------------------------------------------


def _bright_quadrant(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    gray = rgb.mean(axis=2)
    quadrants = {
        "top-left": gray[: h // 2, : w // 2],
        "top-right": gray[: h // 2, w // 2 :],
        "bottom-left": gray[h // 2 :, : w // 2],
        "bottom-right": gray[h // 2 :, w // 2 :],
    }
    return max(quadrants, key=lambda k: quadrants[k].mean())


@pytest.mark.parametrize(
    ("suffix", "ccw_deg", "hflip", "rotation_deg", "shape", "quadrant"),
    [
        ("mp4", None, False, 0, (48, 64), "top-left"),
        ("mp4", 90, False, 270, (64, 48), "bottom-left"),  # counter-clockwise quarter turn
        ("mov", -90, False, 90, (64, 48), "top-right"),  # portrait phone video ("rotate=90")
        ("mp4", 180, False, 180, (48, 64), "bottom-right"),
        ("mkv", -90, False, 90, (64, 48), "top-right"),
        ("mp4", 0, True, 0, (48, 64), "top-right"),  # display matrix with a flip
    ],
)
def test_it_applies_the_display_matrix(
    video_dir, suffix, ccw_deg, hflip, rotation_deg, shape, quadrant
):
    path = video_dir / f"marker_{ccw_deg}_{hflip}.{suffix}"
    write_video(
        path,
        width=64,
        height=48,
        n_frames=3,
        content="marker",
        rotation_ccw_deg=ccw_deg,
        hflip=hflip,
    )
    info = probe_video(path)
    assert info.rotation_deg == rotation_deg
    assert (info.height, info.width) == shape
    _, rgb = next(iter_frames(path))
    assert rgb.shape[:2] == shape
    assert _bright_quadrant(rgb) == quadrant


def test_mirrored_frames_are_flipped_back(video_dir):
    path = video_dir / "marker_portrait.mp4"
    write_video(path, width=64, height=48, n_frames=3, content="marker", rotation_ccw_deg=-90)
    _, plain = next(iter_frames(path))
    _, unmirrored = next(iter_frames(path, mirrored=True))
    np.testing.assert_array_equal(unmirrored, plain[:, ::-1])
    assert probe_video(path, mirrored=True).mirrored is True


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        (None, Orientation(0, False)),
        ([65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30], Orientation(0, False)),
        ([0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30], Orientation(1, False)),  # 90 ccw
        ([0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30], Orientation(3, False)),  # 90 cw
        ([-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30], Orientation(2, False)),
        ([-65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30], Orientation(0, True)),  # mirror
        ([65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30], Orientation(2, True)),  # upside down
    ],
)
def test_orientation_follows_ffmpeg_autorotation(matrix, expected):
    assert orientation_from_matrix(None if matrix is None else np.array(matrix)) == expected


def test_orientation_apply_turns_and_flips():
    image = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(Orientation(1, False).apply(image), np.rot90(image))
    np.testing.assert_array_equal(Orientation(0, True).apply(image), image[:, ::-1])
    assert Orientation(3, False).rotation_deg == 90


# --- bad inputs ----------------------------------------------------------------------------------


def test_it_reports_a_missing_file(tmp_path):
    with pytest.raises(VideoReadError, match=r"missing\.mp4: video file not found"):
        probe_video(tmp_path / "missing.mp4")


def test_it_reports_an_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoReadError, match=r"empty\.mp4: video file is empty"):
        probe_video(path)
    with pytest.raises(VideoReadError, match="is empty"):
        next(iter_frames(path))


def test_it_reports_a_text_file_named_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video\n" * 20)
    with pytest.raises(VideoReadError, match=r"notes\.mp4: cannot open as a video"):
        probe_video(path)


def test_it_reports_a_folder(tmp_path):
    with pytest.raises(VideoReadError, match="not a file"):
        probe_video(tmp_path)


def _truncate(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def test_a_truncated_mp4_cannot_be_opened(sample_videos, tmp_path):
    # Our mp4 keeps its index (moov) at the end, so its first 30% holds no readable video.
    path = _truncate(sample_videos[("mp4", "libx264")], tmp_path / "cut.mp4", 0.3)
    with pytest.raises(VideoReadError, match=r"cut\.mp4: cannot open as a video.*truncated"):
        probe_video(path)


def test_a_truncated_mkv_yields_the_frames_that_decode(sample_videos, tmp_path):
    path = _truncate(sample_videos[("mkv", "libx264")], tmp_path / "cut.mkv", 0.3)
    info = probe_video(path)
    times = [t for t, _ in iter_frames(path)]
    assert 0 < len(times) < N_FRAMES
    assert info.width == 320


def test_a_file_with_no_decodable_frame_is_reported(sample_videos, tmp_path):
    path = _truncate(sample_videos[("mkv", "libx264")], tmp_path / "stub.mkv", 0.02)
    with pytest.raises(VideoReadError, match=r"stub\.mkv: no frame could be decoded"):
        probe_video(path)
    with pytest.raises(VideoReadError, match="no frame could be decoded"):
        list(iter_frames(path))


def test_a_codec_without_decoder_is_unsupported():
    # No encoder available here writes a codec FFmpeg cannot decode, so the check runs on a
    # stand-in for a stream whose codec has no decoder (PyAV leaves its codec_context None).
    stream = SimpleNamespace(codec_context=None, codec=SimpleNamespace(name="exotic"))
    with pytest.raises(UnsupportedCodecError, match=r"clip\.mov: video codec 'exotic' cannot"):
        _check_decoder(stream, Path("clip.mov"))


# --- browser recordings without a duration -------------------------------------------------------


@pytest.mark.parametrize(("suffix", "encoder"), [("webm", "libvpx"), ("mkv", "libx264")])
def test_a_recording_without_a_duration_gets_it_from_its_packets(video_dir, suffix, encoder):
    # Written as a live stream, the way MediaRecorder writes: the header has no duration.
    path = video_dir / f"live_{encoder}.{suffix}"
    write_video(path, codec=encoder, n_frames=N_FRAMES, fps=FPS, container_options={"live": "1"})
    with av.open(str(path)) as container:
        assert container.duration is None and not container.streams.video[0].duration
    info = probe_video(path)
    assert info.duration_known is True
    assert info.duration_s == pytest.approx(N_FRAMES / FPS, abs=0.05)
    assert info.frames == N_FRAMES
    assert len(list(iter_frames(path))) == N_FRAMES


def test_a_duration_nothing_tells_is_reported_unknown(video_dir, monkeypatch):
    path = video_dir / "live_unknown.webm"
    write_video(path, codec="libvpx", n_frames=10, container_options={"live": "1"})
    monkeypatch.setattr(reader, "_duration_from_packets", lambda container, stream: (0.0, 0))
    info = probe_video(path)
    assert info.duration_known is False
    assert (info.duration_s, info.frames) == (0.0, 0)


def test_a_header_duration_is_known(sample_videos):
    assert probe_video(sample_videos[("webm", "libvpx")]).duration_known is True


# --- unreadable files ----------------------------------------------------------------------------
# The tests run as root, for whom chmod 000 blocks nothing, so the refusals are stood in for.


def _refuse(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


def test_a_file_that_cannot_be_hashed_is_a_read_error(sample_videos, monkeypatch):
    monkeypatch.setattr(Path, "open", _refuse)
    with pytest.raises(VideoReadError, match=r"face_libx264\.mp4: cannot read: Permission denied$"):
        probe_video(sample_videos[("mp4", "libx264")])


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied"),
        av.error.PermissionError(-errno.EACCES, "Permission denied"),
        av.error.OSError(-errno.EIO, "Input/output error"),
    ],
    ids=["python", "ffmpeg-permission", "ffmpeg-io"],
)
def test_a_file_that_cannot_be_opened_is_a_read_error(sample_videos, monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error

    path = sample_videos[("mp4", "libx264")]
    monkeypatch.setattr(reader, "sha256_of", lambda path: "0" * 64)
    monkeypatch.setattr(reader.av, "open", refuse)
    with pytest.raises(VideoReadError, match=rf"{path.name}: cannot read: {error.strerror}$"):
        probe_video(path)
    with pytest.raises(VideoReadError, match=rf"{path.name}: cannot read: {error.strerror}$"):
        next(iter_frames(path))


def test_a_file_that_cannot_be_statted_is_a_read_error(sample_videos, monkeypatch):
    path = sample_videos[("mp4", "libx264")]
    real_stat = Path.stat
    calls = []

    def stat(self, *args, **kwargs):
        calls.append(self)
        if self == path and len(calls) > 2:  # exists() and is_file() pass, the size read fails
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(VideoReadError, match=r"cannot read: Permission denied$"):
        probe_video(path)
