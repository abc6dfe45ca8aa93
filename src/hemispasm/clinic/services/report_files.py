"""What an analysis job left on disk: its report folder (timeseries.csv) and the stored video.

The per-frame closure of both eyes (``timeseries.csv``) is what the event traces are drawn from and
what corrected figures are recomputed from; the stored video is what an event's frames are cut
from, on demand, and cached as JPEG in the report folder. An analysis stored through the API
(a result.json sent by a client) has neither.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.analysis.types import Measurements, SidePair
from hemispasm.clinic.db.models import AnalysisJob, JobState
from hemispasm.errors import HemispasmError
from hemispasm.report.folder import TIMESERIES_NAME

EVIDENCE_FOLDER = "evidence"
"""Where an analysis's cut frames are cached, inside its report folder."""
FRAME_MAX_SIDE = 480
"""The widest a cut frame is served (pixels)."""
FRAME_DECODE_MAX_SIDE = 960
"""Frames are decoded at most this large, so that a crop around the eyes keeps its detail."""
FRAME_JPEG_QUALITY = 82
FRAME_SEARCH_S = 0.3
"""How far from the wanted time a frame may be (a frame lasts 0.17 s at 6 fps)."""


@dataclass(frozen=True)
class ReportFiles:
    """Where an analysis's per-frame data and video are, as far as they still exist."""

    timeseries: Path | None
    """timeseries.csv, when the analysis ran in the clinic and wrote it."""
    evidence_dir: Path | None
    """Where its frames are cached (inside the report folder)."""
    video: Path | None
    """The stored video, while it is kept."""
    video_name: str | None
    """The stored video's file name (its content hash and extension), even once deleted."""
    video_deleted: bool
    """The video was deleted after its analysis (clinic policy)."""
    mirrored: bool
    """The video was saved mirrored and analysed flipped back: its frames are flipped too."""


NO_FILES = ReportFiles(None, None, None, None, False, False)


