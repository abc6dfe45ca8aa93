"""Is there one analysable face in the video? Refuses videos with no face or several faces."""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.errors import MultipleFacesError, NoFaceError


def check_face_presence(landmarks: Landmarks, params: AnalysisParams, *, label: str) -> None:
    """Raise when the video cannot be analysed because of who is (not) in view.

    Parameters
    ----------
    landmarks : Landmarks
        Output of a landmark backend; ``n_faces`` per frame.
    params : AnalysisParams
        ``min_face_fraction`` and ``max_multi_face_fraction`` are used.
    label : str
        Names the video in the error message (usually its path).

    Raises
    ------
    NoFaceError
        Fewer than ``min_face_fraction`` of the frames show a single face.
    MultipleFacesError
        More than ``max_multi_face_fraction`` of the frames show two or more faces.
    """
    n = landmarks.n_frames
    if n == 0:
        raise NoFaceError(f"{label}: no frames could be decoded, so no face was found")
    n_faces = np.asarray(landmarks.n_faces)
    multi = float(np.mean(n_faces >= 2))
    if multi > params.max_multi_face_fraction:
        raise MultipleFacesError(
            f"{label}: several faces are in view in {multi:.0%} of frames; "
            "record one person at a time"
        )
    found = float(np.mean(landmarks.valid))
    if found == 0.0:
        raise NoFaceError(f"{label}: no face was found in any frame")
    score = face_score(landmarks)
    if score is not None and score < params.min_face_score:
        raise NoFaceError(
            f"{label}: what was tracked does not look like a face (the face detector scored it "
            f"{score:.2f}; real faces score {params.min_face_score:g} or more), so nothing is "
            "analysed"
        )
    if found < params.min_face_fraction:
        raise NoFaceError(
            f"{label}: a face was found in only {found:.0%} of frames "
            f"(at least {params.min_face_fraction:.0%} needed); the face is lost for long stretches"
        )


def face_score(landmarks: Landmarks) -> float | None:
    """The face detector's median score on the checked frames in which a face was tracked, or
    None when it was not recorded (or no such frame was checked).

    Examples
    --------
    >>> lm = Landmarks(points=np.zeros((3, 478, 3), np.float32), valid=np.ones(3, bool),
    ...                timestamps_s=np.arange(3.0), width=64, height=64,
    ...                n_faces=np.ones(3, np.int8),
    ...                detection_score=np.array([0.9, np.nan, 0.95], np.float32))
    >>> round(face_score(lm), 3)
    0.925
    """
    if landmarks.detection_score is None:
        return None
    score = np.asarray(landmarks.detection_score, dtype=np.float64)
    checked = np.isfinite(score) & np.asarray(landmarks.valid, dtype=bool)
    if not checked.any():
        return None
    return float(np.median(score[checked]))


def check_usable_time(usable_duration_s: float, params: AnalysisParams, *, label: str) -> None:
    """Raise when too little of the video could be measured (face turned away, unreliable).

    Raises
    ------
    NoFaceError
        ``usable_duration_s`` is below ``min_video_s``.
    """
    if usable_duration_s < params.min_video_s:
        raise NoFaceError(
            f"{label}: only {usable_duration_s:.1f} s could be measured (at least "
            f"{params.min_video_s:g} s needed); the face was turned away, too small or unclear"
        )
