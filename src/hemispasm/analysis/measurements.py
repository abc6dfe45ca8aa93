"""Landmarks to per-frame, per-side face signals in a head-pose-normalised face frame.

Each frame gets its own face frame, built from landmarks that a spasm does not move (forehead,
temples, the face outline at ear level, the inner eye corners, the nose bridge):

* origin: midway between the two eye centres (each eye centre is the mean of its two corners);
* ``u`` axis: from the subject's right side of the face to the left (mean of the vectors between
  mirrored landmark pairs);
* ``v`` axis: up the face (forehead minus eye-level midline points, made orthogonal to ``u``);
* ``w`` axis: ``u x v``, out of the face towards the camera;
* unit: the inter-ocular distance (IOD) of the same frame, so zoom cancels out.

Head turns, nods and tilts rotate the frame with the face, so positions expressed in it do not
change; the lid aperture is a ratio of 3-D distances and needs no frame at all. Both rely on the
landmark model's depth (``z``) being roughly right; past ``max_abs_yaw_deg`` and
``max_abs_pitch_deg`` it is not, and those frames are marked unusable.

Sides are the subject's: the subject's right eye is on the left of an un-mirrored image.
"""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.checks import check_params, check_type
from hemispasm.analysis.facemesh import (
    BROW,
    CHEEK,
    EYE_CORNERS,
    IRIS_CENTRE,
    LOWER_LID,
    MOUTH_CORNER,
    UPPER_LID,
)
from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import Measurements, Side, SidePair

# --- FaceMesh indices beyond the shared table of hemispasm.analysis.facemesh ------------------
NOSE_MIDLINE: tuple[int, ...] = (168, 6, 197, 195, 5, 4, 1, 2)
"""Nose bridge to subnasale: the reference for the mouth corner."""
MIRROR_PAIRS: tuple[tuple[int, int], ...] = (
    (33, 263),
    (133, 362),
    (127, 356),
    (234, 454),
    (93, 323),
    (162, 389),
    (21, 251),
    (54, 284),
    (103, 332),
)
"""(subject's right, subject's left) landmark pairs that define the left-right axis."""
FOREHEAD: tuple[int, ...] = (10, 151, 109, 338, 67, 297)
EYE_LEVEL_MIDLINE: tuple[int, ...] = (133, 362, 168, 6)

_PITCH_OFFSET_DEG = -5.5
"""Pitch the face-frame construction reads on a frontal FaceMesh face (measured on the FaceMesh
output of a frontal photograph); subtracted so that a frontal face reads about 0."""
_SHAPE_POINTS = np.arange(0, 468, 4)
"""Every 4th mesh point: enough to tell a landmark glitch from a spasm, at a quarter of the cost."""
_MAX_SHAPE_REFERENCE_FRAMES = 1000
_CHUNK = 1024
_SIGNAL_NAMES = tuple(
    f"{name}_{side}"
    for name in ("aperture", "upper_lid", "brow", "cheek", "mouth_corner", "gaze_x", "gaze_y")
    for side in ("left", "right")
)


