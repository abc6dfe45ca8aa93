"""A real worker process for test_kill.py: ``python -m tests.clinic.jobs.worker_process``.

Settings come from the environment (``HEMISPASM_*``), as for ``hemispasm worker``. The analysis
is stood in: while the file ``HEMISPASM_TEST_BLOCK`` exists, an analysis creates the file
``HEMISPASM_TEST_STARTED`` and then waits, to be killed in the middle of its job.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from hemispasm.clinic.commands import run_worker
from hemispasm.clinic.settings import Settings
from tests.clinic.jobs.helpers import write_fake_report


def analyse(video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]:
    """Wait while the block file exists (up to a minute), then write a made-up report."""
    block = Path(os.environ["HEMISPASM_TEST_BLOCK"])
    if block.exists():
        Path(os.environ["HEMISPASM_TEST_STARTED"]).touch()
        deadline = time.monotonic() + 60
        while block.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return write_fake_report(video, out_dir, mirrored=mirrored)


if __name__ == "__main__":
    run_worker(Settings(), analyse=analyse)
