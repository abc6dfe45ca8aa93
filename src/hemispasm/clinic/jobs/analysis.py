"""What a job does with a video: the analysis pipeline and the report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class Analyse(Protocol):
    """Analyse one video, write its report folder ``out_dir``, return result.json's content.

    Raises the pipeline's ``HemispasmError`` subclasses for a bad video (not retried) and anything
    else for a failure that may pass (retried).
    """

    def __call__(self, video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]: ...


def analyse_video_file(video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]:
    """The real analysis, in this process (one worker) and without the landmark cache, so that
    nothing about the video is kept outside the data folder."""
    from hemispasm.pipeline import analyze_video
    from hemispasm.report.outputs import write_outputs
    from hemispasm.report.result_json import build_result

    analysis = analyze_video(video, mirrored=mirrored, workers=1, use_cache=False)
    write_outputs(analysis, video_path=video, out_dir=out_dir)
    return build_result(analysis)
