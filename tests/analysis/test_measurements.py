"""compute_measurements: pose-free signals that follow the lids and ignore head motion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.measurements import compute_measurements
from hemispasm.analysis.params import AnalysisParams
from tests.analysis.synth_landmarks import FACE, make_landmarks, pulse, times


def test_a_closing_lid_shrinks_only_its_own_eyes_aperture() -> None:
    t = times(2, 30)
    m = compute_measurements(make_landmarks(t, closure_left=pulse(0.5, 0.3, 0.8)))
    left, right = m.aperture.left, m.aperture.right
    assert left.min() == pytest.approx(0.2 * left[0], rel=1e-3)
    np.testing.assert_allclose(right, right[0], rtol=1e-5)


def test_a_raised_mouth_corner_and_cheek_move_their_own_side() -> None:
    t = times(2, 30)
    lm = make_landmarks(t, mouth_right=pulse(0.5, 0.3, 0.05), cheek_right=pulse(0.5, 0.3, 0.03))
    m = compute_measurements(lm)
    assert m.mouth_corner.right.max() - m.mouth_corner.right[0] == pytest.approx(0.05, abs=2e-3)
    assert m.cheek.right[0] - m.cheek.right.min() == pytest.approx(0.03, abs=2e-3)
    np.testing.assert_allclose(m.mouth_corner.left, m.mouth_corner.left[0], atol=1e-5)
    np.testing.assert_allclose(m.cheek.left, m.cheek.left[0], atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(
    yaw=st.floats(-25, 25),
    pitch=st.floats(-20, 20),
    roll=st.floats(-30, 30),
    zoom=st.floats(0.5, 2.0),
    dx=st.floats(-100, 100),
)
def test_head_pose_and_zoom_leave_the_signals_unchanged(
    yaw: float, pitch: float, roll: float, zoom: float, dx: float
) -> None:
    t = times(0.2, 30)
    still = compute_measurements(make_landmarks(t))
    moved = compute_measurements(
        make_landmarks(t, yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll, zoom=zoom, shift_px=(dx, 0))
    )
    for name in ("aperture", "brow", "cheek", "mouth_corner"):
        for side in ("left", "right"):
            a = getattr(still, name).side(side)
            b = getattr(moved, name).side(side)
            np.testing.assert_allclose(b, a, atol=2e-3, err_msg=f"{name}.{side}")
    assert moved.usable.all()


def test_pose_angles_have_the_documented_signs() -> None:
    t = times(0.1, 30)
    base = compute_measurements(make_landmarks(t))
    m = compute_measurements(make_landmarks(t, yaw_deg=20.0, roll_deg=10.0))
    assert m.yaw_deg[0] - base.yaw_deg[0] == pytest.approx(20.0, abs=1.5)
    assert m.roll_deg[0] - base.roll_deg[0] == pytest.approx(10.0, abs=1.5)
    assert abs(base.pitch_deg[0]) < 2.0


def test_frames_turned_past_the_limit_or_without_a_face_are_unusable_and_nan() -> None:
    t = times(1, 10)
    valid = np.ones(t.size, bool)
    valid[2] = False
    yaw = np.where(np.arange(t.size) == 5, 50.0, 0.0)
    m = compute_measurements(make_landmarks(t, yaw_deg=yaw, valid=valid))
    assert not m.face_found[2] and m.face_found[5]
    assert not m.usable[2] and not m.usable[5]
    assert np.isnan(m.aperture.left[[2, 5]]).all()
    assert np.isnan(m.yaw_deg[2]) and m.yaw_deg[5] > 40
    assert m.usable.sum() == t.size - 2


def test_a_landmark_glitch_is_unusable() -> None:
    lm = make_landmarks(times(1, 10))
    pts = np.array(lm.points)
    rng = np.random.default_rng(3)
    pts[4] += rng.normal(0, 20, pts[4].shape).astype(np.float32)
    glitch = Landmarks(pts, lm.valid, lm.timestamps_s, lm.width, lm.height, lm.n_faces)
    m = compute_measurements(glitch)
    assert not m.usable[4]
    assert m.usable.sum() == 9


def test_outputs_are_read_only_and_the_input_is_unchanged() -> None:
    lm = make_landmarks(times(1, 10), closure_left=0.3)
    before = np.array(lm.points)
    m = compute_measurements(lm, AnalysisParams())
    np.testing.assert_array_equal(lm.points, before)
    with pytest.raises(ValueError, match="read-only"):
        m.aperture.left[0] = 1.0


def test_it_rejects_the_wrong_argument_types() -> None:
    with pytest.raises(TypeError, match="landmarks must be a Landmarks, but got ndarray"):
        compute_measurements(np.zeros((1, 478, 3)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="params must be an AnalysisParams, but got dict"):
        compute_measurements(make_landmarks(times(1, 10)), {})  # type: ignore[arg-type]


def test_landmarks_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"points must have shape \(T, 478, 3\)"):
        Landmarks(np.zeros((2, 468, 3)), np.ones(2, bool), np.arange(2.0), 10, 10, np.ones(2))


@pytest.mark.parametrize("angle", [10.0, -10.0])
def test_pitch_is_positive_when_the_chin_goes_up(angle: float) -> None:
    t = times(0.1, 30)
    base = compute_measurements(make_landmarks(t))
    lm = make_landmarks(t, pitch_deg=angle)
    pts = np.asarray(lm.points[0], dtype=np.float64)
    # Image y points down and z away from the camera: with the chin up, the chin comes forward
    # (smaller z) and the forehead goes back, and the chin rises in the image relative to its rest.
    chin_up = pts[152, 2] - pts[10, 2] < FACE[152, 2] - FACE[10, 2]
    change = compute_measurements(lm).pitch_deg[0] - base.pitch_deg[0]
    assert change == pytest.approx(abs(angle) if chin_up else -abs(angle), abs=1.5)
