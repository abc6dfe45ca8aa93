"""Write every output of an analysis into one folder, all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hemispasm.errors import HemispasmError, OutputError
from hemispasm.report.annotate import Progress, write_annotated_video
from hemispasm.report.folder import (
    ANNOTATED_NAME,
    REPORT_NAME,
    RESULT_NAME,
    TIMESERIES_NAME,
    check_out_dir,
    video_prefix,
)
from hemispasm.report.html import render_report
from hemispasm.report.result_json import build_result, write_result
from hemispasm.report.timeseries import write_timeseries

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis


def _fsync_tree(folder: Path) -> None:
    """Flush the files of ``folder`` and the folder itself to disk before it is renamed."""
    for path in folder.iterdir():
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(
    analysis: Analysis,
    folder: Path,
    *,
    video_path: str | Path | None,
    annotate: bool,
    progress: Progress | None,
) -> None:
    result = build_result(analysis)
    write_result(result, folder / RESULT_NAME)
    write_timeseries(analysis, folder / TIMESERIES_NAME)
    render_report(analysis, result=result, video_path=video_path, out_path=folder / REPORT_NAME)
    if annotate:
        if video_path is None:
            raise OutputError("annotate=True needs video_path, but got None")
        write_annotated_video(
            analysis, video_path=video_path, out_path=folder / ANNOTATED_NAME, progress=progress
        )
    _fsync_tree(folder)


def _install(tmp: Path, out_dir: Path, *, video_path: str | Path | None) -> None:
    """Move the finished ``tmp`` folder to ``out_dir``, replacing an earlier one only now."""
    check_out_dir(out_dir, video_path=video_path)  # again: it may have changed meanwhile
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    old.rmdir()  # only its unique name is wanted
    os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        os.rename(old, out_dir)  # put the previous outputs back
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_outputs(
    analysis: Analysis,
    *,
    video_path: str | Path | None,
    out_dir: str | Path,
    annotate: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write result.json, timeseries.csv, report.html (and annotated.mp4) into ``out_dir``.

    Everything is first written into a hidden sibling folder, which replaces ``out_dir`` only when
    complete, so a reader never sees half-written outputs and an earlier run's folder survives a
    failure. An existing ``out_dir`` is replaced only when it is empty or is an earlier hemispasm
    output folder (its result.json follows the schema); any other folder is left untouched.
    ``progress(frames_done, frames_total)`` reports the annotated video's progress.

    Raises
    ------
    OutputError
        If ``out_dir`` is a file or a folder of other files (checked before anything is written),
        or if the folder cannot be written; the temporary folder is removed first. Errors of the
        video reader (``VideoReadError`` and the like) pass through with their own class.
    """
    out_dir = Path(out_dir).absolute()
    check_out_dir(out_dir, video_path=video_path)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    except OSError as exc:
        raise OutputError(
            f"{video_prefix(video_path)}cannot write the report to {out_dir}: {exc}"
        ) from exc
    try:
        _write_all(analysis, tmp, video_path=video_path, annotate=annotate, progress=progress)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; outputs are ordinary files
        _install(tmp, out_dir, video_path=video_path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, HemispasmError) or not isinstance(exc, Exception):
            raise  # typed errors keep their class; Ctrl-C stays Ctrl-C
        raise OutputError(
            f"{video_prefix(video_path)}cannot write the report to {out_dir}: {exc}"
        ) from exc
    return out_dir
