"""The composed pipeline: mirroring, the landmark cache, recorded parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm import pipeline
from hemispasm.analysis.params import AnalysisParams
from hemispasm.synth.generate import SynthResult, make_synthetic_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def left_video(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    out = tmp_path_factory.mktemp("pipeline")
    return make_synthetic_video(out, seed=6, side="left", duration_s=15.0)


def test_a_mirrored_recording_swaps_the_affected_side(
    left_video: SynthResult, tmp_path: Path
) -> None:
    plain = pipeline.analyze_video(left_video.video_path, cache_dir=tmp_path)
    mirrored = pipeline.analyze_video(left_video.video_path, mirrored=True, cache_dir=tmp_path)
    assert plain.metrics.affected_side == "left"
    assert mirrored.metrics.affected_side == "right"
    assert mirrored.source.mirrored and not plain.source.mirrored
    plain_spasms = [e for e in plain.events if e.kind == "spasm"]
    mirrored_spasms = [e for e in mirrored.events if e.kind == "spasm"]
    assert {e.side for e in plain_spasms} == {"left"}
    assert {e.side for e in mirrored_spasms} == {"right"}


def test_reanalysis_with_other_parameters_reuses_the_cached_landmarks(
    left_video: SynthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pipeline.analyze_video(left_video.video_path, cache_dir=tmp_path)

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the face model ran although the landmarks were cached")

    monkeypatch.setattr(pipeline, "extract_landmarks", no_model)
    coarser = AnalysisParams(merge_gap_s=3.0)
    second = pipeline.analyze_video(left_video.video_path, coarser, cache_dir=tmp_path)
    assert second.landmarks.n_frames == first.landmarks.n_frames
    assert second.params.merge_gap_s == 3.0
    # Closures less than 3 s apart now merge, so the new parameters really were used.
    assert 0 < len(second.events) < len(first.events)


def test_the_analysis_records_software_and_model_versions(left_video: SynthResult) -> None:
    analysis = pipeline.analyze_video(left_video.video_path, use_cache=False, workers=1)
    assert analysis.software["version"]
    assert "mediapipe" in analysis.software["landmark_model"]


def test_a_cache_that_cannot_be_written_does_not_fail_the_analysis(
    left_video: SynthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "save_cached", full_disk)
    analysis = pipeline.analyze_video(left_video.video_path, cache_dir=tmp_path)
    assert analysis.metrics.affected_side == "left"


def _coffee_cup_video(path: Path) -> Path:
    """A coffee cup (scikit-image's sample photo) drifting across a brick wall: no face."""
    import cv2
    import numpy as np
    from skimage import data

    from hemispasm.video.writer import VideoWriter

    cup = cv2.resize(data.coffee(), (300, 200))
    wall = cv2.resize(np.dstack([data.brick()] * 3), (900, 700))
    with VideoWriter(path, fps=30, width=640, height=480) as writer:
        for i in range(150):
            x, y = int(100 + 80 * np.sin(i / 40)), int(80 + 60 * np.sin(i / 53))
            frame = wall[y : y + 480, x : x + 640].copy()
            cx, cy = int(170 + 120 * np.sin(i / 30)), int(140 + 80 * np.cos(i / 45))
            frame[cy : cy + 200, cx : cx + 300] = cup
            writer.write(np.ascontiguousarray(frame), timestamp_s=i / 30)
    return path


def test_a_tracked_object_that_is_not_a_face_is_refused(tmp_path: Path) -> None:
    from hemispasm.errors import NoFaceError

    video = _coffee_cup_video(tmp_path / "cup.mp4")
    with pytest.raises(NoFaceError, match="does not look like a face"):
        pipeline.analyze_video(video, cache_dir=tmp_path)


def test_a_file_cut_short_reports_the_time_that_decodes_and_says_so(tmp_path: Path) -> None:
    whole = make_synthetic_video(tmp_path / "whole", seed=3, duration_s=20.0, container="mkv")
    data = whole.video_path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * 0.35)])
    analysis = pipeline.analyze_video(cut, cache_dir=tmp_path)
    assert analysis.source.duration_declared_s == pytest.approx(20.0, abs=0.1)
    assert 4.0 < analysis.source.duration_s < 12.0
    assert analysis.source.frames == analysis.landmarks.n_frames
    assert any("declares 20.0 s but only" in w for w in analysis.quality.warnings)
    assert analysis.metrics.usable_duration_s == pytest.approx(analysis.source.duration_s, abs=0.2)
