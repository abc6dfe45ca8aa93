"""write_outputs: all files or none, and an earlier run survives a failed one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import pytest

from hemispasm.errors import OutputError
from hemispasm.report import outputs
from hemispasm.report.result_json import load_result
from hemispasm.video.writer import VideoWriter

from .conftest import FPS, HEIGHT, N_FRAMES, WIDTH, fake_frames


def _fail(*args, **kwargs):
    raise RuntimeError("disk on fire")


def _siblings(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.parent.iterdir())


def _mark_earlier(out_dir: Path) -> str:
    """Give the earlier run's result.json a still valid, recognisable content; return it."""
    data = load_result(out_dir / "result.json").to_json_dict()
    data["note"] = "earlier run"
    text = json.dumps(data)
    (out_dir / "result.json").write_text(text)
    return text


def test_it_writes_the_three_files(analysis, tmp_path: Path):
    out = outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "result.json", "timeseries.csv"]
    load_result(out / "result.json")
    assert _siblings(out) == ["run"]


def test_it_adds_the_annotated_video_when_asked(analysis, fake_reader, tmp_path: Path):
    out = outputs.write_outputs(
        analysis, video_path=tmp_path / "v.mp4", out_dir=tmp_path / "run", annotate=True
    )
    assert (out / "annotated.mp4").stat().st_size > 0


def test_it_replaces_its_own_earlier_output(analysis, tmp_path: Path):
    out_dir = outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    (out_dir / "stale.txt").write_text("old")
    outputs.write_outputs(analysis, video_path=None, out_dir=out_dir)
    assert not (out_dir / "stale.txt").exists()
    load_result(out_dir / "result.json")
    assert _siblings(out_dir) == ["run"]


def test_it_fills_an_empty_folder(analysis, tmp_path: Path):
    (tmp_path / "run").mkdir()
    out = outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    assert (out / "result.json").exists()
    assert _siblings(out) == ["run"]


@pytest.mark.parametrize(
    "files",
    [
        {"holiday.jpg": "photo"},
        {"result.json": "{}", "thesis.docx": "years of work"},
        {"result.json": "not json", "notes.txt": "mine"},
    ],
    ids=["no result.json", "a result.json of another schema", "a result.json that is not JSON"],
)
def test_it_refuses_to_replace_a_foreign_folder(
    analysis, tmp_path: Path, monkeypatch, files: dict[str, str]
):
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    for name, text in files.items():
        (desktop / name).write_text(text)
    writes: list[object] = []
    monkeypatch.setattr(outputs, "write_result", lambda *a, **k: writes.append(a))
    with pytest.raises(
        OutputError,
        match=rf"^{re.escape(str(desktop))}: exists and is not a hemispasm output folder; "
        "choose another --out$",
    ):
        outputs.write_outputs(analysis, video_path=tmp_path / "v.mp4", out_dir=desktop)
    assert writes == []  # refused before any work
    assert {p.name: p.read_text() for p in desktop.iterdir()} == files
    assert _siblings(desktop) == ["Desktop"]


def test_it_refuses_a_folder_that_turned_foreign_while_writing(
    analysis, tmp_path: Path, monkeypatch
):
    out_dir = tmp_path / "run"
    real_write_result = outputs.write_result

    def write_result_and_meanwhile(analysis, path):
        out_dir.mkdir()
        (out_dir / "mine.txt").write_text("keep")
        return real_write_result(analysis, path)

    monkeypatch.setattr(outputs, "write_result", write_result_and_meanwhile)
    with pytest.raises(OutputError, match="is not a hemispasm output folder"):
        outputs.write_outputs(analysis, video_path=None, out_dir=out_dir)
    assert [p.name for p in out_dir.iterdir()] == ["mine.txt"]
    assert _siblings(out_dir) == ["run"]


def test_its_errors_name_the_video_and_the_folder(analysis, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(outputs, "render_report", _fail)
    video, out_dir = tmp_path / "v.mp4", tmp_path / "run"
    with pytest.raises(
        OutputError,
        match=rf"^{re.escape(str(video))}: cannot write the report to "
        rf"{re.escape(str(out_dir))}: disk on fire$",
    ):
        outputs.write_outputs(analysis, video_path=video, out_dir=out_dir)


def test_a_failure_leaves_no_folder_and_no_temp(analysis, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(outputs, "render_report", _fail)
    with pytest.raises(OutputError, match="disk on fire"):
        outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_keeps_the_earlier_run_unchanged(analysis, tmp_path: Path, monkeypatch):
    out_dir = outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    earlier = _mark_earlier(out_dir)
    monkeypatch.setattr(outputs, "write_timeseries", _fail)
    with pytest.raises(OutputError, match="disk on fire"):
        outputs.write_outputs(analysis, video_path=None, out_dir=out_dir)
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "report.html",
        "result.json",
        "timeseries.csv",
    ]
    assert (out_dir / "result.json").read_text() == earlier
    assert _siblings(out_dir) == ["run"]


def test_a_failed_swap_puts_the_earlier_run_back(analysis, tmp_path: Path, monkeypatch):
    out_dir = outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    earlier = _mark_earlier(out_dir)
    real_rename = outputs.os.rename

    def rename(src, dst):
        if Path(src).name.startswith(".run.tmp-"):
            raise OSError("rename refused")
        real_rename(src, dst)

    monkeypatch.setattr(outputs.os, "rename", rename)
    with pytest.raises(OutputError, match="rename refused"):
        outputs.write_outputs(analysis, video_path=None, out_dir=out_dir)
    assert (out_dir / "result.json").read_text() == earlier
    assert _siblings(out_dir) == ["run"]


def test_it_refuses_a_file_in_place_of_the_folder(analysis, tmp_path: Path):
    (tmp_path / "run").write_text("not a folder")
    with pytest.raises(OutputError, match="must be a folder"):
        outputs.write_outputs(analysis, video_path=None, out_dir=tmp_path / "run")
    assert _siblings(tmp_path / "run") == ["run"]


def test_it_works_with_the_real_video_reader(analysis, tmp_path: Path):
    video = tmp_path / "in" / "patient_visit.mp4"
    with VideoWriter(video, fps=FPS, width=WIDTH, height=HEIGHT) as writer:
        for t, rgb in fake_frames():
            writer.write(rgb, timestamp_s=t)
    out = outputs.write_outputs(analysis, video_path=video, out_dir=tmp_path / "run", annotate=True)
    assert (out / "report.html").read_text().count("data:image/jpeg;base64,") == 2
    with av.open(str(out / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == N_FRAMES
