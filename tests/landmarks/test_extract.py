"""Tests of landmark extraction with MediaPipe FaceMesh, in one process and in several."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hemispasm.analysis.landmarks import N_POINTS
from hemispasm.errors import VideoReadError
from hemispasm.landmarks import extract
from hemispasm.landmarks.backend import LandmarkBackend
from hemispasm.landmarks.extract import _Claims, extract_landmarks
from hemispasm.landmarks.mediapipe_backend import MediaPipeFaceMesh


@pytest.fixture(scope="module")
def face_landmarks(landmark_videos):
    path, info = landmark_videos["face"]
    return extract_landmarks(path, info=info, workers=1)


def test_the_backend_meets_the_protocol():
    with MediaPipeFaceMesh() as backend:
        assert isinstance(backend, LandmarkBackend)
        assert backend.name == "mediapipe-facemesh"
        assert "0.10.21" in backend.version


def test_a_face_video_gives_valid_landmarks_inside_the_frame(face_landmarks, landmark_videos):
    _, info = landmark_videos["face"]
    lm = face_landmarks
    assert lm.n_frames == 150
    assert lm.valid.mean() > 0.95
    assert lm.points.shape == (150, N_POINTS, 3)
    xy = lm.points[lm.valid, :, :2]
    assert np.all((xy[..., 0] >= 0) & (xy[..., 0] < info.width))
    assert np.all((xy[..., 1] >= 0) & (xy[..., 1] < info.height))
    assert np.all(lm.n_faces[lm.valid] == 1)
    assert (lm.width, lm.height) == (320, 240)


def _same_with_nan(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.fixture
def one_second_segments(monkeypatch):
    """Cut every 1 s, so the 5 s face video has five segments (the cut is made in this process)."""
    monkeypatch.setattr(extract, "_SEGMENT_S", 1.0)


@pytest.mark.usefixtures("one_second_segments")
def test_two_workers_give_the_same_landmarks_as_one(landmark_videos):
    path, info = landmark_videos["face"]
    assert len(extract.segment_edges(info.duration_s)) == 4
    lm1 = extract_landmarks(path, info=info, workers=1)
    calls = []
    lm2 = extract_landmarks(path, info=info, workers=2, progress=lambda d, t: calls.append((d, t)))
    lm3 = extract_landmarks(path, info=info, workers=3)
    assert lm1.valid.mean() > 0.95
    for other in (lm2, lm3):
        np.testing.assert_array_equal(other.timestamps_s, lm1.timestamps_s)
        np.testing.assert_array_equal(other.valid, lm1.valid)
        np.testing.assert_array_equal(other.n_faces, lm1.n_faces)
        assert _same_with_nan(other.points, lm1.points)
    assert calls[-1] == (150, 150)
    assert all(d2 >= d1 for (d1, _), (d2, _) in itertools.pairwise(calls))


def test_segments_are_cut_every_five_seconds_whatever_the_workers():
    assert extract.segment_edges(60.0) == [5.0 * k for k in range(1, 12)]
    assert extract.segment_edges(62.0) == extract.segment_edges(60.0)  # the last runs to the end
    assert extract.segment_edges(58.0) == extract.segment_edges(60.0)
    assert extract.segment_edges(7.0) == []  # 7 s: one segment
    assert extract.segment_edges(8.0) == [5.0]
    assert extract.segment_edges(5.0) == []
    assert extract.segment_edges(0.0) == []  # duration unknown: one segment


def test_downscaled_landmarks_are_in_full_frame_pixels(face_landmarks, landmark_videos):
    path, info = landmark_videos["face"]
    small = extract_landmarks(path, info=info, workers=1, max_side=160)
    both = small.valid & face_landmarks.valid
    assert both.mean() > 0.9
    diff = np.abs(small.points[both, :, :2] - face_landmarks.points[both, :, :2])
    assert np.median(diff) < 2.0


def test_a_blank_video_has_no_valid_frame(landmark_videos):
    path, info = landmark_videos["gray"]
    lm = extract_landmarks(path, info=info, workers=1)
    assert lm.n_frames == 30
    assert not lm.valid.any()
    assert np.isnan(lm.points).all()
    assert np.all(lm.n_faces == 0)


def test_two_faces_side_by_side_are_counted(landmark_videos):
    path, info = landmark_videos["two_faces"]
    lm = extract_landmarks(path, info=info, workers=1)
    assert np.mean(lm.n_faces == 2) > 0.9
    assert lm.valid.mean() > 0.9


def test_it_rejects_zero_workers(landmark_videos):
    path, info = landmark_videos["gray"]
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        extract_landmarks(path, info=info, workers=0)


def test_a_read_error_in_a_worker_comes_back_as_itself(landmark_videos, tmp_path):
    _, info = landmark_videos["face"]
    broken = tmp_path / "broken.mp4"
    broken.write_text("no longer a video")
    with pytest.raises(VideoReadError, match=r"broken\.mp4: cannot open as a video"):
        extract_landmarks(broken, info=info, workers=2)


def test_claims_hand_out_every_segment_once_whatever_is_asked():
    rng = np.random.default_rng(3)
    claims = _Claims([0] * 9)
    got = []
    while (k := claims.claim(int(rng.integers(-2, 12)))) is not None:
        got.append(k)
    assert sorted(got) == list(range(9))
    assert claims.claim(0) is None


def test_a_free_next_segment_is_given_so_decoding_runs_on():
    claims = _Claims([1, 0, 0, 0, 1, 0])
    assert claims.claim(1) == 1
    assert claims.claim(2) == 2


def test_a_taken_segment_gives_the_middle_of_the_longest_free_run():
    claims = _Claims([1, 0, 1, 0, 0, 0, 0, 1, 0])
    assert claims.claim(2) == 5  # run 3..6: its owner keeps 3 and 4 in a row
    assert claims.claim(None) == 4  # 3..4 is now the longest: 3 stays next to 2
