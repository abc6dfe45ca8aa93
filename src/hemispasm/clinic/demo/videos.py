"""Sample videos for the demo clinic: made by the synthetic generator, measured by the pipeline,
and kept (video and result.json) in a cache folder so that a second run reuses them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hemispasm.errors import OutputError
from hemispasm.report.contract import parse_result
from hemispasm.report.folder import TIMESERIES_NAME
from hemispasm.report.result_json import dumps_result, load_result

RESULT_NAME = "result.json"


@dataclass(frozen=True)
class SampleVideo:
    """One synthetic face video; the seeds were picked for the severity their videos show."""

    key: str
    title: str
    seed: int
    spasms: bool
    side: Literal["left", "right"] = "left"
    duration_s: float = 12.0

    @property
    def folder_name(self) -> str:
        """The cache folder: a changed recipe gets a new folder, never a stale result."""
        kind = "spasms" if self.spasms else "blinks"
        return f"{self.key}-{self.side}-{kind}-seed{self.seed}-{self.duration_s:g}s"


SAMPLE_VIDEOS: dict[str, SampleVideo] = {
    v.key: v
    for v in (
        SampleVideo("severe", "frequent spasms, one held for seconds", seed=6, spasms=True),
        SampleVideo("mild", "a few short twitches", seed=57, spasms=True),
        SampleVideo("blinks", "normal blinks only", seed=0, spasms=False),
    )
}

MakeResult = Callable[[SampleVideo, Path], dict[str, Any]]
"""Make a sample video inside a folder and return its ``hemispasm.analysis/1`` result."""


@dataclass(frozen=True)
class SampleResult:
    """A sample video's result and whether this run made it (or found it in the cache)."""

    video: SampleVideo
    result: dict[str, Any]
    made: bool
    seconds: float
    folder: Path | None = None
    """The cache folder: the video, result.json and (when made by this version) timeseries.csv."""


def make_and_analyse(video: SampleVideo, folder: Path) -> dict[str, Any]:
    """Render the synthetic video into ``folder``, measure it with the analysis pipeline and keep
    its per-frame time series beside it (the demo's reports draw their evidence from it)."""
    from hemispasm.pipeline import analyze_video
    from hemispasm.report.result_json import build_result
    from hemispasm.report.timeseries import write_timeseries
    from hemispasm.synth.generate import make_synthetic_video

    made = make_synthetic_video(
        folder,
        seed=video.seed,
        side=video.side,
        duration_s=video.duration_s,
        spasms=video.spasms,
    )
    analysis = analyze_video(made.video_path, use_cache=False, workers=min(2, os.cpu_count() or 1))
    write_timeseries(analysis, folder / TIMESERIES_NAME)
    return build_result(analysis).to_json_dict()


def sample_results(
    cache_dir: Path,
    keys: Iterable[str],
    *,
    make: MakeResult = make_and_analyse,
    note: Callable[[str], None] = lambda _: None,
) -> dict[str, SampleResult]:
    """The result of each sample video named in ``keys``: from ``cache_dir`` when there, else
    made now and stored there."""
    out: dict[str, SampleResult] = {}
    for key in sorted(set(keys)):
        video = SAMPLE_VIDEOS[key]
        folder = cache_dir / video.folder_name
        cached = _read_cached(folder / RESULT_NAME)
        if cached is not None:
            out[key] = SampleResult(video, cached, made=False, seconds=0.0, folder=folder)
            continue
        note(f"making and measuring the sample video '{key}' ({video.title})")
        started = time.perf_counter()
        result = make(video, folder)
        parse_result(result)
        _write_json(folder / RESULT_NAME, result)
        seconds = time.perf_counter() - started
        out[key] = SampleResult(video, result, made=True, seconds=seconds, folder=folder)
    return out


def _read_cached(path: Path) -> dict[str, Any] | None:
    """A valid stored result, or None (missing, unreadable or not a result: made again)."""
    try:
        return load_result(path).to_json_dict()
    except (OSError, ValueError, TypeError):
        return None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Write whole or not at all (a temporary file renamed into place)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(dumps_result(parse_result(value)), encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
