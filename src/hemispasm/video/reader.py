"""Probe and decode videos with PyAV: real timestamps, display rotation, optional un-mirroring.

Frames come out as RGB uint8 arrays, oriented as a viewer sees the picture (the container's display
matrix applied), flipped back when the recording was saved mirrored, one at a time so memory stays
flat in video length. Times are presentation times in seconds from the video stream's start, so
variable-frame-rate phone videos keep their true timing.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from hemispasm.errors import UnsupportedCodecError, VideoReadError
from hemispasm.video.info import VideoInfo

__all__ = ["Orientation", "iter_frames", "orientation_from_matrix", "probe_video"]

_log = logging.getLogger(__name__)

_HASH_CHUNK_BYTES = 1 << 20
_SEEK_BACKOFF_S = (0.0, 1.0, 4.0, 16.0, 64.0)


@dataclass(frozen=True)
class Orientation:
    """How to turn a decoded picture into the displayed one.

    First ``quarter_turns_ccw`` counter-clockwise quarter turns (``np.rot90``'s ``k``), then a
    horizontal flip when ``flip_horizontal`` is True.
    """

    quarter_turns_ccw: int = 0
    flip_horizontal: bool = False

    @property
    def rotation_deg(self) -> int:
        """Clockwise display rotation in degrees (0, 90, 180 or 270), as a ``rotate`` tag says."""
        return (-90 * self.quarter_turns_ccw) % 360

    def then_flip(self, flip: bool) -> Orientation:
        """This orientation followed by a horizontal flip when ``flip`` is True."""
        return Orientation(self.quarter_turns_ccw, self.flip_horizontal != flip)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Orient an (H, W, ...) image; returns a C-contiguous array (the input when unchanged)."""
        out = image
        if self.quarter_turns_ccw % 4:
            out = np.rot90(out, k=self.quarter_turns_ccw % 4)
        if self.flip_horizontal:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)


def orientation_from_matrix(matrix: np.ndarray | None) -> Orientation:
    """Orientation encoded by an FFmpeg display matrix (9 int32, 16.16 fixed point) or None.

    Follows the rules of FFmpeg's own auto-rotation (``fftools``): the rotation angle decides
    between a quarter turn, a half turn or none, and the signs of the matrix entries add the flips.
    Angles that are not a multiple of 90 degrees are rounded to the nearest quarter turn.
    """
    if matrix is None:
        return Orientation()
    m = np.asarray(matrix, dtype=np.float64).reshape(-1)
    if m.shape != (9,):
        raise ValueError(f"matrix must have 9 entries, but got {m.shape[0]}")
    scale0 = math.hypot(m[0], m[3])
    scale1 = math.hypot(m[1], m[4])
    if scale0 == 0 or scale1 == 0:
        return Orientation()
    # av_display_rotation_get() (counter-clockwise) is minus this angle; FFmpeg's get_rotation()
    # negates that again, giving the clockwise angle.
    cw = math.degrees(math.atan2(m[1] / scale1, m[0] / scale0))
    theta_cw = (round(cw / 90.0) * 90) % 360
    if theta_cw == 90:
        # transpose=cclock_flip (a plain transpose) or transpose=clock
        return Orientation(3, True) if m[3] > 0 else Orientation(3, False)
    if theta_cw == 270:
        # transpose=clock_flip (anti-transpose) or transpose=cclock
        return Orientation(1, True) if m[3] < 0 else Orientation(1, False)
    if theta_cw == 180:
        flip_h, flip_v = bool(m[0] < 0), bool(m[4] < 0)
        if flip_h and flip_v:
            return Orientation(2, False)
        if flip_v:
            return Orientation(2, True)
        return Orientation(0, flip_h)
    return Orientation(2, True) if m[4] < 0 else Orientation()


def probe_video(path: str | Path, *, mirrored: bool = False) -> VideoInfo:
    """Read a video's facts: content hash, container, codec, displayed size, rotation, timing.

    Decodes the first frame, so a file whose frames cannot be decoded fails here rather than later.
    When the container does not state the duration (common in browser recordings), it is measured
    from the last packet's time, reading the packets without decoding them; when even that fails,
    ``duration_s`` is 0 and ``duration_known`` False.

    Raises
    ------
    VideoReadError
        The file is missing, unreadable, empty, not a video, truncated or has no decodable frame.
    UnsupportedCodecError
        The video codec has no decoder.
    """
    path = Path(path)
    _check_file(path)
    sha256 = sha256_of(path)
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        first = _first_frame(container, stream, path)
        orientation = _orientation_of(first, stream)
        width, height = first.width, first.height
        if orientation.quarter_turns_ccw % 2:
            width, height = height, width
        fps = _nominal_fps(stream)
        duration_s = _duration_s(container, stream)
        frames = int(stream.frames or 0)
        duration_known = duration_s > 0
        if not duration_known:
            # Browser recordings (MediaRecorder WebM / Matroska) often leave the duration out of
            # the header: read the packets to the end, without decoding them, for both numbers.
            duration_s, counted = _duration_from_packets(container, stream)
            duration_known = duration_s > 0
            frames = frames if frames > 0 else counted
        if frames <= 0:
            frames = max(1, round(duration_s * fps)) if fps > 0 and duration_s > 0 else 0
        return VideoInfo(
            path=path,
            sha256=sha256,
            container=_container_name(container, path),
            codec=stream.codec_context.name,
            width=int(width),
            height=int(height),
            rotation_deg=orientation.rotation_deg,
            fps_nominal=fps,
            duration_s=duration_s,
            frames=frames,
            mirrored=mirrored,
            duration_known=duration_known,
        )


