"""The landmark record passed from the landmark backends to the analysis core.

Coordinates stay float32 in pixels (sub-pixel motion is what a twitch is made of). Frames without a
usable face hold NaN and ``valid == False``; never uninitialised memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_POINTS = 478
"""FaceMesh with refined eye landmarks (iris points 468-477)."""


@dataclass(frozen=True, eq=False)
class Landmarks:
    """Face landmarks of one video, one row per decoded frame.

    Parameters
    ----------
    points : ndarray of float32, shape (T, 478, 3)
        x and y in pixels of the (rotated, un-mirrored) frame, origin top-left; z in the same pixel
        scale as x (MediaPipe's relative depth times the frame width). NaN where ``valid`` is False.
    valid : ndarray of bool, shape (T,)
        True where a face was found in the frame (with several, the largest is kept).
    timestamps_s : ndarray of float64, shape (T,)
        Presentation time of each frame in seconds, strictly increasing.
    width, height : int
        Frame size in pixels after rotation.
    n_faces : ndarray of int8, shape (T,)
        Number of faces the backend saw in each frame (0, 1, 2, ...).
    detection_score : ndarray of float32, shape (T,), optional
        The best score (0-1) of the backend's face detector on the frames it checked (every
        30th; 0 where it found no face), NaN on the others; None when the backend did not say.
        The landmark tracker can follow something that is not a face: the detector's score
        tells.
    """

    points: np.ndarray
    valid: np.ndarray
    timestamps_s: np.ndarray
    width: int
    height: int
    n_faces: np.ndarray
    detection_score: np.ndarray | None = None

    def __post_init__(self) -> None:
        points = np.asarray(self.points)
        if points.ndim != 3 or points.shape[1:] != (N_POINTS, 3):
            raise ValueError(f"points must have shape (T, {N_POINTS}, 3), but got {points.shape}")
        t = points.shape[0]
        for name in ("valid", "timestamps_s", "n_faces"):
            shape = np.shape(getattr(self, name))
            if shape != (t,):
                raise ValueError(f"{name} must have shape ({t},), but got {shape}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"width and height must be positive, but got {self.width}x{self.height}"
            )
        ts = np.asarray(self.timestamps_s, dtype=np.float64)
        if t > 1 and not np.all(np.diff(ts) > 0):
            raise ValueError("timestamps_s must be strictly increasing")
        # Store read-only float32 / bool arrays so no stage can mutate a shared array. A read-only
        # float32 array is kept as it is: at 5.7 kB a frame, a copy of a long video's points
        # would cost hundreds of MB.
        if points.dtype != np.float32 or points.flags.writeable:
            points = points.astype(np.float32, copy=True)
        object.__setattr__(self, "points", _frozen(points))
        object.__setattr__(self, "valid", _frozen(np.asarray(self.valid, dtype=bool).copy()))
        object.__setattr__(self, "timestamps_s", _frozen(ts.copy()))
        object.__setattr__(self, "n_faces", _frozen(np.asarray(self.n_faces, dtype=np.int8).copy()))
        if self.detection_score is not None:
            score = np.asarray(self.detection_score, dtype=np.float32).copy()
            if score.shape != (t,):
                raise ValueError(f"detection_score must have shape ({t},), but got {score.shape}")
            object.__setattr__(self, "detection_score", _frozen(score))

    @property
    def n_frames(self) -> int:
        """Number of frames (T)."""
        return int(self.points.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first to the last frame plus one median frame interval."""
        if self.n_frames == 0:
            return 0.0
        if self.n_frames == 1:
            return 0.0
        dt = float(np.median(np.diff(self.timestamps_s)))
        return float(self.timestamps_s[-1] - self.timestamps_s[0] + dt)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a
