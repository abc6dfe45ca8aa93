"""Key frames for the report: which moments to show, reading them, and inlining them as JPEG."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemispasm.analysis.types import Event, SidePair

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

_REST_MARGIN_S = 0.5
"""A resting frame is at least this far from any event."""


@dataclass(frozen=True, eq=False)
class KeyFrame:
    """One still picture for the report: an RGB uint8 image of shape (H, W, 3) and its time."""

    label: str
    time_s: float
    rgb: np.ndarray


def read_frames(
    video_path: str | Path,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    mirrored: bool = False,
    max_side: int | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Decode ``(timestamp_s, rgb)`` frames with the video reader, the one decoding edge."""
    from hemispasm.video.reader import iter_frames  # the IO edge, imported only when needed

    return iter_frames(
        video_path, start_s=start_s, end_s=end_s, mirrored=mirrored, max_side=max_side
    )


def strongest_spasm(events: Sequence[Event]) -> Event | None:
    """The spasm with the highest peak closure (the longer one on a tie), or None."""
    spasms = [e for e in events if e.kind == "spasm" and np.isfinite(e.peak_closure)]
    if not spasms:
        return None
    return max(spasms, key=lambda e: (e.peak_closure, e.duration_s))


def resting_time(
    timestamps_s: np.ndarray, usable: np.ndarray, closure: SidePair, events: Sequence[Event]
) -> float | None:
    """Time of the most open usable frame away from every event, or None if there is none."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    ok = np.asarray(usable, dtype=bool).copy()
    for event in events:
        ok &= ~((t >= event.start_s - _REST_MARGIN_S) & (t <= event.end_s + _REST_MARGIN_S))
    both = np.abs(np.asarray(closure.left, dtype=np.float64)) + np.abs(
        np.asarray(closure.right, dtype=np.float64)
    )
    ok &= np.isfinite(both)
    if not ok.any():
        return None
    candidates = np.flatnonzero(ok)
    return float(t[candidates[int(np.argmin(both[candidates]))]])


def key_frame_times(analysis: Analysis) -> list[tuple[str, float]]:
    """The (label, time) of the frames the report shows: a resting frame and the strongest spasm."""
    m = analysis.measurements
    out: list[tuple[str, float]] = []
    rest = resting_time(m.timestamps_s, m.usable, analysis.closure, analysis.events)
    if rest is not None:
        out.append(("At rest", rest))
    spasm = strongest_spasm(analysis.events)
    if spasm is not None:
        out.append((f"Peak of the strongest spasm ({spasm.side} side)", spasm.peak_s))
    return out


def extract_key_frames(
    analysis: Analysis, video_path: str | Path, *, max_side: int = 640
) -> list[KeyFrame]:
    """Read the frames nearest the times of :func:`key_frame_times` from the video."""
    frames: list[KeyFrame] = []
    for label, time_s in key_frame_times(analysis):
        best: tuple[float, np.ndarray] | None = None
        for ts, rgb in read_frames(
            video_path,
            start_s=max(0.0, time_s - 0.2),
            end_s=time_s + 0.2,
            mirrored=analysis.source.mirrored,
            max_side=max_side,
        ):
            if best is None or abs(ts - time_s) < abs(best[0] - time_s):
                best = (ts, rgb)
        if best is not None:
            frames.append(KeyFrame(label=label, time_s=best[0], rgb=np.array(best[1])))
    return frames


def jpeg_data_uri(rgb: np.ndarray, *, quality: int = 85) -> str:
    """A ``data:image/jpeg;base64,...`` URI of an RGB uint8 image."""
    import cv2  # the drawing/encoding edge; not needed by the rest of the report

    image = np.asarray(rgb)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"rgb must be an (H, W, 3) uint8 array, but got {image.shape} {image.dtype}"
        )
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("rgb could not be encoded as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")