def iter_frames(
    path: str | Path,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    mirrored: bool = False,
    max_side: int | None = None,
    threads: int | None = None,
) -> Generator[tuple[float, np.ndarray], None, None]:
    """Yield ``(time_s, rgb)`` for each frame with ``start_s <= time_s < end_s``, in time order.

    ``time_s`` is the presentation time in seconds from the stream's start (the same value whatever
    ``start_s`` is, so consecutive time ranges concatenate to the whole video with no frame lost or
    repeated). ``rgb`` is a fresh C-contiguous uint8 array of shape (H, W, 3), rotated for
    display, flipped horizontally when ``mirrored``, and scaled down so its long side is at most
    ``max_side``. A truncated file yields the frames that decode, then stops.

    ``threads`` is the number of decoder threads: None lets FFmpeg choose (about one per core);
    1 decodes in the calling thread, which is faster when several processes decode at once.

    Raises
    ------
    VideoReadError
        The file is missing, empty, not a video, or has no decodable frame at all.
    UnsupportedCodecError
        The video codec has no decoder.
    """
    path = Path(path)
    if max_side is not None and (not isinstance(max_side, int) or max_side < 16):
        raise ValueError(f"max_side must be an integer >= 16 or None, but got {max_side!r}")
    if start_s is not None and end_s is not None and end_s < start_s:
        raise ValueError(f"end_s must not be before start_s, but got {start_s} and {end_s}")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, but got {threads!r}")
    _check_file(path)
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        if threads is None:
            stream.thread_type = "AUTO"
        else:
            stream.thread_count = threads
        origin = int(stream.start_time or 0)
        time_base = stream.time_base or Fraction(1, 90000)
        frames = _decode_from(container, stream, path, origin, time_base, start_s)
        orientation: Orientation | None = None
        size: tuple[int, int] | None = None
        last_t = -math.inf
        decoded_any = False
        for t, frame in frames:
            decoded_any = True
            if t <= last_t or (start_s is not None and t < start_s):
                continue
            if end_s is not None and t >= end_s:
                break
            last_t = t
            if orientation is None:
                orientation = _orientation_of(frame, stream).then_flip(mirrored)
                size = _scaled_size(frame.width, frame.height, max_side)
            rgb = _to_rgb(frame, size)
            yield t, orientation.apply(rgb)
        if not decoded_any and (start_s is None or start_s <= 0):
            raise VideoReadError(f"{path}: no frame could be decoded (truncated or corrupt file)")