def _inside(data_dir: Path, relative: str) -> Path | None:
    """``data_dir / relative`` if that stays inside the data folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        return None
    return data_dir / path


def report_files_of(db: Session, analysis_id: int, data_dir: Path) -> ReportFiles:
    """The files the job that made analysis ``analysis_id`` left (none for one stored through the
    API). Reads the database only: call it inside the use case that checked access."""
    job = db.scalars(
        select(AnalysisJob)
        .where(AnalysisJob.video_analysis_id == analysis_id, AnalysisJob.state == JobState.DONE)
        .order_by(AnalysisJob.id.desc())
        .limit(1)
    ).first()
    if job is None:
        return NO_FILES
    report = _inside(data_dir, job.report_path) if job.report_path else None
    timeseries = report / TIMESERIES_NAME if report is not None else None
    upload = job.upload
    stored = _inside(data_dir, upload.stored_path)
    deleted = upload.raw_deleted_at is not None
    return ReportFiles(
        timeseries=timeseries if timeseries is not None and timeseries.is_file() else None,
        evidence_dir=report / EVIDENCE_FOLDER if report is not None else None,
        video=stored if stored is not None and not deleted and stored.is_file() else None,
        video_name=PurePosixPath(upload.stored_path).name,
        video_deleted=deleted,
        mirrored=job.mirrored,
    )


# --- timeseries.csv ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Series:
    """The per-frame signals of one analysis, read back from its timeseries.csv."""

    measurements: Measurements
    closure: SidePair


class TimeseriesError(HemispasmError):
    """A timeseries.csv that cannot be read back."""


_PAIRS = ("aperture", "closure", "brow", "cheek", "mouth_corner")
_SINGLES = ("yaw_deg", "pitch_deg", "roll_deg")


def read_series(path: Path) -> Series:
    """The signals of ``path`` (NaN where a cell is empty; a column the file lacks is all NaN).

    Parsed once per version of the file: later calls with the file unchanged are answered from
    memory.

    Raises
    ------
    TimeseriesError
        The file cannot be read, or lacks ``time_s``, ``usable`` or the closures.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise TimeseriesError(f"{path.name}: cannot be read: {exc.strerror}") from None
    return _read_series(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_series(path: Path, mtime_ns: int, size: int) -> Series:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TimeseriesError(f"{path.name}: cannot be read: {exc}") from None
    if not rows:
        raise TimeseriesError(f"{path.name}: empty")
    header, body = rows[0], rows[1:]
    index = {name: i for i, name in enumerate(header)}
    needed = ("time_s", "usable", "closure_left", "closure_right")
    missing = [name for name in needed if name not in index]
    if missing:
        raise TimeseriesError(f"{path.name}: no column {', '.join(missing)}")

    def column(name: str) -> np.ndarray:
        i = index.get(name)
        if i is None:
            return np.full(len(body), np.nan)
        return np.array([_float(r[i]) if i < len(r) else math.nan for r in body], np.float64)

    def flag(name: str) -> np.ndarray:
        i = index.get(name)
        if i is None:
            return np.ones(len(body), dtype=bool)
        return np.array([i < len(r) and r[i] == "1" for r in body], dtype=bool)

    t = column("time_s")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise TimeseriesError(f"{path.name}: time_s is not a rising list of times")
    pairs = {p: SidePair(column(f"{p}_left"), column(f"{p}_right")) for p in _PAIRS}
    usable = flag("usable")
    measurements = Measurements(
        timestamps_s=t,
        aperture=pairs["aperture"],
        brow=pairs["brow"],
        cheek=pairs["cheek"],
        mouth_corner=pairs["mouth_corner"],
        yaw_deg=column("yaw_deg"),
        pitch_deg=column("pitch_deg"),
        roll_deg=column("roll_deg"),
        face_found=flag("face_found"),
        usable=usable,
    )
    return Series(measurements, pairs["closure"])


def _float(text: str) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan


# --- frames of the stored video ------------------------------------------------------------------


def cached_frame(evidence_dir: Path, name: str) -> bytes | None:
    """A frame cut before, if it is in the cache."""
    try:
        return (evidence_dir / name).read_bytes()
    except OSError:
        return None


def cut_frames(
    video: Path, wanted: Sequence[tuple[str, float]], *, mirrored: bool, evidence_dir: Path
) -> dict[str, bytes]:
    """Cut the frame nearest each ``(name, time_s)`` from ``video``, encode it as JPEG and keep it
    in ``evidence_dir`` under its name. Every frame is cropped to the same band around the eyes
    when a face is found in one of them (a frontal-face detector), else kept whole; either way
    scaled down to at most ``FRAME_MAX_SIDE`` pixels wide. A time with no frame near it is left
    out of the answer.

    Raises the video reader's ``VideoReadError`` for a video that cannot be read.
    """
    import cv2  # the encoding edge, as for report.html's key frames

    from hemispasm.video.reader import iter_frames  # the one decoding edge

    frames: dict[str, np.ndarray] = {}
    for name, time_s in wanted:
        best: tuple[float, np.ndarray] | None = None
        for t, rgb in iter_frames(
            video,
            start_s=max(0.0, time_s - FRAME_SEARCH_S),
            end_s=time_s + FRAME_SEARCH_S,
            mirrored=mirrored,
            max_side=FRAME_DECODE_MAX_SIDE,
            threads=1,
        ):
            if best is None or abs(t - time_s) < abs(best[0] - time_s):
                best = (t, rgb)
        if best is not None:
            frames[name] = best[1]
    box = next((b for b in map(eye_band, frames.values()) if b is not None), None)
    out: dict[str, bytes] = {}
    for name, rgb in frames.items():
        picture = rgb if box is None else rgb[box[1] : box[3], box[0] : box[2]]
        height, width = picture.shape[:2]
        if width > FRAME_MAX_SIDE:
            size = (FRAME_MAX_SIDE, max(1, round(height * FRAME_MAX_SIDE / width)))
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        bgr = cv2.cvtColor(np.ascontiguousarray(picture), cv2.COLOR_RGB2BGR)
        ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, FRAME_JPEG_QUALITY])
        if ok:
            out[name] = encoded.tobytes()
            _keep(evidence_dir, name, out[name])
    return out


def eye_band(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of a band across both eyes of the largest frontal face in ``rgb``, found
    by OpenCV's Haar face detector; None without a face. The band spans the face's width and
    the part of its height where the brows and eyes are."""
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, 480 / max(height, width))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, (round(width * scale), round(height * scale)))
    found = _face_detector().detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40)
    )
    if len(found) == 0:
        return None
    x, y, w, h = (v / scale for v in max(found, key=lambda f: f[2] * f[3]))
    x0, x1 = max(0, round(x - 0.05 * w)), min(width, round(x + 1.05 * w))
    y0, y1 = max(0, round(y + 0.17 * h)), min(height, round(y + 0.56 * h))
    return (x0, y0, x1, y1) if x1 - x0 >= 16 and y1 - y0 >= 16 else None


@lru_cache(maxsize=1)
def _face_detector() -> Any:
    import cv2

    cascades = getattr(cv2, "data").haarcascades  # noqa: B009 -- the stubs lack cv2.data
    return cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")


def _keep(folder: Path, name: str, data: bytes) -> None:
    """Write whole or not at all (a cache: a failure to write is not an error)."""
    try:
        folder.mkdir(mode=0o700, exist_ok=True)  # frames show the face: private like the report
        fd, temporary = tempfile.mkstemp(prefix=".frame-", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, folder / name)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
