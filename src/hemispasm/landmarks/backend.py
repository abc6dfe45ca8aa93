"""What a landmark backend must offer, so extraction and the cache do not depend on MediaPipe."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class LandmarkBackend(Protocol):
    """A face-landmark model run frame by frame, in time order.

    ``name`` and ``version`` identify the model and its settings; they key the landmark cache, so
    change ``version`` whenever the points a backend returns could change.
    """

    name: str
    version: str

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> tuple[np.ndarray | None, int]:
        """Landmarks of the subject's face in one RGB uint8 (H, W, 3) frame.

        Returns the points as float32 (478, 3) in pixels of this frame (z in the scale of x), or
        None when no face was found, and the number of faces seen.
        """
        ...

    def close(self) -> None:
        """Release the model."""
        ...
