"""MediaPipe FaceMesh (legacy ``solutions`` API, models shipped in the wheel) as a backend."""

from __future__ import annotations

from importlib.metadata import version as _dist_version
from typing import Any

import numpy as np

from hemispasm.analysis.landmarks import N_POINTS

BACKEND_NAME = "mediapipe-facemesh"
"""Name of this backend in cache keys and results."""

_SETTINGS_TAG = "refined"


def backend_version(*, min_detection_confidence: float = 0.5, count_faces_every: int = 10) -> str:
    """Version string of this backend (MediaPipe release plus the settings that shape results)."""
    return (
        f"{_dist_version('mediapipe')}+{_SETTINGS_TAG}"
        f"-det{min_detection_confidence:g}-count{count_faces_every}"
    )


class MediaPipeFaceMesh:
    """FaceMesh with refined eyes (478 points) in video (tracking) mode.

    FaceMesh asked for two faces runs its face detector on every frame while it tracks only one
    (5.7 instead of 3.3 ms a frame at 640x480), so faces are counted apart instead: MediaPipe's face
    detector runs on every ``count_faces_every``-th frame, and the count is carried to the frames
    between. While two or more faces are counted, a two-face FaceMesh takes over and the larger
    face is taken as the subject. One instance uses about one core: run several processes for more
    speed.
    """

    name = BACKEND_NAME

    def __init__(
        self,
        *,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        count_faces_every: int = 10,
    ) -> None:
        for label, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{label} must be in [0, 1], but got {value}")
        if not isinstance(count_faces_every, int) or count_faces_every < 1:
            raise ValueError(
                f"count_faces_every must be a positive integer, but got {count_faces_every!r}"
            )
        from mediapipe.python.solutions import face_detection, face_mesh

        self.version = backend_version(
            min_detection_confidence=min_detection_confidence,
            count_faces_every=count_faces_every,
        )
        options = {
            "static_image_mode": False,
            "refine_landmarks": True,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self._one: Any = face_mesh.FaceMesh(max_num_faces=1, **options)
        self._many: Any = face_mesh.FaceMesh(max_num_faces=2, **options)
        self._detector: Any = face_detection.FaceDetection(
            model_selection=0, min_detection_confidence=min_detection_confidence
        )
        self._every = count_faces_every
        self._calls = 0
        self._counted = 0

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> tuple[np.ndarray | None, int]:
        """Points of the larger face in pixels, float32 (478, 3), or None; and the face count."""
        if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or frame_rgb.dtype != np.uint8:
            raise ValueError(
                f"frame_rgb must be a uint8 (H, W, 3) array, but got {frame_rgb.dtype} "
                f"{frame_rgb.shape}"
            )
        if self._calls % self._every == 0:
            self._counted = len(self._detector.process(frame_rgb).detections or [])
        self._calls += 1
        mesh = self._many if self._counted >= 2 else self._one
        faces = mesh.process(frame_rgb).multi_face_landmarks or []
        n_faces = max(len(faces), self._counted)
        if not faces:
            return None, n_faces
        height, width = frame_rgb.shape[:2]
        best: np.ndarray | None = None
        best_area = -1.0
        for face in faces:
            points = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float32)
            if points.shape != (N_POINTS, 3):
                continue
            span = np.ptp(points[:, :2], axis=0)
            area = float(span[0] * width * span[1] * height)
            if area > best_area:
                best, best_area = points, area
        if best is None:
            return None, n_faces
        best *= np.array([width, height, width], dtype=np.float32)
        return best, n_faces

    def close(self) -> None:
        """Release the MediaPipe graphs."""
        self._one.close()
        self._many.close()
        self._detector.close()

    def __enter__(self) -> MediaPipeFaceMesh:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
