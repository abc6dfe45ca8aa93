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
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hemispasm.analysis.facemesh import BROW, CHEEK, EYE_CORNERS
from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.types import SIDES, Side, SidePair
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
        group = draw_spasm_group(rng, side, group=len(happenings) + 1, frame_interval_s=frame_s)
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


@dataclass(frozen=True, eq=False)
class EyeDonor:
    """One eye as it looked in one frame of the video's own blinks: a closed (or closing) lid to
    paste over the open eye of another frame."""

    closure: float
    """The eye's measured closure in that frame (0 open, about 0.8-1 shut)."""
    patch: np.ndarray
    """(h, w, 3) uint8, the picture around the eye."""
    anchors: np.ndarray
    """(k, 2) float, the eye's corners, brow and cheek landmarks in the patch's pixels."""


def _anchors(points: np.ndarray, side: Side) -> np.ndarray:
    idx = [*EYE_CORNERS[side], *BROW[side], *CHEEK[side]]
    return np.asarray(points[idx, :2], dtype=np.float64)


def _eye_box(points: np.ndarray, side: Side, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the region pasted around one eye: its width and a half either side,
    from above the brow to below the lower lid."""
    a, b = (points[i, :2] for i in EYE_CORNERS[side])
    w = float(np.linalg.norm(a - b))
    c = 0.5 * (a + b)
    x0, x1 = int(c[0] - 0.95 * w), int(c[0] + 0.95 * w) + 1
    y0, y1 = int(c[1] - 0.8 * w), int(c[1] + 0.55 * w) + 1
    return max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1)


def collect_donors(
    src: str | Path,
    *,
    landmarks: Landmarks,
    closure: SidePair,
    spans: Sequence[tuple[float, float]],
    margin_s: float = 0.1,
) -> dict[Side, list[EyeDonor]]:
    """The eyes of ``src`` in the frames of ``spans`` (its labelled blinks) and ``margin_s``
    around them, with their measured ``closure`` (of the same video), per side."""
    t = landmarks.timestamps_s
    keep = np.zeros(t.size, bool)
    for lo, hi in spans:
        keep |= (t >= lo - margin_s) & (t <= hi + margin_s)
    keep &= landmarks.valid
    donors: dict[Side, list[EyeDonor]] = {s: [] for s in SIDES}
    for i, (_, rgb) in enumerate(iter_frames(src)):
        if i >= keep.size or not keep[i]:
            continue
        for s in SIDES:
            c = float(closure.side(s)[i])
            if not np.isfinite(c):
                continue
            x0, y0, x1, y1 = _eye_box(landmarks.points[i], s, rgb.shape)
            donors[s].append(
                EyeDonor(
                    closure=c,
                    patch=rgb[y0:y1, x0:x1].copy(),
                    anchors=_anchors(landmarks.points[i], s) - (x0, y0),
                )
            )
    return donors


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity (rotation, scale, shift) taking ``src`` points nearest ``dst`` in the
    least-squares sense (Umeyama's method; deterministic, unlike OpenCV's robust estimators)."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(sig) @ d) / max(a.var(axis=0).sum(), 1e-12))
    return np.hstack([scale * rot, (mu_d - scale * rot @ mu_s)[:, None]])


def paste_eye(img: np.ndarray, points: np.ndarray, side: Side, donor: EyeDonor) -> None:
    """Put ``donor``'s eye over ``side``'s eye of ``img`` (in place), aligned on the eye corners,
    brow and cheek landmarks (``points``, the frame's own) by a similarity transform, with a
    feathered edge."""
    m = _similarity(donor.anchors, _anchors(points, side))
    x0, y0, x1, y1 = _eye_box(points, side, img.shape)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0]])
    to_roi = shift @ np.vstack([m, [0.0, 0.0, 1.0]])
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpAffine(donor.patch, to_roi, size, flags=cv2.INTER_LINEAR)
    ph, pw = donor.patch.shape[:2]
    inner = np.zeros((ph, pw), np.float32)
    cv2.ellipse(
        inner,
        (pw // 2, round(0.56 * ph)),
        (max(1, round(0.4 * pw)), max(1, round(0.36 * ph))),
        0,
        0,
        360,
        (1.0,),
        -1,
    )
    soft = cv2.GaussianBlur(inner, (0, 0), sigmaX=max(1.0, 0.06 * pw))
    alpha = cv2.warpAffine(soft, to_roi, size, flags=cv2.INTER_LINEAR)[..., None]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (
        (roi + alpha * (warped.astype(np.float32) - roi)).clip(0, 255).astype(np.uint8)
    )


def _donor_for(donors: list[EyeDonor], level: float, now: float) -> EyeDonor | None:
    """The donor whose closure is nearest ``level`` of the most closed donor's, or None when the
    eye is already that closed in the frame (``now``, its own measured closure): a spasm adds to
    what the real lid does, it does not open an eye the face was narrowing."""
    full = max(d.closure for d in donors)
    want = level * full
    if want <= now + 0.02:
        return None
    return min(donors, key=lambda d: abs(d.closure - want))


def implant_spasms(
    src: str | Path,
    dst: str | Path,
    *,
    landmarks: Landmarks,
    schedule: Schedule,
    donors: dict[Side, list[EyeDonor]] | None = None,
    closure: SidePair | None = None,
) -> Path:
    """Write ``dst``: the frames of ``src`` with the spasms of ``schedule`` drawn on one eye.

    ``landmarks`` are those of ``src`` (one row per decoded frame, in the frame's pixels), as
    :func:`hemispasm.pipeline.analyze_video` returns them. Frames keep their presentation times.

    With ``donors`` (:func:`collect_donors`: the same eye in the video's own blinks), each frame's
    eye is replaced by the donor frame whose closure is nearest the spasm's, aligned on that
    frame's landmarks: a real lid, which the face model reads as it reads a blink. Where the eye
    is already as closed in the frame (its measured ``closure``, of ``src``), it is left as it is.
    Without donors, the lid is warped down as in the synthetic renderer
    (:func:`hemispasm.synth.render.close_eye`).
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
                points = landmarks.points[i].astype(np.float64)
                for s in SIDES:
                    level = min(closing[s], 1.0)
                    if level <= 1e-4:
                        continue
                    if donors and donors.get(s):
                        now = 0.0 if closure is None else float(closure.side(s)[i])
                        donor = _donor_for(donors[s], level, now if np.isfinite(now) else 0.0)
                        if level >= 0.05 and donor is not None:
                            paste_eye(rgb, points, s, donor)
                        continue
                    face = BaseFace(
                        image=rgb,
                        landmarks=points[:, :2],
                        offset=(0.0, 0.0),
                        size=(rgb.shape[1], rgb.shape[0]),
                    )
                    lift = LOWER_LID_LIFT * float(acts.cheek.side(s)[i])
                    close_eye(rgb, eye_geometry(face, s), level, lift)
            writer.write(rgb, timestamp_s=t)
    return dst