# --- opening ----------------------------------------------------------------------------------


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoReadError(f"{path}: video file not found")
    if not path.is_file():
        raise VideoReadError(f"{path}: not a file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if size == 0:
        raise VideoReadError(f"{path}: video file is empty")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, hex (VideoReadError if it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return digest.hexdigest()


def _open_input(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except OSError as exc:  # also FFmpeg's own PermissionError and friends
        raise _unreadable(path, exc) from exc
    except av.error.FFmpegError as exc:
        reason = _one_line(exc)
        raise VideoReadError(
            f"{path}: cannot open as a video (not a video, or truncated): {reason}"
        ) from exc


def _unreadable(path: Path, exc: OSError) -> VideoReadError:
    reason = exc.strerror or _one_line(exc)
    return VideoReadError(f"{path}: cannot read: {reason}")


def _video_stream(container: av.container.InputContainer, path: Path) -> av.video.VideoStream:
    if not container.streams.video:
        container.close()
        raise VideoReadError(f"{path}: has no video stream")
    stream = container.streams.video[0]
    _check_decoder(stream, path)
    return stream


def _check_decoder(stream: av.video.VideoStream, path: Path) -> None:
    if stream.codec_context is None:
        name = stream.codec.name if stream.codec is not None else "unknown"
        raise UnsupportedCodecError(f"{path}: video codec {name!r} cannot be decoded")


def _first_frame(
    container: av.container.InputContainer, stream: av.video.VideoStream, path: Path
) -> av.VideoFrame:
    origin = int(stream.start_time or 0)
    time_base = stream.time_base or Fraction(1, 90000)
    for _, frame in _decode_from(container, stream, path, origin, time_base, None):
        return frame
    raise VideoReadError(f"{path}: no frame could be decoded (truncated or corrupt file)")


# --- decoding ---------------------------------------------------------------------------------


def _decode_from(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    path: Path,
    origin: int,
    time_base: Fraction,
    start_s: float | None,
) -> Iterator[tuple[float, av.VideoFrame]]:
    """Decoded frames with their times, starting at or before ``start_s`` (seeking if needed)."""
    if start_s is None or start_s <= 0:
        yield from _decode_all(container, stream, path, origin, time_base)
        return
    # Seek to the keyframe before start_s; if the demuxer lands after it (imprecise index), step
    # further back, and in the end fall back to decoding from the beginning.
    for backoff_s in _SEEK_BACKOFF_S:
        target_s = start_s - backoff_s
        if target_s <= 0:
            break
        try:
            container.seek(origin + int(target_s / time_base), stream=stream, backward=True)
        except av.error.FFmpegError:
            break
        frames = _decode_all(container, stream, path, origin, time_base)
        first = next(frames, None)
        if first is None:
            return
        if first[0] <= start_s:
            yield first
            yield from frames
            return
        frames.close()
    container.seek(origin, stream=stream, backward=True)
    yield from _decode_all(container, stream, path, origin, time_base)


def _decode_all(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    path: Path,
    origin: int,
    time_base: Fraction,
) -> Generator[tuple[float, av.VideoFrame], None, None]:
    frame_s = 1.0 / float(stream.guessed_rate or stream.average_rate or 30)
    last_t: float | None = None
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
            decoded = packet.decode()
        except StopIteration:
            return
        except (av.error.DecoderNotFoundError, av.error.PatchWelcomeError) as exc:
            raise UnsupportedCodecError(
                f"{path}: video codec cannot be decoded: {_one_line(exc)}"
            ) from exc
        except av.error.FFmpegError as exc:
            # A corrupt or truncated stretch: keep what decoded so far.
            _log.warning("%s: decoding stopped early: %s", path, _one_line(exc))
            return
        for frame in decoded:
            if frame.pts is not None:
                t = float((frame.pts - origin) * time_base)
            elif last_t is not None:
                t = last_t + frame_s
            else:
                t = 0.0
            last_t = t
            yield t, frame


def _to_rgb(frame: av.VideoFrame, size: tuple[int, int] | None) -> np.ndarray:
    if size is None or size == (frame.width, frame.height):
        if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
            # OpenCV's planar conversion is about four times faster than swscale's here and
            # differs by about one grey level (both use BT.601 limited range).
            import cv2

            return cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420)
        return frame.to_ndarray(format="rgb24")
    width, height = size
    return frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int] | None:
    if max_side is None or max(width, height) <= max_side:
        return None
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- metadata ---------------------------------------------------------------------------------


def _orientation_of(frame: av.VideoFrame, stream: av.video.VideoStream) -> Orientation:
    side = frame.side_data.get("DISPLAYMATRIX")
    if side is not None:
        matrix = np.frombuffer(bytes(side), dtype=np.int32)  # type: ignore[call-overload]
        return orientation_from_matrix(matrix)
    rotate = stream.metadata.get("rotate")
    if rotate is not None:
        try:
            clockwise = round(float(rotate) / 90.0) * 90
        except ValueError:
            return Orientation()
        return Orientation((-clockwise // 90) % 4, False)
    return Orientation()


def _nominal_fps(stream: av.video.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0:
            return float(rate)
    return 0.0


def _duration_s(container: av.container.InputContainer, stream: av.video.VideoStream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _duration_from_packets(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> tuple[float, int]:
    """Duration (seconds, 0 when unknown) and frame count from the rest of the stream's packets.

    Demuxes on from wherever the container stands, without decoding, so it costs about one read
    of the file; the end is the latest ``pts + duration`` of any packet seen since the start.
    """
    origin = int(stream.start_time or 0)
    time_base = stream.time_base or Fraction(1, 90000)
    end: int | None = None
    count = 0
    try:
        container.seek(origin, stream=stream, backward=True)
    except av.error.FFmpegError:
        count = -(1 << 62)  # the first packets are read already: the count would be short
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end
                continue
            count += 1
            if packet.pts is not None:
                stop = packet.pts + max(int(packet.duration or 0), 0)
                end = stop if end is None else max(end, stop)
    except av.error.FFmpegError as exc:
        _log.warning("%s: reading packets stopped early: %s", container.name, _one_line(exc))
    count = max(count, 0)
    if end is None or end <= origin:
        return 0.0, count
    return float((end - origin) * time_base), count


def _container_name(container: av.container.InputContainer, path: Path) -> str:
    names = container.format.name.split(",")
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in names else names[0]


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(text).split())
