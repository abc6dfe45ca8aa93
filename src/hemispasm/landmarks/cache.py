"""Landmark cache: one ``.npz`` file per video content, backend and reading options.

Keyed by the file's content hash (not its name), the backend's name and version, the version of
our own extraction code (:data:`~hemispasm.landmarks.version.EXTRACTION_VERSION`), whether frames
were un-mirrored and the downscale bound, so any change that could change the landmarks misses.
Files are written to a temporary name and renamed into place, so a crash never leaves half a file;
a file that cannot be read back is treated as a miss.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemispasm.analysis.landmarks import Landmarks
from hemispasm.landmarks.version import EXTRACTION_VERSION

__all__ = ["CacheKey", "cache_path", "default_cache_dir", "load_cached", "save_cached"]

CACHE_DIR_ENV = "HEMISPASM_CACHE_DIR"
_FORMAT = 1


def default_cache_dir() -> Path:
    """``$HEMISPASM_CACHE_DIR`` when set, else ``~/.cache/hemispasm/landmarks``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "hemispasm" / "landmarks"


@dataclass(frozen=True, kw_only=True)
class CacheKey:
    """Everything that decides the landmarks of a video: a change of any field misses.

    ``extraction_version`` defaults to this code's :data:`EXTRACTION_VERSION`; it is a field only
    so tests can stand in for older code.
    """

    video_sha256: str
    backend_name: str
    backend_version: str
    mirrored: bool
    max_side: int | None
    extraction_version: int = EXTRACTION_VERSION

    def __post_init__(self) -> None:
        sha = self.video_sha256
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ValueError(f"video_sha256 must be 64 lowercase hex digits, but got {sha!r}")

    def text(self) -> str:
        """The key as stored inside the cache file (checked on every load)."""
        return (
            f"format={_FORMAT};video={self.video_sha256};backend={self.backend_name};"
            f"version={self.backend_version};extraction={self.extraction_version};"
            f"mirrored={bool(self.mirrored)};max_side={self.max_side}"
        )


def cache_path(key: CacheKey, *, cache_dir: str | Path | None = None) -> Path:
    """Where the landmarks for this key are cached."""
    options = hashlib.sha256(key.text().encode()).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{key.video_sha256[:32]}-{options}.npz"


def load_cached(key: CacheKey, *, cache_dir: str | Path | None = None) -> Landmarks | None:
    """The cached landmarks, or None when absent, unreadable or made with other options."""
    path = cache_path(key, cache_dir=cache_dir)
    try:
        with path.open("rb") as f, np.load(f, allow_pickle=False) as data:
            if str(data["key"]) != key.text():
                return None
            points = data["points"]
            points.setflags(write=False)  # Landmarks then keeps it without a second copy
            return Landmarks(
                points=points,
                valid=data["valid"],
                timestamps_s=data["timestamps_s"],
                width=int(data["width"]),
                height=int(data["height"]),
                n_faces=data["n_faces"],
                detection_score=data["detection_score"],
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def save_cached(
    landmarks: Landmarks, key: CacheKey, *, cache_dir: str | Path | None = None
) -> Path:
    """Write the landmarks to the cache atomically and return the file's path."""
    path = cache_path(key, cache_dir=cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                key=np.array(key.text()),
                points=landmarks.points,
                valid=landmarks.valid,
                timestamps_s=landmarks.timestamps_s,
                width=np.array(landmarks.width),
                height=np.array(landmarks.height),
                n_faces=landmarks.n_faces,
                detection_score=landmarks.detection_score
                if landmarks.detection_score is not None
                else np.full(landmarks.n_frames, np.nan, np.float32),
            )
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path
