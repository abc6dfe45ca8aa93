"""The command as a user runs it: exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from skimage import data, transform

from hemispasm import errors as E
from hemispasm.cli import EXIT_CODES, collect_videos, exit_code_for, main
from hemispasm.video.writer import VideoWriter

FPS = 15.0


def _face_frame(size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """The astronaut's face, cropped to fill the frame like a clinic close-up."""
    face = data.astronaut()[20:260, 110:350]
    w, h = size
    side = min(w, h)
    small = (transform.resize(face, (side, side), anti_aliasing=True) * 255).astype(np.uint8)
    frame = np.full((h, w, 3), 128, np.uint8)
    x0, y0 = (w - side) // 2, (h - side) // 2
    frame[y0 : y0 + side, x0 : x0 + side] = small
    return frame


def _write(path: Path, frames: Callable[[int], np.ndarray], n: int) -> Path:
    first = frames(0)
    with VideoWriter(path, fps=FPS, width=first.shape[1], height=first.shape[0]) as writer:
        for i in range(n):
            writer.write(frames(i))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("clips")
    face = _face_frame()
    gray = np.full_like(face, 120)
    two = np.concatenate([_face_frame((160, 240)), _face_frame((160, 240))], axis=1)
    out = {
        "face": _write(root / "face.mp4", lambda i: np.roll(face, i % 3, axis=1), int(FPS * 5)),
        "short": _write(root / "short.mp4", lambda i: face, int(FPS * 2)),
        "noface": _write(root / "noface.mp4", lambda i: gray, int(FPS * 4)),
        "twofaces": _write(root / "twofaces.mp4", lambda i: two, int(FPS * 4)),
        "lost": _write(root / "lost.mp4", lambda i: face if i < FPS else gray, int(FPS * 6)),
        "partial": _write(
            root / "partial.mp4", lambda i: gray if 2 * FPS <= i < 3 * FPS else face, int(FPS * 6)
        ),
    }
    (root / "text.mp4").write_text("this is not a video\n")
    out["text"] = root / "text.mp4"
    (root / "empty.mov").write_bytes(b"")
    out["empty"] = root / "empty.mov"
    return out


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "hemispasm", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("hemispasm: error:")]


@pytest.mark.parametrize(
    ("clip", "error", "message"),
    [
        ("text", E.VideoReadError, "text.mp4"),
        ("empty", E.VideoReadError, "empty"),
        ("short", E.VideoTooShortError, "at least 3 s"),
        ("noface", E.NoFaceError, "no face"),
        ("twofaces", E.MultipleFacesError, "several faces"),
        ("lost", E.NoFaceError, "lost for long stretches"),
    ],
)
def test_it_refuses_bad_input_with_one_line_and_its_exit_code(
    clips: dict[str, Path], tmp_path: Path, clip: str, error: type[E.HemispasmError], message: str
) -> None:
    out = tmp_path / "out"
    result = run_cli("analyze", clips[clip], "--out", out, "--workers", "1")
    assert result.returncode == EXIT_CODES[error], result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert message in lines[0] and clips[clip].name in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    result = run_cli("analyze", tmp_path / "nowhere.mp4", "--out", tmp_path / "out")
    assert result.returncode == EXIT_CODES[E.VideoReadError]
    assert "nowhere.mp4" in error_lines(result.stderr)[0]


def test_it_analyses_a_partly_usable_video_and_lists_the_gap(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("analyze", clips["partial"], "--out", out)
    assert result.returncode == 0, result.stderr
    res = json.loads((out / "result.json").read_text())
    assert res["schema"] == "hemispasm.analysis/1"
    spans = res["quality"]["unusable_spans"]
    assert len(spans) == 1
    start, end = spans[0]
    assert start == pytest.approx(2.0, abs=0.3) and end == pytest.approx(3.0, abs=0.3)
    assert {"report.html", "timeseries.csv", "result.json"} <= {p.name for p in out.iterdir()}


def test_it_analyses_a_folder_and_prints_one_summary(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("face", "noface"):
        (folder / clips[name].name).write_bytes(clips[name].read_bytes())
    out = tmp_path / "out"
    result = run_cli("analyze", folder, "--out", out)
    assert result.returncode == 1, result.stderr  # one video failed, the other was analysed
    assert (out / "face" / "result.json").exists()
    assert not (out / "noface").exists()
    assert "face.mp4" in result.stdout and "noface.mp4" in result.stdout
    assert "no face" in result.stdout or "no face" in result.stderr


def test_every_error_class_has_its_own_exit_code() -> None:
    codes = list(EXIT_CODES.values())
    assert len(set(codes)) == len(codes)
    assert 0 not in codes and 1 not in codes and 2 not in codes
    assert exit_code_for(E.UnsupportedCodecError("x")) == EXIT_CODES[E.UnsupportedCodecError]


def test_it_refuses_a_folder_without_videos(tmp_path: Path) -> None:
    with pytest.raises(E.VideoReadError, match="holds no video files"):
        collect_videos([tmp_path])


def test_it_refuses_two_videos_with_one_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(E.InvalidParameterError, match="share a file name"):
        collect_videos([tmp_path / "a" / "x.mp4", tmp_path / "b" / "x.mp4"])


def test_it_skips_hidden_files_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "._clip.mp4").write_bytes(b"resource fork")
    (tmp_path / "clip.mp4").write_bytes(b"")
    assert collect_videos([tmp_path]) == [tmp_path / "clip.mp4"]


def test_an_unexpected_failure_is_one_line_with_its_own_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hemispasm import cli, pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something no one expected")

    monkeypatch.setattr(pipeline, "analyze_video", broken)
    monkeypatch.delenv("HEMISPASM_DEBUG", raising=False)
    code = cli.main(["analyze", str(tmp_path / "x.mp4"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INTERNAL
    assert err.count("\n") == 1 and "RuntimeError: something no one expected" in err
    assert "Traceback" not in err


def test_it_refuses_a_foreign_output_folder_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hemispasm import cli, pipeline

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("analysed although the output folder is refused")

    monkeypatch.setattr(pipeline, "analyze_video", never)
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    (desktop / "notes.txt").write_text("mine")
    code = cli.main(["analyze", str(tmp_path / "x.mp4"), "--out", str(desktop)])
    assert code == EXIT_CODES[E.OutputError]
    assert "is not a hemispasm output folder" in capsys.readouterr().err
    assert (desktop / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_evaluate_prints_the_table_for_a_labelled_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(__file__).parent / "data" / "real-faces"
    labels = tmp_path / "labels"
    labels.mkdir()
    name = "pexels-3063838-wolfgang-langer"
    (labels / f"{name}.labels.json").write_bytes((folder / f"{name}.labels.json").read_bytes())
    code = main(["evaluate", str(labels), "--videos", str(folder), "--keep-every", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| video | fps |" in out and f"{name}, 1 frame in 2" in out
    assert "| 0/0/0 |" in out  # no spasm on a healthy face


def test_evaluate_refuses_a_folder_without_labels(tmp_path: Path) -> None:
    assert main(["evaluate", str(tmp_path)]) == 9


def test_evaluate_names_a_label_file_that_is_not_one(tmp_path: Path, capsys) -> None:
    (tmp_path / "x.labels.json").write_text('{"format": "hemispasm.labels/1", "video": {}}')
    assert main(["evaluate", str(tmp_path)]) == 9
    assert "x.labels.json: not a hemispasm.labels/1 file: video.file" in capsys.readouterr().err
