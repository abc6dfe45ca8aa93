"""Streaming video writer over PyAV with real presentation timestamps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream

from hemispasm.errors import InvalidParameterError, OutputError

#: Container format (FFmpeg muxer name) for each supported file extension.
CONTAINERS: dict[str, str] = {
    ".mp4": "mp4",
    ".mov": "mov",
    ".avi": "avi",
    ".mkv": "matroska",
    ".webm": "webm",
}

#: Encoder (FFmpeg name) for each accepted codec name.
CODECS: dict[str, str] = {
    "libx264": "libx264",
    "h264": "libx264",
    "libx265": "libx265",
    "hevc": "libx265",
    "mpeg4": "mpeg4",
    "libvpx": "libvpx",
    "vp8": "libvpx",
    "libvpx-vp9": "libvpx-vp9",
    "vp9": "libvpx-vp9",
    "mjpeg": "mjpeg",
}

# Codecs each container can carry (the ones this writer offers).
_ALLOWED: dict[str, frozenset[str]] = {
    "mp4": frozenset({"libx264", "libx265", "mpeg4", "libvpx-vp9", "mjpeg"}),
    "mov": frozenset({"libx264", "libx265", "mpeg4", "mjpeg"}),
    "avi": frozenset({"libx264", "mpeg4", "mjpeg", "libvpx"}),
    "matroska": frozenset(CODECS.values()),
    "webm": frozenset({"libvpx", "libvpx-vp9"}),
}

# Containers whose timestamps are frame counts (no variable frame rate possible).
_FRAME_COUNTED = frozenset({"avi"})

_PTS_HZ = 90_000  # the MPEG clock: fine enough for any frame interval we write
_FF_QP2LAMBDA = 118  # FFmpeg's quantiser-to-lambda factor
_MPEG4_MAX_DEN = 65_535  # MPEG-4 part 2 limits the time-base denominator


def _qscale_from_crf(crf: int) -> int:
    """Map an x264-style CRF (0-51) to an MPEG-4 / MJPEG quantiser (2-31)."""
    return int(np.clip(round(2 + (crf - 18) * 0.5), 2, 31))


class VideoWriter:
    """Write RGB frames to a video file, one at a time, with presentation timestamps.

    Parameters
    ----------
    path : str or Path
        Output file; the container is chosen by its extension (.mp4 .mov .avi .mkv .webm).
    fps : float
        Nominal frame rate; used for frames written without a timestamp and as the stream's
        average rate.
    width, height : int
        Frame size in pixels (even numbers for 4:2:0 chroma).
    codec : str
        One of libx264 (h264), libx265 (hevc), mpeg4, libvpx (vp8), libvpx-vp9 (vp9), mjpeg.
    crf : int
        Quality, 0 (best) to 51, x264 scale; mapped to each encoder's own quality knob.
    pix_fmt : str
        Pixel format of the encoded stream.

    Notes
    -----
    Timestamps are kept on a 1/90000 s clock (1/fps-free), so variable frame rate output is
    possible in mp4, mov, mkv and webm. AVI counts frames, so there the frames are evenly spaced
    whatever timestamps were given. Use as a context manager; the file is complete after ``close``.

    Examples
    --------
    >>> import numpy as np
    >>> with VideoWriter("/tmp/doc.mp4", fps=30, width=64, height=48) as w:  # doctest: +SKIP
    ...     w.write(np.zeros((48, 64, 3), np.uint8), timestamp_s=0.0)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float,
        width: int,
        height: int,
        codec: str = "libx264",
        crf: int = 23,
        pix_fmt: str = "yuv420p",
    ) -> None:
        self.path = Path(path)
        ext = self.path.suffix.lower()
        if ext not in CONTAINERS:
            raise InvalidParameterError(
                f"path must end in one of {sorted(CONTAINERS)}, but got {str(self.path)!r}"
            )
        if codec not in CODECS:
            raise InvalidParameterError(f"codec must be one of {sorted(CODECS)}, but got {codec!r}")
        fmt = CONTAINERS[ext]
        encoder = CODECS[codec]
        if encoder not in _ALLOWED[fmt]:
            raise InvalidParameterError(
                f"codec {codec!r} cannot be written into a {ext} file; "
                f"choose one of {sorted(_ALLOWED[fmt])}"
            )
        if not (isinstance(fps, int | float) and 1.0 <= float(fps) <= 1000.0):
            raise InvalidParameterError(f"fps must be between 1 and 1000, but got {fps!r}")
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, int | np.integer) or value < 16 or value % 2:
                raise InvalidParameterError(
                    f"{name} must be an even integer >= 16, but got {value!r}"
                )
        if not (isinstance(crf, int | np.integer) and 0 <= crf <= 51):
            raise InvalidParameterError(f"crf must be an integer 0-51, but got {crf!r}")

        self.fps = float(fps)
        self.width = int(width)
        self.height = int(height)
        self.codec = encoder
        self.container_format = fmt
        self.frames_written = 0
        self._last_pts: int | None = None
        rate = Fraction(self.fps).limit_denominator(1001)
        if fmt in _FRAME_COUNTED:
            self._time_base = Fraction(rate.denominator, rate.numerator)
        elif encoder == "mpeg4":
            self._time_base = Fraction(1, _MPEG4_MAX_DEN // 1000 * 1000)  # 1/65000 s
        else:
            self._time_base = Fraction(1, _PTS_HZ)

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container: av.container.OutputContainer | None = av.open(
                str(self.path), mode="w", format=fmt
            )
        except (OSError, av.FFmpegError) as exc:
            raise OutputError(f"cannot open {str(self.path)!r} for writing: {exc}") from exc
        try:
            self._stream = cast(VideoStream, self._container.add_stream(encoder, rate=rate))
            cc = self._stream.codec_context
            cc.width = self.width
            cc.height = self.height
            cc.pix_fmt = "yuvj420p" if encoder == "mjpeg" and pix_fmt == "yuv420p" else pix_fmt
            cc.time_base = self._time_base
            self._stream.time_base = self._time_base
            if encoder in ("libx264", "libx265"):
                opts: dict[str, object] = {"crf": str(crf), "preset": "veryfast"}
                if encoder == "libx265":
                    opts["x265-params"] = "log-level=error"
                self._stream.options = opts
            elif encoder in ("libvpx", "libvpx-vp9"):
                self._stream.options = {
                    "crf": str(max(4, min(63, crf + 8))),
                    "deadline": "realtime",
                    "cpu-used": "8",
                }
                cc.bit_rate = max(1_000_000, self.width * self.height * 4)
            else:  # mpeg4, mjpeg: constant quantiser
                q = _qscale_from_crf(int(crf))
                cc.qscale = True  # the QSCALE flag: constant quality from global_quality
                cc.global_quality = q * _FF_QP2LAMBDA
                cc.qmin = cc.qmax = q
        except (av.FFmpegError, ValueError, TypeError) as exc:
            self._container.close()
            raise OutputError(
                f"cannot set up codec {codec!r} for {str(self.path)!r}: {exc}"
            ) from exc

    def write(self, frame_rgb_uint8: np.ndarray, timestamp_s: float | None = None) -> None:
        """Encode one (height, width, 3) uint8 RGB frame shown at ``timestamp_s`` seconds.

        Without a timestamp the frame is placed at ``frames_written / fps``. Timestamps must
        increase strictly (after rounding to the stream clock).
        """
        frame = np.asarray(frame_rgb_uint8)
        if frame.dtype != np.uint8 or frame.shape != (self.height, self.width, 3):
            raise InvalidParameterError(
                f"frame_rgb_uint8 must be a ({self.height}, {self.width}, 3) uint8 array, "
                f"but got {frame.shape} {frame.dtype}"
            )
        if timestamp_s is None:
            timestamp_s = self.frames_written / self.fps
        if not np.isfinite(timestamp_s) or timestamp_s < 0:
            raise InvalidParameterError(
                f"timestamp_s must be a finite number >= 0, but got {timestamp_s!r}"
            )
        if self.container_format in _FRAME_COUNTED:
            pts = self.frames_written
        else:
            pts = round(timestamp_s / float(self._time_base))
        if self._last_pts is not None and pts <= self._last_pts:
            raise InvalidParameterError(
                f"timestamp_s must increase from frame to frame, but got {timestamp_s!r} after "
                f"{self._last_pts * float(self._time_base)!r}"
            )
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts = pts
        vf.time_base = self._time_base
        if self._container is None:
            raise OutputError(f"cannot write to {str(self.path)!r}: the writer is closed")
        try:
            for packet in self._stream.encode(vf):
                self._container.mux(packet)
        except (av.FFmpegError, OSError) as exc:
            raise OutputError(f"cannot encode a frame into {str(self.path)!r}: {exc}") from exc
        self._last_pts = pts
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and finish the file. Safe to call twice."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            for packet in self._stream.encode(None):
                container.mux(packet)
        except (av.FFmpegError, OSError) as exc:
            raise OutputError(f"cannot finish {str(self.path)!r}: {exc}") from exc
        finally:
            container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