def compute_measurements(
    landmarks: Landmarks, params: AnalysisParams | None = None
) -> Measurements:
    """Per-frame lid aperture, brow, cheek and mouth-corner signals and head pose.

    Parameters
    ----------
    landmarks : Landmarks
        ``points`` of shape (T, 478, 3) in pixels, ``valid`` (T,), ``timestamps_s`` (T,).
    params : AnalysisParams, optional
        Uses ``max_abs_yaw_deg``, ``max_abs_pitch_deg``, ``max_abs_roll_deg`` and
        ``max_shape_deviation_iod``. Defaults to ``AnalysisParams()``.

    Returns
    -------
    Measurements
        All arrays of shape (T,), float64. ``aperture`` is the mean of seven upper-to-lower lid
        distances over the eye's corner-to-corner width (dimensionless, about 0.25-0.35 for an open
        eye, 0 when shut). ``brow`` (brow above the eye's corner line), ``cheek`` (cheek below it)
        and ``mouth_corner`` (mouth corner along the up-and-out diagonal from the nose midline) are
        in IOD. Pose angles are in degrees: ``yaw_deg`` > 0 when the subject turns towards their
        own left, ``pitch_deg`` > 0 chin up, ``roll_deg`` > 0 when the head tilts towards the
        subject's left shoulder. Signals are NaN where the frame is not ``usable``; pose is NaN
        where no face was found.

    Raises
    ------
    TypeError
        If ``landmarks`` is not a :class:`Landmarks` or ``params`` not an :class:`AnalysisParams`.

    Examples
    --------
    >>> import numpy as np
    >>> lm = Landmarks(points=np.full((2, 478, 3), np.nan, np.float32), valid=np.zeros(2, bool),
    ...                timestamps_s=np.array([0.0, 0.04]), width=64, height=64,
    ...                n_faces=np.zeros(2, np.int8))
    >>> m = compute_measurements(lm)
    >>> bool(m.usable.any()), bool(np.isnan(m.aperture.left).all())
    (False, True)
    """
    check_type("landmarks", landmarks, Landmarks)
    params = check_params(params)
    points = landmarks.points
    n = landmarks.n_frames
    finite = np.zeros(n, bool)
    for start in range(0, n, _CHUNK):  # in chunks: a whole-video boolean copy would be large
        block = points[start : start + _CHUNK]
        finite[start : start + _CHUNK] = np.isfinite(block.reshape(block.shape[0], -1)).all(axis=1)
    face_found = np.asarray(landmarks.valid, dtype=bool) & finite

    # Work in chunks of frames so that memory stays flat in video length.
    found_idx = np.flatnonzero(face_found)
    step = max(1, found_idx.size // _MAX_SHAPE_REFERENCE_FRAMES)
    sample = found_idx[::step]
    reference = np.zeros((_SHAPE_POINTS.size, 3))
    if sample.size:
        reference = np.median(_measure_chunk(points[sample])["shape"], axis=0)
    names = ("yaw", "pitch", "roll", "iod", "deviation", *_SIGNAL_NAMES)
    out = {name: np.full(n, np.nan) for name in names}
    for start in range(0, found_idx.size, _CHUNK):
        idx = found_idx[start : start + _CHUNK]
        chunk = _measure_chunk(points[idx])
        for name in names:
            if name == "deviation":
                dist = np.linalg.norm(chunk["shape"] - reference[None], axis=2)
                out[name][idx] = np.median(dist, axis=1)
            else:
                out[name][idx] = chunk[name]

    with np.errstate(invalid="ignore"):
        usable = (
            face_found
            & (out["iod"] > 0)
            & (np.abs(out["yaw"]) <= params.max_abs_yaw_deg)
            & (np.abs(out["pitch"]) <= params.max_abs_pitch_deg)
            & (np.abs(out["roll"]) <= params.max_abs_roll_deg)
            & (out["deviation"] <= params.max_shape_deviation_iod)
            & np.isfinite(out["aperture_left"])
            & np.isfinite(out["aperture_right"])
        )

    def masked(x: np.ndarray) -> np.ndarray:
        return _readonly(np.where(usable, x, np.nan))

    def pair(name: str) -> SidePair:
        return SidePair(left=masked(out[f"{name}_left"]), right=masked(out[f"{name}_right"]))

    return Measurements(
        timestamps_s=_readonly(np.array(landmarks.timestamps_s, dtype=np.float64)),
        aperture=pair("aperture"),
        brow=pair("brow"),
        cheek=pair("cheek"),
        mouth_corner=pair("mouth_corner"),
        yaw_deg=_readonly(out["yaw"]),
        pitch_deg=_readonly(out["pitch"]),
        roll_deg=_readonly(out["roll"]),
        face_found=_readonly(face_found.copy()),
        usable=_readonly(usable),
        inter_ocular_px=_readonly(out["iod"]),
        shape_deviation_iod=_readonly(out["deviation"]),
        gaze_x=pair("gaze_x"),
        gaze_y=pair("gaze_y"),
        upper_lid=pair("upper_lid"),
    )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / norm


def _face_frames(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin (T, 3), axes (T, 3, 3) with columns u, v, w, and IOD (T,) in pixels."""
    right_idx = [p[0] for p in MIRROR_PAIRS]
    left_idx = [p[1] for p in MIRROR_PAIRS]
    u = _unit((pts[:, left_idx] - pts[:, right_idx]).mean(axis=1))
    up = pts[:, FOREHEAD].mean(axis=1) - pts[:, EYE_LEVEL_MIDLINE].mean(axis=1)
    v = _unit(up - np.sum(up * u, axis=1, keepdims=True) * u)
    w = np.cross(u, v)
    axes = np.stack([u, v, w], axis=2)
    eye_right = pts[:, EYE_CORNERS["right"]].mean(axis=1)
    eye_left = pts[:, EYE_CORNERS["left"]].mean(axis=1)
    origin = (eye_right + eye_left) / 2.0
    iod = np.linalg.norm(eye_left - eye_right, axis=1)
    return origin, axes, iod


def _pose_angles(axes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Yaw, pitch, roll in degrees from the face-frame axes (image y points down, z away)."""
    u = axes[:, :, 0]
    v = axes[:, :, 1]
    yaw = np.degrees(np.arcsin(np.clip(u[:, 2], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(u[:, 1], u[:, 0]))
    pitch = np.degrees(np.arcsin(np.clip(v[:, 2], -1.0, 1.0))) - _PITCH_OFFSET_DEG
    return yaw, pitch, roll


def _to_face_frame(
    pts: np.ndarray, origin: np.ndarray, axes: np.ndarray, iod: np.ndarray
) -> np.ndarray:
    """Points (T, K, 3) expressed as (u, v, w) in IOD; ``v`` points up the face."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = (pts - origin[:, None, :]) / iod[:, None, None]
    out: np.ndarray = np.einsum("tkc,tcd->tkd", rel, axes)
    return out


def _aperture(pts: np.ndarray, side: Side) -> np.ndarray:
    upper = pts[:, UPPER_LID[side]]
    lower = pts[:, LOWER_LID[side]]
    outer, inner = EYE_CORNERS[side]
    width = np.linalg.norm(pts[:, outer] - pts[:, inner], axis=1)
    gap = np.linalg.norm(upper - lower, axis=2).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(width > 0, gap / width, np.nan)
    return out


def _upper_lid(pts: np.ndarray, side: Side) -> np.ndarray:
    """Height of the upper lid above the line through the eye's corners, over the eye's width.

    Measured in the image plane (x, y), as the aperture's lid gaps are in 3-D: the ratio is what
    matters, and the corner line turns with the head.
    """
    outer, inner = EYE_CORNERS[side]
    a, b = pts[:, outer, :2], pts[:, inner, :2]
    d = b - a
    width = np.linalg.norm(d, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([d[:, 1], -d[:, 0]], axis=1) / width[:, None]
        normal = np.where((normal[:, 1] > 0)[:, None], -normal, normal)  # towards the brow
        rel = pts[:, UPPER_LID[side], :2] - 0.5 * (a + b)[:, None, :]
        out: np.ndarray = (rel * normal[:, None, :]).sum(axis=2).mean(axis=1) / width
    return out


def _measure_chunk(points: np.ndarray) -> dict[str, np.ndarray]:
    """All per-frame quantities of frames (K, 478, 3) that hold a face; ``shape`` is (K, S, 3)."""
    pts = points.astype(np.float64)
    origin, axes, iod = _face_frames(pts)
    yaw, pitch, roll = _pose_angles(axes)
    local = _to_face_frame(pts, origin, axes, iod)
    out = {"yaw": yaw, "pitch": pitch, "roll": roll, "iod": iod, "shape": local[:, _SHAPE_POINTS]}
    nose_u = local[:, NOSE_MIDLINE, 0].mean(axis=1)
    nose_v = local[:, NOSE_MIDLINE, 1].mean(axis=1)
    for side in ("left", "right"):
        eye_v = local[:, EYE_CORNERS[side], 1].mean(axis=1)
        out[f"aperture_{side}"] = _aperture(pts, side)
        out[f"upper_lid_{side}"] = _upper_lid(pts, side)
        out[f"brow_{side}"] = local[:, BROW[side], 1].mean(axis=1) - eye_v
        out[f"cheek_{side}"] = eye_v - local[:, CHEEK[side], 1].mean(axis=1)
        outward = 1.0 if side == "left" else -1.0
        corner = local[:, MOUTH_CORNER[side]]
        out[f"mouth_corner_{side}"] = (
            outward * (corner[:, 0] - nose_u) + (corner[:, 1] - nose_v)
        ) / np.sqrt(2.0)
        corners = local[:, EYE_CORNERS[side], :2]
        eye_width = np.linalg.norm(corners[:, 0] - corners[:, 1], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            gaze = (local[:, IRIS_CENTRE[side], :2] - corners.mean(axis=1)) / eye_width[:, None]
        out[f"gaze_x_{side}"] = gaze[:, 0]
        out[f"gaze_y_{side}"] = gaze[:, 1]
    return out


__all__ = [
    "BROW",
    "CHEEK",
    "EYE_CORNERS",
    "LOWER_LID",
    "MOUTH_CORNER",
    "N_POINTS",
    "UPPER_LID",
    "compute_measurements",
]
