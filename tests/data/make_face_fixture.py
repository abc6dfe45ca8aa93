"""One-off: FaceMesh landmarks of skimage.data.astronaut() -> tests/data/face_478.npy."""
import numpy as np
import mediapipe as mp
from skimage import data

img = data.astronaut()  # RGB uint8 512x512
h, w = img.shape[:2]
with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1) as fm:
    res = fm.process(img)
lm = res.multi_face_landmarks[0].landmark
pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float32)
print(pts.shape, pts[[33, 133, 263, 362, 61, 291, 1, 159, 145, 386, 374]])
np.save("/work/main/tests/data/face_478.npy", pts)
