"""A lower-frame-rate copy of a video: keep every n-th frame at its own presentation time.

Used to measure how the analysis holds at 8, 12 or 15 fps on real recordings made at 24-30 fps:
the kept frames are the original pictures at their original times, so labels given in seconds
still hold for the copy.
"""

from __future__ import annotations

from pathlib import Path

from hemispasm.errors import InvalidParameterError
from hemispasm.video.reader import iter_frames, probe_video
from hemispasm.video.writer import VideoWriter


def decimate_video(
    src: str | Path, dst: str | Path, *, keep_every: int, mirrored: bool = False
) -> Path:
    """Write ``dst``, holding frames 0, n, 2n, ... of ``src`` at their presentation times.

    Parameters
    ----------
    src, dst : str or Path
        The source video and the copy to write (H.264 in the container ``dst``'s suffix names).
    keep_every : int
        n, at least 1 (1 re-encodes every frame).
    mirrored : bool
        Flip the frames horizontally on the way.

    Raises
    ------
    InvalidParameterError
        ``keep_every`` is not an integer of at least 1.
    VideoReadError
        ``src`` cannot be read.
    """
    if isinstance(keep_every, bool) or not isinstance(keep_every, int) or keep_every < 1:
        raise InvalidParameterError(f"keep_every must be an integer >= 1, but got {keep_every!r}")
    info = probe_video(src, mirrored=mirrored)
    fps = info.fps_nominal / keep_every if info.fps_nominal > 0 else 30.0 / keep_every
    dst = Path(dst)
    with VideoWriter(dst, fps=fps, width=info.width, height=info.height, crf=18) as writer:
        for i, (t, rgb) in enumerate(iter_frames(src, mirrored=mirrored)):
            if i % keep_every == 0:
                writer.write(rgb, timestamp_s=t)
    return dst
