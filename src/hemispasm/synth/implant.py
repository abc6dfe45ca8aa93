"""Spasms put into a real face video: one eye's lid drawn down over the real picture.

A real recording keeps everything a generator gets wrong (its own blinks, unequal between the
eyes, talking, glasses, light, compression); only the spasms are added. Each frame's own FaceMesh
landmarks place the lids, and the same lid warp as the synthetic renderer
(:func:`hemispasm.synth.render.close_eye`) lowers the upper lid and lifts the lower one. The
truth is then the video's hand-labelled blinks plus the spasms put in.

:func:`plan_spasms` is pure (times in, schedule out); :func:`implant_spasms` reads and writes the
videos.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.types import SIDES, Side
from hemispasm.errors import InvalidParameterError
from hemispasm.synth.face import BaseFace
from hemispasm.synth.render import LOWER_LID_LIFT, close_eye, eye_geometry
from hemispasm.synth.schedule import (
    LEAD_IN_S,
    LEAD_OUT_S,
    SPASM_RATE_PER_MIN,
    Happening,
    Schedule,
    draw_spasm_group,
)
from hemispasm.video.reader import iter_frames, probe_video
from hemispasm.video.writer import VideoWriter

KEEP_CLEAR_S = 0.25
"""A spasm put in starts and ends at least this far from a labelled event, an excluded span or
another spasm group put in (closer, the lids would be warped while they are still moving)."""

_GRID_S = 0.01


def plan_spasms(
    *,
    times_s: np.ndarray,
    valid: np.ndarray,
    blocked: Sequence[tuple[float, float]],
    side: Side,
    rng: np.random.Generator,
    rate_per_min: float | None = None,
) -> Schedule:
    """Lay one-sided spasm groups into the free time of a real video.

    Parameters
    ----------
    times_s : ndarray of float, shape (T,)
        The video's frame times.
    valid : ndarray of bool, shape (T,)
        Frames with a face; a spasm is only put where every frame it covers has one.
    blocked : sequence of (start_s, end_s)
        Time the spasms keep ``KEEP_CLEAR_S`` away from: the labelled events and excluded spans.
    side : {"left", "right"}
        The eye the spasms close.
    rng : numpy.random.Generator
        The same state gives the same plan.
    rate_per_min : float, optional
        Spasm events per minute of video to aim for; drawn from the synthetic generator's range
        when not given. Fewer are laid when the free time runs out.

    Returns
    -------
    Schedule
        The spasms only (``spasms`` True), in time order.
    """
    t = np.asarray(times_s, dtype=np.float64)
    ok = np.asarray(valid, dtype=bool)
    if t.ndim != 1 or t.size < 2 or ok.shape != t.shape:
        raise InvalidParameterError(
            f"times_s and valid must be 1-D of the same length >= 2, but got {t.shape} and "
            f"{ok.shape}"
        )
    if side not in SIDES:
        raise InvalidParameterError(f"side must be 'left' or 'right', but got {side!r}")
    duration = float(t[-1])
    frame_s = float(np.median(np.diff(t)))
    grid = np.arange(0.0, duration + _GRID_S, _GRID_S)
    free = (grid >= t[0] + LEAD_IN_S) & (grid <= duration - LEAD_OUT_S)
    # No face in a frame: the time up to its neighbours is not free.
    for i in np.flatnonzero(~ok):
        lo = t[i - 1] if i > 0 else t[i]
        hi = t[i + 1] if i + 1 < t.size else t[i]
        free &= ~((grid >= lo) & (grid <= hi))
    for lo, hi in blocked:
        free &= ~((grid >= lo - KEEP_CLEAR_S) & (grid <= hi + KEEP_CLEAR_S))
    rate = float(rng.uniform(*SPASM_RATE_PER_MIN)) if rate_per_min is None else rate_per_min
    wanted = round(rate * duration / 60.0)
    happenings: list[Happening] = []
    count = 0
    failures = 0
    while count < wanted and failures < 20:
        group = draw_spasm_group(
            rng, side, group=len(happenings) + 1, frame_interval_s=frame_s
        )
        a = min(h.t0_s for h in group)
        b = max(h.t1_s for h in group)
        need = int(np.ceil((b - a) / _GRID_S)) + 1
        if need > grid.size:
            failures += 1
            continue
        # Starts whose whole span is free.
        window = np.lib.stride_tricks.sliding_window_view(free, need).all(axis=1)
        starts = np.flatnonzero(window)
        if starts.size == 0:
            failures += 1
            continue
        k = int(starts[rng.integers(starts.size)])
        placed = [h.shifted(grid[k] - a) for h in group]
        happenings += placed
        count += len(placed)
        free &= ~((grid >= grid[k] - KEEP_CLEAR_S) & (grid <= grid[k] + (b - a) + KEEP_CLEAR_S))
    happenings.sort(key=lambda h: h.t0_s)
    return Schedule(duration_s=duration, side=side, spasms=True, happenings=tuple(happenings))


def implant_spasms(
    src: str | Path, dst: str | Path, *, landmarks: Landmarks, schedule: Schedule
) -> Path:
    """Write ``dst``: the frames of ``src`` with the spasms of ``schedule`` drawn on one eye.

    ``landmarks`` are those of ``src`` (one row per decoded frame, in the frame's pixels), as
    :func:`hemispasm.pipeline.analyze_video` returns them. Frames keep their presentation times.
    """
    info = probe_video(src)
    acts = schedule.activations(landmarks.timestamps_s)
    dst = Path(dst)
    fps = info.fps_nominal if info.fps_nominal > 0 else 30.0
    with VideoWriter(dst, fps=fps, width=info.width, height=info.height, crf=18) as writer:
        for i, (t, rgb) in enumerate(iter_frames(src)):
            if i >= landmarks.valid.size or abs(t - float(landmarks.timestamps_s[i])) > 1e-3:
                raise InvalidParameterError(
                    f"landmarks do not belong to {str(src)!r}: frame {i} is at {t:.4f} s"
                )
            closing = {s: float(acts.closure.side(s)[i]) for s in SIDES}
            if landmarks.valid[i] and any(c > 1e-4 for c in closing.values()):
                face = BaseFace(
                    image=rgb,
                    landmarks=landmarks.points[i, :, :2].astype(np.float64),
                    offset=(0.0, 0.0),
                    size=(rgb.shape[1], rgb.shape[0]),
                )
                for s in SIDES:
                    if closing[s] > 1e-4:
                        lift = LOWER_LID_LIFT * float(acts.cheek.side(s)[i])
                        close_eye(rgb, eye_geometry(face, s), min(closing[s], 1.0), lift)
            writer.write(rgb, timestamp_s=t)
    return dst
