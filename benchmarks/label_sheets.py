"""Contact sheets of the eyes, frame by frame, for labelling blinks and spasms by eye.

Usage::

    .venv/bin/python benchmarks/label_sheets.py VIDEO --out DIR [--per-sheet 40] [--cols 5]
        [--start-s S] [--end-s S] [--mirrored]

Writes ``DIR/sheet-NNN.png``: each cell is one decoded frame's band across both eyes (cropped
around the FaceMesh eye corners, so the crop follows the head), enlarged, with the frame's index
and presentation time. In an unmirrored video the subject's right eye is on the LEFT of each cell.
The sheets show pixels only, no measured closure, so that a labeller judges the lids by eye and
not by the detector's dips. Also writes ``DIR/frames.csv`` (index, time) so labels can be given
as frame indices and converted to times.

The label format itself is described in ``tests/data/real-faces/README.md``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

from hemispasm.analysis.facemesh import EYE_CORNERS
from hemispasm.landmarks.cache import CacheKey, load_cached, save_cached
from hemispasm.landmarks.extract import extract_landmarks
from hemispasm.landmarks.mediapipe_backend import BACKEND_NAME, backend_version
from hemispasm.video.reader import iter_frames, probe_video

CELL_W, CELL_H, LABEL_H = 300, 110, 18


def _eye_boxes(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(T, 4) crop boxes x0, y0, x1, y1 around both eyes, smoothed over +-5 frames."""
    corners = [*EYE_CORNERS["right"], *EYE_CORNERS["left"]]
    xy = points[:, corners, :2].astype(np.float64)
    xy[~valid] = np.nan
    centre = np.nanmean(xy, axis=1)
    span = np.linalg.norm(xy[:, 0] - xy[:, 2], axis=1)  # outer corner to outer corner
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        raise SystemExit("no face found in any frame; nothing to crop")
    n = points.shape[0]
    for arr in (centre[:, 0], centre[:, 1], span):
        arr[:] = np.interp(np.arange(n), idx, arr[idx])
    k = 5
    kernel = np.ones(2 * k + 1) / (2 * k + 1)

    def smooth(a: np.ndarray) -> np.ndarray:
        return np.convolve(np.pad(a, k, mode="edge"), kernel, mode="valid")

    cx, cy, w = smooth(centre[:, 0]), smooth(centre[:, 1]), smooth(span) * 1.35
    h = w * CELL_H / CELL_W
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def _crop(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = box
    src = np.float32([[x0, y0], [x1, y0], [x0, y1]])
    dst = np.float32([[0, 0], [CELL_W, 0], [0, CELL_H]])
    m = cv2.getAffineTransform(src, dst)
    return cv2.warpAffine(frame, m, (CELL_W, CELL_H), flags=cv2.INTER_CUBIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-sheet", type=int, default=40)
    parser.add_argument("--cols", type=int, default=5)
    parser.add_argument("--start-s", type=float, default=None)
    parser.add_argument("--end-s", type=float, default=None)
    parser.add_argument("--mirrored", action="store_true")
    args = parser.parse_args()

    info = probe_video(args.video, mirrored=args.mirrored)
    key = CacheKey(
        video_sha256=info.sha256,
        backend_name=BACKEND_NAME,
        backend_version=backend_version(),
        mirrored=args.mirrored,
        max_side=None,
    )
    landmarks = load_cached(key)
    if landmarks is None:
        landmarks = extract_landmarks(info.path, info=info, mirrored=args.mirrored)
        save_cached(landmarks, key)
    boxes = _eye_boxes(np.asarray(landmarks.points), np.asarray(landmarks.valid))
    times = np.asarray(landmarks.timestamps_s)

    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "frames.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["frame", "time_s"])
        writer.writerows([i, f"{t:.4f}"] for i, t in enumerate(times))

    cells: list[tuple[int, float, np.ndarray]] = []
    sheet_no = 0

    def flush() -> None:
        nonlocal sheet_no, cells
        if not cells:
            return
        rows = -(-len(cells) // args.cols)
        sheet = np.full((rows * (CELL_H + LABEL_H), args.cols * CELL_W, 3), 255, np.uint8)
        for k, (i, t, img) in enumerate(cells):
            r, c = divmod(k, args.cols)
            y, x = r * (CELL_H + LABEL_H), c * CELL_W
            sheet[y + LABEL_H : y + LABEL_H + CELL_H, x : x + CELL_W] = img
            cv2.rectangle(
                sheet,
                (x, y + LABEL_H),
                (x + CELL_W - 1, y + LABEL_H + CELL_H - 1),
                (255, 255, 255),
                1,
            )
            cv2.putText(
                sheet,
                f"#{i}  {t:.3f}s",
                (x + 4, y + 14),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45,
                (0, 0, 0),
                1,
                cv2.LINE_AA,
            )
        path = args.out / f"sheet-{sheet_no:03d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        sheet_no += 1
        cells = []

    for i, (t, rgb) in enumerate(iter_frames(info.path, mirrored=args.mirrored)):
        if i >= len(boxes):
            break
        if args.start_s is not None and t < args.start_s:
            continue
        if args.end_s is not None and t >= args.end_s:
            break
        cells.append((i, t, _crop(rgb, boxes[i])))
        if len(cells) == args.per_sheet:
            flush()
    flush()
    print(f"{sheet_no} sheets in {args.out} ({len(times)} frames, subject's right eye on the left)")


if __name__ == "__main__":
    main()
