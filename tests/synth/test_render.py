"""The renderer closes the right eye, leaves the other alone, and moves the head."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.analysis.types import Side
from hemispasm.errors import InvalidParameterError
from hemispasm.synth.face import EYE_CORNERS, LOWER_LID, UPPER_LID, BaseFace, load_base_face
from hemispasm.synth.render import FaceState, Pose, Renderer


@pytest.fixture(scope="module")
def face() -> BaseFace:
    return load_base_face(size=(320, 240))


@pytest.fixture()
def renderer(face: BaseFace) -> Renderer:
    return Renderer(face, rng=np.random.default_rng(0), noise_sigma=0.0)


def eye_box(face: BaseFace, side: Side) -> tuple[slice, slice]:
    """Output-frame slices around the eye of ``side`` (identity pose)."""
    idx = (*UPPER_LID[side], *LOWER_LID[side], *EYE_CORNERS[side])
    pts = face.points(idx) - np.array(face.offset)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    return slice(y0, y1 + 1), slice(x0, x1 + 1)


def eye_change(a: np.ndarray, b: np.ndarray, box: tuple[slice, slice]) -> float:
    return float(np.abs(a[box].astype(float) - b[box].astype(float)).mean())


def test_the_subjects_left_eye_is_on_the_images_right(face: BaseFace) -> None:
    assert face.landmarks[263, 0] > face.landmarks[33, 0]


def test_the_face_fills_a_clinic_close_up(face: BaseFace) -> None:
    assert 0.55 <= face.face_height_px / face.size[1] <= 0.7


@pytest.mark.parametrize("side", ["left", "right"])
def test_full_closure_covers_the_eye_and_leaves_the_other_unchanged(
    renderer: Renderer, face: BaseFace, side: Side
) -> None:
    other: Side = "right" if side == "left" else "left"
    rest = renderer.frame(FaceState(), Pose())
    closed = renderer.frame(FaceState(**{f"closure_{side}": 1.0}), Pose())
    half = renderer.frame(FaceState(**{f"closure_{side}": 0.5}), Pose())
    assert eye_change(rest, closed, eye_box(face, side)) > 12.0
    assert eye_change(rest, half, eye_box(face, side)) > 3.0
    assert eye_change(rest, closed, eye_box(face, side)) > eye_change(
        rest, half, eye_box(face, side)
    )
    assert eye_change(rest, closed, eye_box(face, other)) == 0.0


def test_a_closed_eye_hides_the_dark_iris(renderer: Renderer, face: BaseFace) -> None:
    rest = renderer.frame(FaceState(), Pose())
    closed = renderer.frame(FaceState(closure_left=1.0), Pose())
    box = eye_box(face, "left")
    # The darkest pixels of an open eye are the iris and pupil; a closed lid is skin.
    assert (
        np.percentile(closed[box].mean(axis=2), 5) > np.percentile(rest[box].mean(axis=2), 5) + 15
    )


def test_the_mouth_corner_moves_only_on_its_side(renderer: Renderer, face: BaseFace) -> None:
    rest = renderer.frame(FaceState(), Pose())
    pulled = renderer.frame(FaceState(mouth_right=1.0), Pose())
    diff = np.abs(rest.astype(float) - pulled.astype(float)).sum(axis=2)
    ox, oy = face.offset
    xr, yr = face.landmarks[61] - (ox, oy)
    xl, yl = face.landmarks[291] - (ox, oy)
    r = 6
    assert diff[int(yr) - r : int(yr) + r, int(xr) - r : int(xr) + r].mean() > 10
    assert diff[int(yl) - r : int(yl) + r, int(xl) - r : int(xl) + r].mean() == 0.0


def test_rendering_is_deterministic_from_the_rng(face: BaseFace) -> None:
    state, pose = FaceState(closure_left=0.7, cheek_left=0.5), Pose(roll_deg=2.0, gain=1.05)
    a = Renderer(face, rng=np.random.default_rng(5)).frame(state, pose)
    b = Renderer(face, rng=np.random.default_rng(5)).frame(state, pose)
    np.testing.assert_array_equal(a, b)


def test_head_motion_moves_the_picture(renderer: Renderer) -> None:
    rest = renderer.frame(FaceState(), Pose())
    assert rest.shape == (240, 320, 3)
    assert rest.dtype == np.uint8
    for pose in (Pose(roll_deg=3.0), Pose(yaw_deg=3.0), Pose(zoom=1.05), Pose(shift_x=0.03)):
        moved = renderer.frame(FaceState(), pose)
        assert np.abs(moved.astype(float) - rest.astype(float)).mean() > 2.0


def test_it_rejects_a_negative_noise_level(face: BaseFace) -> None:
    with pytest.raises(InvalidParameterError, match="noise_sigma must be between 0 and 50"):
        Renderer(face, rng=np.random.default_rng(0), noise_sigma=-1.0)


def test_load_base_face_rejects_a_tiny_size() -> None:
    with pytest.raises(InvalidParameterError, match=r"size must be two integers >= 64"):
        load_base_face(size=(32, 240))
