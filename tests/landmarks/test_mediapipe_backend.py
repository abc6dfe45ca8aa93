"""Tests of the MediaPipe backend's own plumbing: quiet native logs, lean import, fast paths."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from mediapipe.framework.formats import landmark_pb2

from hemispasm.analysis.landmarks import N_POINTS
from hemispasm.landmarks.mediapipe_backend import (
    MediaPipeFaceMesh,
    _Graph,
    _normalized_points,
)
from hemispasm.video.reader import iter_frames
from tests.landmarks._videos import face_frame, two_faces_frame


def _landmark_list(xyz: np.ndarray, *, visibility: bool = False) -> bytes:
    message = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in xyz.tolist():
        point = message.landmark.add(x=x, y=y, z=z)
        if visibility:
            point.visibility = 0.5
    return message.SerializeToString()


@pytest.mark.parametrize("visibility", [False, True], ids=["xyz-only", "with-visibility"])
def test_serialized_points_parse_exactly_as_protobuf_does(visibility):
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(N_POINTS, 3)).astype(np.float32)
    xyz[5] = 0.0  # zeros are still written: the fields have explicit presence
    points = _normalized_points(_landmark_list(xyz, visibility=visibility))
    assert points.dtype == np.float32
    np.testing.assert_array_equal(points, xyz)


def test_direct_graph_calls_give_what_process_gives():
    from mediapipe.python.solutions import face_mesh

    options = {"max_num_faces": 1, "refine_landmarks": True, "static_image_mode": False}
    direct = _Graph(face_mesh.FaceMesh, "multi_face_landmarks", **options)
    public = _Graph(face_mesh.FaceMesh, "multi_face_landmarks", **options)
    public._direct = False
    try:
        for dx in (0, 2, -3, 1):
            frame = face_frame(320, 240, dx=dx)
            assert direct.run(frame) == public.run(frame)
    finally:
        direct.close()
        public.close()


@pytest.mark.parametrize("make_frame", [face_frame, two_faces_frame], ids=["one-face", "two-faces"])
def test_the_backend_keeps_native_log_lines_off_stderr(capfd, make_frame):
    capfd.readouterr()
    with MediaPipeFaceMesh() as backend:
        for k in range(12):
            points, _ = backend.process(make_frame(480, 240, dx=k % 3), k / 30)
            assert points is not None
    assert capfd.readouterr().err == ""


def test_the_backend_still_raises_python_errors():
    with MediaPipeFaceMesh() as backend, pytest.raises(ValueError, match="frame_rgb must be"):
        backend.process(np.zeros((4, 4), dtype=np.uint8), 0.0)


def test_helpers_load_only_the_face_part_of_mediapipe(landmark_videos):
    path, _ = landmark_videos["face"]
    script = f"""
import sys
from hemispasm.landmarks.mediapipe_backend import MediaPipeFaceMesh, import_face_solutions_only
from hemispasm.video.reader import iter_frames
import_face_solutions_only()
with MediaPipeFaceMesh() as backend:
    found = [backend.process(rgb, t)[0] is not None for t, rgb in iter_frames({str(path)!r})]
heavy = sorted(m for m in ("matplotlib", "mediapipe.tasks") if m in sys.modules)
print(sum(found), len(found), heavy)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["150", "150", "[]"]
    assert done.stderr == ""


def test_the_lean_import_gives_the_same_points_as_the_full_one(landmark_videos):
    path, _ = landmark_videos["face"]
    frames = [rgb for _, rgb in iter_frames(path, end_s=0.5)]
    with MediaPipeFaceMesh() as backend:
        here = [backend.process(rgb, 0.0)[0] for rgb in frames]
    script = f"""
import sys, numpy as np
from hemispasm.landmarks.mediapipe_backend import MediaPipeFaceMesh, import_face_solutions_only
from hemispasm.video.reader import iter_frames
import_face_solutions_only()
frames = [rgb for _, rgb in iter_frames({str(path)!r}, end_s=0.5)]
with MediaPipeFaceMesh() as backend:
    sys.stdout.buffer.write(np.stack([backend.process(rgb, 0.0)[0] for rgb in frames]).tobytes())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    there = np.frombuffer(done.stdout, dtype=np.float32).reshape(len(frames), N_POINTS, 3)
    np.testing.assert_array_equal(there, np.stack(here))
