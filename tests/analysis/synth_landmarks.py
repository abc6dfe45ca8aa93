"""Synthetic FaceMesh landmark sequences for the analysis tests, made without any model.

A real FaceMesh landmark set (``tests/data/face_478.npy``: FaceMesh, static mode, refined
landmarks, on ``skimage.data.astronaut()``) is animated: the upper lid of each eye moves towards
the lower lid by a closure curve, the mouth corner and cheek move up and out, the whole face is
rotated, scaled and moved, and jitter is added.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from hemispasm.analysis.facemesh import CHEEK, EYE_CORNERS, LOWER_LID, MOUTH_CORNER, UPPER_LID
from hemispasm.analysis.landmarks import Landmarks

FACE = np.load(Path(__file__).resolve().parents[1] / "data" / "face_478.npy").astype(np.float64)
CENTRE = FACE[[33, 133, 263, 362]].mean(axis=0)
IOD = float(np.linalg.norm(FACE[[263, 362]].mean(axis=0) - FACE[[33, 133]].mean(axis=0)))

Curve = Callable[[np.ndarray], np.ndarray] | np.ndarray | float

# Upper-lid contour including the points between the named pairs and the iris, moved with the lid.
_UPPER = {side: np.array(UPPER_LID[side]) for side in ("left", "right")}
_LOWER = {side: np.array(LOWER_LID[side]) for side in ("left", "right")}


def times(duration_s: float, fps: float, t0: float = 0.0) -> np.ndarray:
    """Frame times of a constant-rate video."""
    return t0 + np.arange(round(duration_s * fps)) / fps


def pulse(
    start_s: float, hold_s: float, amplitude: float, ramp_s: float = 0.05
) -> Callable[[np.ndarray], np.ndarray]:
    """A closure: raised-cosine rise over ``ramp_s``, hold for ``hold_s``, raised-cosine fall."""

    def curve(t: np.ndarray) -> np.ndarray:
        rise = np.clip((t - start_s) / ramp_s, 0.0, 1.0)
        fall = np.clip((t - start_s - ramp_s - hold_s) / ramp_s, 0.0, 1.0)
        up = 0.5 - 0.5 * np.cos(np.pi * rise)
        down = 0.5 - 0.5 * np.cos(np.pi * fall)
        return amplitude * (up - down)

    return curve


def total(*curves: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """Sum of closure curves, clipped to [0, 1]."""

    def curve(t: np.ndarray) -> np.ndarray:
        return np.clip(sum((c(t) for c in curves), np.zeros_like(t)), 0.0, 1.0)

    return curve


def _eval(curve: Curve, t: np.ndarray) -> np.ndarray:
    if callable(curve):
        return np.asarray(curve(t), dtype=np.float64)
    return np.broadcast_to(np.asarray(curve, dtype=np.float64), t.shape).copy()


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in image coordinates (x right, y down, z away), angles in degrees."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def make_landmarks(
    t: np.ndarray,
    *,
    closure_left: Curve = 0.0,
    closure_right: Curve = 0.0,
    mouth_left: Curve = 0.0,
    mouth_right: Curve = 0.0,
    cheek_left: Curve = 0.0,
    cheek_right: Curve = 0.0,
    gaze: Curve = 0.0,
    gaze_up: Curve = 0.0,
    yaw_deg: Curve = 0.0,
    pitch_deg: Curve = 0.0,
    roll_deg: Curve = 0.0,
    zoom: Curve = 1.0,
    shift_px: tuple[Curve, Curve] = (0.0, 0.0),
    jitter_px: float = 0.0,
    seed: int = 0,
    valid: np.ndarray | None = None,
) -> Landmarks:
    """Landmarks (T, 478, 3) of the fixture face animated by the given curves of time.

    Closures are the fraction of the lid gap closed (0 open, 1 shut); mouth and cheek movements are
    in inter-ocular distances, up and out (mouth) or up (cheek); ``gaze`` moves both irises
    sideways and ``gaze_up`` moves them up (negative: down), in inter-ocular distances (the eyes
    looking elsewhere); angles in degrees.
    """
    n = t.size
    pts = np.repeat(FACE[None], n, axis=0)
    for side, curve in (("left", closure_left), ("right", closure_right)):
        c = _eval(curve, t)[:, None, None]
        upper, lower = _UPPER[side], _LOWER[side]
        pts[:, upper] = pts[:, upper] + c * (FACE[lower] - FACE[upper])[None]
    for side, curve in (("left", mouth_left), ("right", mouth_right)):
        m = _eval(curve, t) * IOD / np.sqrt(2.0)
        outward = 1.0 if side == "left" else -1.0
        corner = MOUTH_CORNER[side]
        pts[:, corner, 0] += outward * m
        pts[:, corner, 1] -= m
    for side, curve in (("left", cheek_left), ("right", cheek_right)):
        pts[:, list(CHEEK[side]), 1] -= (_eval(curve, t) * IOD)[:, None]
    pts[:, 468:478, 0] += (_eval(gaze, t) * IOD)[:, None]
    pts[:, 468:478, 1] -= (_eval(gaze_up, t) * IOD)[:, None]
    yaw, pitch, roll = (_eval(c, t) for c in (yaw_deg, pitch_deg, roll_deg))
    scale = _eval(zoom, t)
    dx, dy = (_eval(c, t) for c in shift_px)
    for i in range(n):
        rot = _rotation(yaw[i], pitch[i], roll[i])
        pts[i] = (pts[i] - CENTRE) @ rot.T * scale[i] + CENTRE + np.array([dx[i], dy[i], 0.0])
    if jitter_px > 0:
        pts = pts + np.random.default_rng(seed).normal(0.0, jitter_px, pts.shape)
    ok = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    pts[~ok] = np.nan
    return Landmarks(
        points=pts.astype(np.float32),
        valid=ok,
        timestamps_s=t,
        width=512,
        height=512,
        n_faces=ok.astype(np.int8),
    )


__all__ = ["EYE_CORNERS", "FACE", "IOD", "make_landmarks", "pulse", "times", "total"]
