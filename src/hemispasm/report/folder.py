"""The output folder: its file names, and whether an existing folder may be replaced.

Kept apart from the writers so that the command line can check ``--out`` before any analysis,
without loading the plotting code.
"""

from __future__ import annotations

from pathlib import Path

from hemispasm.errors import OutputError
from hemispasm.report.result_json import load_result

RESULT_NAME = "result.json"
TIMESERIES_NAME = "timeseries.csv"
REPORT_NAME = "report.html"
ANNOTATED_NAME = "annotated.mp4"


def video_prefix(video_path: str | Path | None) -> str:
    """The ``"FILE: "`` prefix of a message about ``video_path``'s outputs (empty without one)."""
    return "" if video_path is None else f"{video_path}: "


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` is empty or holds a valid result.json, i.e. may be replaced."""
    try:
        if not any(folder.iterdir()):
            return True
        load_result(folder / RESULT_NAME)
    except (OSError, ValueError):
        return False
    return True


def check_out_dir(out_dir: Path, *, video_path: str | Path | None) -> None:
    """Refuse an ``out_dir`` that write_outputs must not replace: a file or a foreign folder.

    A missing folder, an empty one and an earlier hemispasm output folder (one whose
    result.json follows the schema) are fine; anything else may be the user's own files.
    """
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not out_dir.is_dir():
        raise OutputError(
            f"{video_prefix(video_path)}cannot write the report to {out_dir}: it must be a folder, "
            "but is a file"
        )
    if not is_output_folder(out_dir):
        raise OutputError(
            f"{out_dir}: exists and is not a hemispasm output folder; choose another --out"
        )
