"""The base face of synthetic videos: a real photo with its landmarks, framed as a close-up."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hemispasm.analysis.facemesh import BROW as _BROW_CORE
from hemispasm.analysis.facemesh import CHEEK as _CHEEK_CORE
from hemispasm.analysis.facemesh import EYE_CORNERS as EYE_CORNERS
from hemispasm.analysis.facemesh import LOWER_LID as LOWER_LID
from hemispasm.analysis.facemesh import MOUTH_CORNER as MOUTH_CORNER
from hemispasm.analysis.facemesh import UPPER_LID as UPPER_LID
from hemispasm.analysis.types import Side
from hemispasm.errors import InvalidParameterError, NoFaceError

# FaceMesh indices (subject's sides) are the shared table; this face warps a wider brow and cheek.
BROW: dict[Side, tuple[int, ...]] = {
    "right": (*_BROW_CORE["right"], 70, 63, 46, 53, 52, 65, 55),
    "left": (*_BROW_CORE["left"], 300, 293, 276, 283, 282, 295, 285),
}
CHEEK: dict[Side, tuple[int, ...]] = {
    "right": (*_CHEEK_CORE["right"], 100, 101, 36),
    "left": (*_CHEEK_CORE["left"], 329, 330, 266),
}
FOREHEAD, CHIN = 10, 152

FACE_HEIGHT_FRACTION = 0.62
"""Forehead-to-chin landmark distance over frame height: a clinic close-up."""

CANVAS_MARGIN = 0.125
"""Extra border rendered around the frame on each side, room for head motion."""


@dataclass(frozen=True, eq=False)
class BaseFace:
    """The rest face, drawn on a canvas a little larger than the output frame.

    Attributes
    ----------
    image : uint8 array (canvas_h, canvas_w, 3), RGB.
    landmarks : float64 array (478, 2), FaceMesh points in canvas pixels (x, y).
    offset : (x, y) of the output frame's top-left corner on the canvas, pixels.
    size : (width, height) of the output frame.
    """

    image: np.ndarray
    landmarks: np.ndarray
    offset: tuple[float, float]
    size: tuple[int, int]

    @property
    def face_height_px(self) -> float:
        """Forehead-to-chin landmark distance, pixels."""
        return float(np.linalg.norm(self.landmarks[FOREHEAD] - self.landmarks[CHIN]))

    def points(self, indices: tuple[int, ...]) -> np.ndarray:
        """Landmarks ``indices`` as a (N, 2) array."""
        return self.landmarks[list(indices)]


_FACE_DIR = Path(__file__).with_name("faces")


@dataclass(frozen=True)
class FaceSource:
    """A real face photo that synthetic videos are made from, with where it comes from."""

    name: str
    file: str
    """Image file in ``hemispasm/synth/faces/``."""
    credit: str
    licence: str


FACES: dict[str, FaceSource] = {
    f.name: f
    for f in (
        FaceSource(
            name="astronaut",
            file="astronaut.jpg",
            credit="NASA portrait of an astronaut, as shipped by scikit-image (data.astronaut)",
            licence="public domain (a work of the US government)",
        ),
        FaceSource(
            name="pexels-3063838",
            file="pexels-3063838.jpg",
            credit="a frame (15.18 s) of Pexels video 3063838 by Wolfgang Langer",
            licence="Pexels licence (free to use and modify, no attribution required)",
        ),
    )
}
"""The faces synthetic videos can use; see ``hemispasm/synth/faces/README.md``."""


@functools.cache
def source_image(face: str = "astronaut") -> np.ndarray:
    """The source photo of ``face`` (one of :data:`FACES`), (H, W, 3) uint8 RGB."""
    if face not in FACES:
        raise InvalidParameterError(f"face must be one of {sorted(FACES)}, but got {face!r}")
    path = _FACE_DIR / FACES[face].file
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise NoFaceError(f"the face photo {path} is missing or unreadable")
    img = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    img.setflags(write=False)
    return img


@functools.cache
def source_landmarks(face: str = "astronaut") -> np.ndarray:
    """FaceMesh landmarks (478, 3) of a source photo in its pixels (z scaled like x). Cached."""
    import mediapipe as mp

    from hemispasm.landmarks.mediapipe_backend import native_stderr_silenced

    img = source_image(face)
    h, w = img.shape[:2]
    with (
        native_stderr_silenced(),
        mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, refine_landmarks=True, max_num_faces=1
        ) as mesh,
    ):
        result = mesh.process(np.ascontiguousarray(img))
    if not result.multi_face_landmarks:
        raise NoFaceError(f"FaceMesh found no face in the synthetic source photo {face!r}")
    pts = np.array(
        [(p.x * w, p.y * h, p.z * w) for p in result.multi_face_landmarks[0].landmark],
        dtype=np.float64,
    )
    pts.setflags(write=False)
    return pts


@functools.cache
def load_base_face(*, size: tuple[int, int] = (640, 480), face: str = "astronaut") -> BaseFace:
    """A base face framed as a close-up for an output frame of ``size`` = (width, height).

    The face (forehead to chin) fills ``FACE_HEIGHT_FRACTION`` of the frame height, or less if the
    frame is so narrow that the face would not fit its width. Cached per size; do not modify.
    """
    width, height = size
    if not (isinstance(width, int) and isinstance(height, int) and width >= 64 and height >= 64):
        raise InvalidParameterError(f"size must be two integers >= 64, but got {size!r}")
    src = source_image(face)
    lm = source_landmarks(face)[:, :2]
    face_h = float(np.linalg.norm(lm[FOREHEAD] - lm[CHIN]))
    face_w = float(lm[:, 0].max() - lm[:, 0].min())
    scale = min(FACE_HEIGHT_FRACTION * height / face_h, 0.8 * width / face_w)
    center = np.array(
        [0.5 * (lm[:, 0].min() + lm[:, 0].max()), 0.5 * (lm[FOREHEAD, 1] + lm[CHIN, 1])]
    )
    mx, my = round(CANVAS_MARGIN * width), round(CANVAS_MARGIN * height)
    canvas_w, canvas_h = width + 2 * mx, height + 2 * my
    # Source -> canvas: scale about the face centre, which lands slightly above the frame centre.
    target = np.array([canvas_w / 2.0, canvas_h / 2.0 + 0.02 * height])
    affine = np.array(
        [[scale, 0.0, target[0] - scale * center[0]], [0.0, scale, target[1] - scale * center[1]]]
    )
    interp = cv2.INTER_CUBIC if scale > 1.0 else cv2.INTER_AREA
    image = cv2.warpAffine(
        np.ascontiguousarray(src),
        affine,
        (canvas_w, canvas_h),
        flags=interp,
        borderMode=cv2.BORDER_REPLICATE,  # a reflected border would mirror the face beside it
    )
    if scale > 1.5:  # restore some crispness lost in the enlargement, as a camera would show
        blur = cv2.GaussianBlur(image, (0, 0), sigmaX=0.6 * scale)
        image = cv2.addWeighted(image, 1.5, blur, -0.5, 0)
    landmarks = lm @ affine[:, :2].T + affine[:, 2]
    image.setflags(write=False)
    landmarks.setflags(write=False)
    return BaseFace(image=image, landmarks=landmarks, offset=(float(mx), float(my)), size=size)
