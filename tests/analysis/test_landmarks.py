import numpy as np
import pytest

from hemispasm.analysis.landmarks import N_POINTS, Landmarks


def make(points: np.ndarray) -> Landmarks:
    t = points.shape[0]
    return Landmarks(points, np.ones(t, bool), np.arange(t) / 30.0, 640, 480, np.ones(t, np.int8))


def test_it_copies_a_writeable_array_so_the_caller_cannot_change_it() -> None:
    points = np.zeros((3, N_POINTS, 3), np.float32)
    lm = make(points)
    points[0, 0, 0] = 5.0
    assert lm.points[0, 0, 0] == 0.0
    assert not lm.points.flags.writeable


def test_it_keeps_a_read_only_float32_array_without_a_copy() -> None:
    points = np.zeros((3, N_POINTS, 3), np.float32)
    points.setflags(write=False)
    assert np.shares_memory(make(points).points, points)


def test_it_rejects_wrong_shapes_and_times() -> None:
    with pytest.raises(ValueError, match=r"points must have shape \(T, 478, 3\)"):
        make(np.zeros((3, 468, 3), np.float32))
    with pytest.raises(ValueError, match="timestamps_s must be strictly increasing"):
        Landmarks(np.zeros((2, N_POINTS, 3)), np.ones(2, bool), np.zeros(2), 640, 480, np.ones(2))
