"""The analysis runs in a child process: its errors come back as the same kind, a dead child
is a retryable failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.clinic.jobs import analysis
from hemispasm.clinic.jobs.analysis import (
    AnalysisProcessError,
    _portable,
    analyse_in_child_process,
)
from hemispasm.clinic.jobs.runner import is_permanent
from hemispasm.errors import ClinicalDataError, HemispasmError, OutputError, VideoReadError


def test_a_file_that_is_no_video_fails_in_the_child_with_the_pipelines_own_error(
    tmp_path: Path,
) -> None:
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_bytes(b"these are not the frames you are looking for" * 100)

    with pytest.raises(VideoReadError, match=r"notes\.mp4") as caught:
        analyse_in_child_process(not_a_video, mirrored=False, out_dir=tmp_path / "report")

    assert is_permanent(caught.value)  # a bad video is not retried


def test_a_child_that_dies_without_an_answer_is_a_failure_worth_retrying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "CHILD_COMMAND", "import os; os._exit(3)")

    with pytest.raises(AnalysisProcessError, match="exit code 3") as caught:
        analyse_in_child_process(tmp_path / "x.mp4", mirrored=False, out_dir=tmp_path / "r")

    assert not is_permanent(caught.value)


def test_errors_that_cannot_be_rebuilt_in_another_process_keep_their_message_and_meaning() -> None:
    record = ClinicalDataError("recorded_on", "is in the future")
    disk = OutputError("disk full")

    class FullDiskError(OutputError):
        def __init__(self, path: str, free: int) -> None:
            super().__init__(f"{path}: only {free} bytes free")

    plain = _portable(record)
    assert type(plain) is HemispasmError and str(plain) == "recorded_on: is in the future"
    assert _portable(disk) is disk
    rebuilt = _portable(FullDiskError("/data", 0))
    assert type(rebuilt) is OutputError and str(rebuilt) == "/data: only 0 bytes free"
