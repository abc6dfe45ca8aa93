"""The real face model sees the synthetic spasms on the right eye only (slow: runs FaceMesh)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from hemispasm.synth.generate import make_synthetic_video

LID_PAIRS = {
    "right": ((159, 145), (158, 153), (160, 144)),
    "left": ((386, 374), (385, 380), (387, 373)),
}
EYE_WIDTH = {"right": (33, 133), "left": (263, 362)}


def apertures(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    import mediapipe as mp

    times, out = [], {"left": [], "right": []}
    with (
        mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1) as mesh,
        av.open(str(path)) as container,
    ):
        for frame in container.decode(video=0):
            img = frame.to_ndarray(format="rgb24")
            h, w = img.shape[:2]
            found = mesh.process(img).multi_face_landmarks
            times.append(frame.time)
            for side in out:
                if not found:
                    out[side].append(np.nan)
                    continue
                p = np.array([(q.x * w, q.y * h) for q in found[0].landmark])
                a, b = EYE_WIDTH[side]
                gap = np.mean([np.linalg.norm(p[u] - p[v]) for u, v in LID_PAIRS[side]])
                out[side].append(gap / np.linalg.norm(p[a] - p[b]))
    return np.array(times), {k: np.array(v) for k, v in out.items()}


@pytest.mark.slow
def test_facemesh_sees_the_affected_eye_close_and_the_other_stay_open(tmp_path: Path) -> None:
    r = make_synthetic_video(tmp_path, seed=0, side="left", duration_s=20.0)
    times, ap = apertures(r.video_path)
    acts = r.truth.activations(times)
    assert not np.isnan(ap["left"]).any()
    assert np.corrcoef(ap["left"], acts.closure.left)[0, 1] < -0.9
    rest = (acts.closure.left == 0) & (acts.closure.right == 0)
    for e in r.truth.events:
        i = int(np.argmin(np.abs(times - e.peak_s)))
        drop_left = 1 - ap["left"][i] / np.median(ap["left"][rest])
        drop_right = 1 - ap["right"][i] / np.median(ap["right"][rest])
        if e.kind == "blink":
            assert drop_left > 0.4 and drop_right > 0.4
        else:
            assert drop_left > 0.4 * e.peak_closure
            assert abs(drop_right) < 0.1
