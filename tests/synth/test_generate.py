"""make_synthetic_video writes a decodable video and a truth.json that matches it."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from hemispasm.analysis.types import Event
from hemispasm.errors import InvalidParameterError
from hemispasm.synth.generate import load_truth_events, make_synthetic_video

SMALL = (160, 120)


def decoded_times(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.array([f.time for f in c.decode(video=0)])


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("synth")
    return make_synthetic_video(out, seed=7, side="right", size=SMALL, duration_s=6.0)


def test_it_writes_the_video_and_the_truth(result) -> None:
    assert result.video_path.name == "synthetic.mp4"
    assert result.truth_path.name == "truth.json"
    assert result.video_path.stat().st_size > 1000


def test_truth_json_has_the_schema_and_settings(result) -> None:
    data = json.loads(result.truth_path.read_text())
    assert data["schema"] == "hemispasm.truth/1"
    assert (data["seed"], data["side"], data["fps"]) == (7, "right", 30.0)
    assert (data["width"], data["height"], data["duration_s"], data["spasms"]) == (
        160,
        120,
        6.0,
        True,
    )
    events = [Event.from_dict(e) for e in data["events"]]
    assert events == [Event.from_dict(e.to_dict()) for e in result.truth.events]
    assert load_truth_events(result.truth_path) == tuple(events)
    assert all(e.side in ("right", "both") for e in events)


def test_the_video_has_every_frame_at_its_time(result) -> None:
    with av.open(str(result.video_path)) as c:
        stream = c.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == SMALL
    times = decoded_times(result.video_path)
    assert len(times) == 180
    np.testing.assert_allclose(times, np.arange(180) / 30.0, atol=1e-4)
    np.testing.assert_allclose(times, result.truth.frame_times_s, atol=1e-4)


def test_the_same_seed_gives_the_same_truth(tmp_path: Path, result) -> None:
    again = make_synthetic_video(tmp_path, seed=7, side="right", size=SMALL, duration_s=6.0)
    assert again.truth.events == result.truth.events


def test_a_control_video_has_no_spasms(tmp_path: Path) -> None:
    r = make_synthetic_video(tmp_path, seed=1, size=SMALL, duration_s=8.0, spasms=False)
    assert all(e.kind == "blink" for e in r.truth.events)
    assert json.loads(r.truth_path.read_text())["spasms"] is False


def test_variable_frame_rate_keeps_real_timestamps(tmp_path: Path) -> None:
    r = make_synthetic_video(
        tmp_path, seed=2, size=SMALL, duration_s=4.0, vfr=True, container="mkv", codec="vp9"
    )
    assert r.video_path.name == "synthetic.mkv"
    times = decoded_times(r.video_path)
    np.testing.assert_allclose(times, r.truth.frame_times_s, atol=1e-3)
    steps = np.diff(times)
    assert steps.min() < 0.9 / 30 and steps.max() > 1.1 / 30
    assert times[-1] < 4.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fps": 4.0}, "fps must be between 5 and 120, but got 4.0"),
        ({"fps": 240}, "fps must be between 5 and 120, but got 240"),
        ({"side": "both"}, "side must be 'left' or 'right', but got 'both'"),
        ({"duration_s": 1.0}, r"duration_s must be between 3 and 900 seconds, but got 1.0"),
        ({"duration_s": 1000}, r"duration_s must be between 3 and 900 seconds, but got 1000"),
        ({"size": (641, 480)}, r"size must be \(width, height\).*\(641, 480\)"),
        ({"size": (32, 32)}, r"size must be .* but got \(32, 32\)"),
        ({"size": "640x480"}, r"size must be .* but got '640x480'"),
        ({"seed": -1}, "seed must be an integer >= 0, but got -1"),
        ({"codec": "av1"}, "codec must be one of .* but got 'av1'"),
        ({"container": "flv"}, "container must be one of .* but got 'flv'"),
        ({"head_motion": 0.0}, r"head_motion must be in \(0, 5\], but got 0.0"),
        ({"head_motion": 6}, r"head_motion must be in \(0, 5\], but got 6"),
    ],
)
def test_it_rejects_bad_parameters(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        make_synthetic_video(tmp_path, **kwargs)
    assert not list(tmp_path.iterdir())


def test_truth_reads_like_its_json(result) -> None:
    assert result.truth.to_dict()["side"] == "right"
    assert result.truth.to_dict()["events"] == [e.to_dict() for e in result.truth.events]
