"""What a job does with a video: the analysis pipeline and the report folder.

The analysis runs in a child process of its own (``analyse_in_child_process``), so that a worker
inside the server never competes with the requests for the server's interpreter lock, and the
face model's memory is returned when the job ends. The child touches no database: the runner
claims the job before and stores the result after, each in a short transaction.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Protocol

from hemispasm.errors import HemispasmError, OutputError

CHILD_NICENESS = 5
"""How much lower than the server's the analysing process's CPU priority is: on a machine short of
cores, the clinic's pages come first and the analysis takes what is left."""
CHILD_COMMAND = "from hemispasm.clinic.jobs.analysis import run_child; run_child()"
"""What the child runs: a fresh interpreter that imports only this module (``multiprocessing``
would first run the parent's own main module again, e.g. ``python -m hemispasm serve``)."""
PARENT_CHECK_S = 1.0


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
    return build_result(analysis).to_json_dict()


class AnalysisProcessError(RuntimeError):
    """The analysing process failed outside the analysis's own errors (killed, out of memory,
    a bug); retried."""


def analyse_in_child_process(video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]:
    """``analyse_video_file`` in a new Python process at a lower CPU priority: its result, or
    the error it raised. The child's log goes to this process's standard error."""
    request = pickle.dumps((os.getpid(), video, mirrored, out_dir))
    done = subprocess.run(
        [sys.executable, "-c", CHILD_COMMAND], input=request, stdout=subprocess.PIPE, check=False
    )
    if done.returncode != 0 or not done.stdout:
        raise AnalysisProcessError(
            f"the analysing process ended with exit code {done.returncode} and no result"
        )
    outcome, value = pickle.loads(done.stdout)  # written by our own child, below
    if outcome == "error":
        raise value
    result: dict[str, Any] = value
    return result


def run_child() -> None:
    """The child's side: read the job from standard input, analyse, write ("result", dict) or
    ("error", exception) to standard output, pickled. Anything else the analysis prints goes to
    standard error, so that it cannot spoil the answer."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    parent, video, mirrored, out_dir = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    os.nice(CHILD_NICENESS)
    try:
        message: tuple[str, Any] = (
            "result",
            analyse_video_file(video, mirrored=mirrored, out_dir=out_dir),
        )
    except HemispasmError as exc:
        message = ("error", _portable(exc))
    except Exception:  # passed on as text (for the worker's log); retried like any other
        message = ("error", AnalysisProcessError(traceback.format_exc()))
    with answer:
        pickle.dump(message, answer)


def _end_with(parent: int) -> None:
    """Exit when the process that asked for the analysis is gone (its job is recovered by its
    lease and analysed again; this result would have nobody to store it)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _portable(exc: HemispasmError) -> HemispasmError:
    """``exc`` if it survives the trip between processes; else a plain one of the same meaning
    (errors whose constructor takes other arguments than the message cannot be rebuilt)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        kind = OutputError if isinstance(exc, OutputError) else HemispasmError
        return kind(str(exc))
    return exc
