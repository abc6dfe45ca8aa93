"""MediaPipe FaceMesh (legacy ``solutions`` API, models shipped in the wheel) as a backend."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from importlib.metadata import version as _dist_version
from typing import Any

import numpy as np

from hemispasm.analysis.landmarks import N_POINTS

BACKEND_NAME = "mediapipe-facemesh"
"""Name of this backend in cache keys and results."""

_SETTINGS_TAG = "refined"

# A serialized NormalizedLandmarkList whose landmarks carry x, y and z only (what FaceMesh gives):
# per landmark, field 1 of length 15 (0x0a 0x0f), then x, y, z as fixed32 fields 1-3.
_LANDMARK_BYTES = 17
_LAYOUT = ((0, 0x0A), (1, 0x0F), (2, 0x0D), (7, 0x15), (12, 0x1D))
_XYZ_BYTES = np.r_[3:7, 8:12, 13:17]


def backend_version(*, min_detection_confidence: float = 0.5, count_faces_every: int = 30) -> str:
    """Version string of this backend (MediaPipe release plus the settings that shape results)."""
    return (
        f"{_dist_version('mediapipe')}+{_SETTINGS_TAG}"
        f"-det{min_detection_confidence:g}-count{count_faces_every}"
    )


def import_face_solutions_only() -> None:
    """Import MediaPipe's face_mesh and face_detection without the rest of MediaPipe.

    ``import mediapipe`` also loads every other solution, the drawing utilities (and with them
    matplotlib's pyplot), OpenCV and the Tasks API: about 0.45 s of a process's start, for nothing
    FaceMesh needs. This registers the two package modules whose ``__init__`` does that as empty
    packages and imports the two solutions below them. Meant for the helper processes of
    :func:`hemispasm.landmarks.extract.extract_landmarks`, which run nothing else: a plain
    ``import mediapipe`` later in the same process would get the empty package. Does nothing if
    MediaPipe is already imported.
    """
    if "mediapipe" in sys.modules:
        return
    stubbed = []
    try:
        for name in ("mediapipe", "mediapipe.python.solutions"):
            spec = importlib.util.find_spec(name)  # imports the parents of a submodule
            if spec is None or spec.submodule_search_locations is None:
                raise ImportError(f"{name} is not a package")
            sys.modules[name] = importlib.util.module_from_spec(spec)
            stubbed.append(name)
        from mediapipe.python.solutions import face_detection, face_mesh  # noqa: F401
    except BaseException:
        for name in stubbed:
            sys.modules.pop(name, None)
        raise


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for a while, for the C++ log lines of MediaPipe.

    MediaPipe's graphs (absl logging, TensorFlow Lite) write straight to file descriptor 2, which
    no Python setting reaches. Python exceptions are not affected: they travel as exceptions.
    """
    if sys.stderr is not None:
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 at all: nothing to protect
        saved = None
    if saved is None:
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Graph:
    """One MediaPipe solution graph, fed one RGB frame at a time; gives its output serialized.

    Goes to the graph directly rather than through ``SolutionBase.process`` (which builds a named
    tuple type and parses every output into Python protobuf objects on each call, about 0.3 ms a
    frame), with the same timestamps; falls back to ``process`` if MediaPipe's internals differ.
    ``warm`` turns True once the graph has given a non-empty output: MediaPipe writes its log
    lines while a graph starts (partly from its own threads) and when the first face reaches a
    calculator, so until then the caller keeps them off stderr.
    """

    def __init__(self, factory: Any, output: str, **options: Any) -> None:
        self._solution = factory(**options)
        self._output = output
        self.warm = False
        self._direct = all(
            hasattr(self._solution, name)
            for name in ("_graph", "_graph_outputs", "_simulated_timestamp")
        )
        if self._direct:
            from mediapipe.python import packet_creator
            from mediapipe.python._framework_bindings import _packet_getter, image_frame

            self._create_image = packet_creator.create_image_frame
            self._srgb = image_frame.ImageFormat.SRGB
            self._serialized_list = _packet_getter._get_serialized_proto_list

    def run(self, frame_rgb: np.ndarray) -> list[bytes]:
        """The graph's output for one frame: a list of serialized protobuf messages."""
        out = self._run(frame_rgb)
        if out:
            self.warm = True
        return out

    def _run(self, frame_rgb: np.ndarray) -> list[bytes]:
        solution = self._solution
        if not self._direct:
            found = getattr(solution.process(frame_rgb), self._output) or []
            return [message.SerializeToString() for message in found]
        # What SolutionBase.process does for a single image input.
        solution._graph_outputs.clear()
        solution._simulated_timestamp += 33333
        packet = self._create_image(frame_rgb, image_format=self._srgb)
        solution._graph.add_packet_to_input_stream(
            stream="image", packet=packet.at(solution._simulated_timestamp)
        )
        solution._graph.wait_until_idle()
        result = solution._graph_outputs.get(self._output)
        if result is None or result.is_empty():
            return []
        return list(self._serialized_list(result))

    def close(self) -> None:
        self._solution.close()


def _score(message: bytes) -> float:
    """The score of a serialized Detection (its best label's), 0 if it has none."""
    from mediapipe.framework.formats import detection_pb2

    scores = detection_pb2.Detection.FromString(message).score
    return float(max(scores, default=0.0))


def _normalized_points(message: bytes) -> np.ndarray:
    """The (x, y, z) of a serialized NormalizedLandmarkList, float32 (n, 3), exactly as stored."""
    raw = np.frombuffer(message, dtype=np.uint8)
    if raw.size % _LANDMARK_BYTES == 0:
        rows = raw.reshape(-1, _LANDMARK_BYTES)
        if all(np.all(rows[:, col] == tag) for col, tag in _LAYOUT):
            xyz = np.ascontiguousarray(rows[:, _XYZ_BYTES])
            return xyz.view("<f4").astype(np.float32, copy=False)
    from mediapipe.framework.formats import landmark_pb2

    parsed = landmark_pb2.NormalizedLandmarkList.FromString(message)
    return np.array([(p.x, p.y, p.z) for p in parsed.landmark], dtype=np.float32).reshape(-1, 3)


class MediaPipeFaceMesh:
    """FaceMesh with refined eyes (478 points) in video (tracking) mode.

    FaceMesh asked for two faces runs its face detector on every frame while it tracks only one
    (5.7 instead of 3.3 ms a frame at 640x480), so faces are counted apart instead: MediaPipe's face
    detector runs on every ``count_faces_every``-th frame, and the count is carried to the frames
    between. While two or more faces are counted, a two-face FaceMesh takes over (made when first
    needed) and the larger face is taken as the subject. One instance uses about one core: run
    several processes for more speed. MediaPipe's native log lines are kept off stderr.
    """

    name = BACKEND_NAME

    def __init__(
        self,
        *,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        count_faces_every: int = 30,
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
        self._mesh_factory = face_mesh.FaceMesh
        self._detector_factory = face_detection.FaceDetection
        self._mesh_options = {
            "static_image_mode": False,
            "refine_landmarks": True,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self._min_detection_confidence = min_detection_confidence
        # The graphs are made at the first frame (the two-face one when first needed: the same
        # as one made earlier, since it has seen no frame), so that their start-up log lines
        # fall inside a call that silences them.
        self._one: _Graph | None = None
        self._many: _Graph | None = None
        self._detector: _Graph | None = None
        self._quiet = False  # True while every graph made so far is warm
        self._every = count_faces_every
        self._calls = 0
        self._counted = 0
        self.last_detection_score = float("nan")
        """The best score (0-1) of MediaPipe's face detector on the last frame: 0 when it found
        no face, NaN when it did not run on that frame (it runs on every ``count_faces_every``-th
        one). FaceMesh's tracker can follow something that is not a face (a coffee cup scores
        0.5-0.7; real faces 0.85-0.98)."""

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> tuple[np.ndarray | None, int]:
        """Points of the larger face in pixels, float32 (478, 3), or None; and the face count."""
        if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or frame_rgb.dtype != np.uint8:
            raise ValueError(
                f"frame_rgb must be a uint8 (H, W, 3) array, but got {frame_rgb.dtype} "
                f"{frame_rgb.shape}"
            )
        if self._quiet:
            return self._process(frame_rgb)
        with native_stderr_silenced():
            result = self._process(frame_rgb)
        graphs = (self._one, self._many, self._detector)
        self._quiet = all(graph is None or graph.warm for graph in graphs)
        return result

    def _process(self, frame_rgb: np.ndarray) -> tuple[np.ndarray | None, int]:
        if self._detector is None:
            self._detector = _Graph(
                self._detector_factory,
                "detections",
                model_selection=0,
                min_detection_confidence=self._min_detection_confidence,
            )
        if self._calls % self._every == 0:
            detections = self._detector.run(frame_rgb)
            self._counted = len(detections)
            self.last_detection_score = max((_score(d) for d in detections), default=0.0)
        else:
            self.last_detection_score = float("nan")
        self._calls += 1
        if self._counted >= 2:
            if self._many is None:
                self._many = _Graph(
                    self._mesh_factory,
                    "multi_face_landmarks",
                    max_num_faces=2,
                    **self._mesh_options,
                )
                self._quiet = False
            mesh = self._many
        else:
            if self._one is None:
                self._one = _Graph(
                    self._mesh_factory,
                    "multi_face_landmarks",
                    max_num_faces=1,
                    **self._mesh_options,
                )
            mesh = self._one
        faces = mesh.run(frame_rgb)
        n_faces = max(len(faces), self._counted)
        if not faces:
            return None, n_faces
        height, width = frame_rgb.shape[:2]
        best: np.ndarray | None = None
        best_area = -1.0
        for face in faces:
            points = _normalized_points(face)
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
        for graph in (self._one, self._many, self._detector):
            if graph is not None:
                graph.close()

    def __enter__(self) -> MediaPipeFaceMesh:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
