"""One-off: FaceMesh landmarks of skimage.data.astronaut() -> tests/data/face_478.npy.

Run from the repository root with the project's environment:
.venv/bin/python tests/data/make_face_fixture.py
"""

from pathlib import Path

import mediapipe as mp
import numpy as np
from skimage import data

img = data.astronaut()  # RGB uint8 512x512
h, w = img.shape[:2]
with mp.solutions.face_mesh.FaceMesh(
    static_image_mode=True, refine_landmarks=True, max_num_faces=1
) as fm:
    res = fm.process(img)
lm = res.multi_face_landmarks[0].landmark
pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float32)
np.save(Path(__file__).with_name("face_478.npy"), pts)
