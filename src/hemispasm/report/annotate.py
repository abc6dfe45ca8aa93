"""annotated.mp4: the video with eye and mouth landmarks, closure bars and the current event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from hemispasm.analysis.facemesh import MOUTH_CORNER, eye_contour
from hemispasm.errors import OutputError, VideoReadError
from hemispasm.report import frames as frame_source
from hemispasm.report.timeseries import frame_events
from hemispasm.video.writer import VideoWriter

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

Progress = Callable[[int, int], None]
"""Called as ``progress(frames_done, frames_total)``; the total is the container's estimate."""

# MediaPipe FaceMesh contour indices, subject's sides: the eyes from the shared table.
LEFT_EYE = eye_contour("left")
RIGHT_EYE = eye_contour("right")
LIPS_OUTER = (
    61,
    146,
    91,
    181,
    84,
    17,
    314,
    405,
    321,
    375,
    291,
    409,
    270,
    269,
    267,
    0,
    37,
    39,
    40,
    185,
)
MOUTH_CORNERS = (MOUTH_CORNER["right"], MOUTH_CORNER["left"])

# BGR-free: frames are RGB, so colours are RGB triples (Okabe-Ito, as in the chart).
_RGB_LEFT = (213, 94, 0)
_RGB_RIGHT = (0, 114, 178)
_RGB_MOUTH = (240, 228, 66)
_RGB_TEXT = (255, 255, 255)
_RGB_PANEL = (0, 0, 0)


def _nearest_index(timestamps_s: np.ndarray, t: float) -> int:
    i = int(np.searchsorted(timestamps_s, t))
    if i <= 0:
        return 0
    if i >= timestamps_s.shape[0]:
        return int(timestamps_s.shape[0] - 1)
    return i if timestamps_s[i] - t < t - timestamps_s[i - 1] else i - 1


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color: tuple) -> None:
    """Outlined text, moved inside the frame where it would cross the right or left edge."""
    thick = max(1, round(scale * 2))
    (text_w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick + 2)
    org = (int(np.clip(org[0], 2, max(2, img.shape[1] - text_w - 2))), org[1])
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def _bar(
    img: np.ndarray, x: int, label: str, closure: float, color: tuple[int, int, int], unit: int
) -> None:
    """A vertical closure bar (0 open at the bottom, 1 closed at the top) with its label."""
    h = img.shape[0]
    top, bottom = int(0.18 * h), int(0.62 * h)
    w = max(8, unit)
    cv2.rectangle(img, (x, top), (x + w, bottom), _RGB_PANEL, -1)
    if np.isfinite(closure):
        level = float(np.clip(closure, 0.0, 1.0))
        y = round(bottom - level * (bottom - top))
        cv2.rectangle(img, (x, y), (x + w, bottom), color, -1)
    half = (top + bottom) // 2
    cv2.line(img, (x - 2, half), (x + w + 2, half), _RGB_TEXT, 1, cv2.LINE_AA)
    cv2.rectangle(img, (x, top), (x + w, bottom), _RGB_TEXT, 1)
    scale = max(0.35, unit / 28)
    _text(img, label, (x - unit // 2, bottom + int(2.2 * unit)), scale, _RGB_TEXT)
    value = f"{closure:.2f}" if np.isfinite(closure) else "--"
    _text(img, value, (x - unit // 2, top - unit), scale, _RGB_TEXT)


def annotate_frame(
    rgb: np.ndarray,
    *,
    points_xy: np.ndarray | None,
    closure_left: float,
    closure_right: float,
    event_label: str,
    time_s: float,
) -> np.ndarray:
    """Draw landmarks, closure bars, event label and time on a copy of one RGB frame.

    ``points_xy`` is (478, 2) in this frame's pixels, or None when no face was found.
    """
    img = np.array(rgb, dtype=np.uint8, copy=True)
    h, w = img.shape[:2]
    unit = max(6, round(min(h, w) / 40))
    radius = max(1, unit // 5)
    if points_xy is not None and np.isfinite(points_xy).all():
        for idx, color in (
            (LEFT_EYE, _RGB_LEFT),
            (RIGHT_EYE, _RGB_RIGHT),
            (LIPS_OUTER, _RGB_MOUTH),
        ):
            for x, y in points_xy[list(idx)]:
                cv2.circle(img, (round(float(x)), round(float(y))), radius, color, -1, cv2.LINE_AA)
    # An un-mirrored camera view shows the subject's right side on the image's left.
    _bar(img, unit, "R eye", closure_right, _RGB_RIGHT, unit)
    _bar(img, w - 2 * unit, "L eye", closure_left, _RGB_LEFT, unit)
    scale = max(0.45, unit / 16)
    if event_label:
        _text(img, event_label, (3 * unit, int(2.2 * unit)), scale, (255, 220, 80))
    _text(img, f"t = {time_s:.2f} s", (3 * unit, h - unit), scale * 0.8, _RGB_TEXT)
    _text(img, "L/R = subject's sides", (w, h - unit), scale * 0.55, _RGB_TEXT)
    return img


def _event_label(kind: str, side: str) -> str:
    if kind == "spasm":
        return f"SPASM {side}"
    return "blink"


def write_annotated_video(
    analysis: Analysis,
    *,
    video_path: str | Path,
    out_path: str | Path,
    progress: Progress | None = None,
) -> Path:
    """Re-read ``video_path`` and write an annotated H.264 mp4 to ``out_path``; return its path."""
    lm = analysis.landmarks
    m = analysis.measurements
    t_meas = np.asarray(m.timestamps_s, dtype=np.float64)
    t_lm = np.asarray(lm.timestamps_s, dtype=np.float64)
    covering = frame_events(t_meas, analysis.events)
    total = max(1, int(analysis.source.frames))
    fps = float(np.clip(analysis.source.fps_nominal or 30.0, 1.0, 1000.0))
    out_path = Path(out_path)

    writer: VideoWriter | None = None
    done = 0
    last_t = -np.inf
    shift_s = 0.0  # moves a video whose first frame is before 0 s to start at 0 s
    try:
        for t, rgb in frame_source.read_frames(video_path, mirrored=analysis.source.mirrored):
            if t <= last_t:
                continue  # the writer needs strictly increasing timestamps
            h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
            if writer is None:
                shift_s = min(0.0, t)
                writer = VideoWriter(out_path, fps=fps, width=w, height=h, codec="libx264")
            points = None
            if t_lm.size:
                j = _nearest_index(t_lm, t)
                if lm.valid[j]:
                    scale = np.array([rgb.shape[1] / lm.width, rgb.shape[0] / lm.height])
                    points = lm.points[j, :, :2] * scale
            i = _nearest_index(t_meas, t) if t_meas.size else -1
            event = covering[i] if i >= 0 else None
            frame = annotate_frame(
                rgb[:h, :w],
                points_xy=points,
                closure_left=float(analysis.closure.left[i]) if i >= 0 else float("nan"),
                closure_right=float(analysis.closure.right[i]) if i >= 0 else float("nan"),
                event_label=_event_label(event.kind, event.side) if event else "",
                time_s=t,
            )
            writer.write(frame, timestamp_s=t - shift_s)
            last_t = t
            done += 1
            if progress is not None:
                progress(done, max(total, done))
        if writer is not None:
            writer.close()
    except OutputError as exc:
        raise OutputError(f"{video_path}: cannot write the annotated video: {exc}") from exc
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise VideoReadError(f"{video_path}: no frames could be read")
    return out_path
