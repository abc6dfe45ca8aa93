import numpy as np
import pytest

from hemispasm.analysis.faces import check_face_presence, check_usable_time
from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.errors import MultipleFacesError, NoFaceError


def landmarks(n_faces: list[int]) -> Landmarks:
    t = len(n_faces)
    faces = np.asarray(n_faces)
    points = np.where(faces[:, None, None] > 0, 100.0, np.nan) * np.ones((t, N_POINTS, 3))
    return Landmarks(points, faces > 0, np.arange(t) / 30.0, 640, 480, faces)


def test_it_accepts_one_face_in_most_frames() -> None:
    check_face_presence(landmarks([1] * 90 + [0] * 10), AnalysisParams(), label="v.mp4")


def test_it_refuses_a_video_without_a_face() -> None:
    with pytest.raises(NoFaceError, match=r"v\.mp4: no face was found in any frame"):
        check_face_presence(landmarks([0] * 100), AnalysisParams(), label="v.mp4")


def test_it_refuses_a_face_lost_for_long_stretches() -> None:
    with pytest.raises(NoFaceError, match="only 30% of frames"):
        check_face_presence(landmarks([1] * 30 + [0] * 70), AnalysisParams(), label="v.mp4")


def test_it_refuses_several_faces() -> None:
    with pytest.raises(MultipleFacesError, match="several faces are in view in 50% of frames"):
        check_face_presence(landmarks([2] * 50 + [1] * 50), AnalysisParams(), label="v.mp4")


def test_it_refuses_too_little_usable_time() -> None:
    with pytest.raises(NoFaceError, match=r"v\.mp4: only 1\.5 s could be measured"):
        check_usable_time(1.5, AnalysisParams(), label="v.mp4")
    check_usable_time(3.0, AnalysisParams(), label="v.mp4")
