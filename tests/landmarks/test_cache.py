"""Tests of the landmark cache: round trip, keys, corrupt files, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.landmarks.cache import (
    CacheKey,
    cache_path,
    default_cache_dir,
    load_cached,
    save_cached,
)
from hemispasm.landmarks.version import EXTRACTION_VERSION

SHA = "ab" * 32
KEY = {
    "video_sha256": SHA,
    "backend_name": "mediapipe-facemesh",
    "backend_version": "0.10.21+refined",
    "mirrored": False,
    "max_side": None,
}
K = CacheKey(**KEY)


def _landmarks(n: int = 4) -> Landmarks:
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 100, size=(n, N_POINTS, 3)).astype(np.float32)
    points[1] = np.nan
    return Landmarks(
        points=points,
        valid=np.array([True, False, True, True][:n]),
        timestamps_s=np.arange(n) / 30.0,
        width=320,
        height=240,
        n_faces=np.array([1, 0, 2, 1][:n]),
    )


def test_saved_landmarks_load_back_equal(tmp_path):
    original = _landmarks()
    path = save_cached(original, K, cache_dir=tmp_path)
    loaded = load_cached(K, cache_dir=tmp_path)
    assert loaded is not None
    np.testing.assert_array_equal(loaded.points, original.points)
    np.testing.assert_array_equal(loaded.valid, original.valid)
    np.testing.assert_array_equal(loaded.timestamps_s, original.timestamps_s)
    np.testing.assert_array_equal(loaded.n_faces, original.n_faces)
    assert (loaded.width, loaded.height) == (320, 240)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize(
    "change",
    [
        {"video_sha256": "cd" * 32},
        {"backend_version": "0.10.22"},
        {"mirrored": True},
        {"max_side": 320},
    ],
)
def test_other_options_miss(tmp_path, change):
    save_cached(_landmarks(), K, cache_dir=tmp_path)
    assert load_cached(CacheKey(**{**KEY, **change}), cache_dir=tmp_path) is None


def test_landmarks_from_other_extraction_code_miss(tmp_path):
    older = CacheKey(**KEY, extraction_version=EXTRACTION_VERSION - 1)
    save_cached(_landmarks(), older, cache_dir=tmp_path)
    assert load_cached(K, cache_dir=tmp_path) is None
    assert load_cached(older, cache_dir=tmp_path)


def test_the_extraction_version_was_bumped_for_the_new_colour_conversion():
    assert EXTRACTION_VERSION >= 2


def test_a_missing_entry_is_a_miss(tmp_path):
    assert load_cached(K, cache_dir=tmp_path / "nowhere") is None


@pytest.mark.parametrize("content", [b"", b"garbage that is not a zip", b"PK\x03\x04broken"])
def test_a_corrupt_file_is_a_miss(tmp_path, content):
    cache_path(K, cache_dir=tmp_path).write_bytes(content)
    assert load_cached(K, cache_dir=tmp_path) is None


def test_a_truncated_file_is_a_miss(tmp_path):
    path = save_cached(_landmarks(), K, cache_dir=tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert load_cached(K, cache_dir=tmp_path) is None


def test_the_cache_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HEMISPASM_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert cache_path(K).parent == tmp_path / "c"
    monkeypatch.delenv("HEMISPASM_CACHE_DIR")
    assert default_cache_dir().parts[-3:] == (".cache", "hemispasm", "landmarks")


def test_it_rejects_a_malformed_hash(tmp_path):
    with pytest.raises(ValueError, match="video_sha256 must be 64 lowercase hex digits"):
        CacheKey(**{**KEY, "video_sha256": "xyz"})
