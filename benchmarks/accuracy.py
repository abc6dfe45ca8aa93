"""Accuracy of `hemispasm analyze` on the standard synthetic suite, as a table for the README.

Usage::

    .venv/bin/python benchmarks/accuracy.py

Generates every suite video (fixed seeds) in a temporary folder, analyses it end to end with a cold
landmark cache, and prints per-video and pooled event figures. The same cases and matching rule
are asserted by tests/test_accuracy.py.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hemispasm.synth.suite import (
    BAR_CASES,
    CONTROL_CASES,
    HEAD_MOTION_CASES,
    LOW_FPS_CASES,
    CaseRun,
    pooled_score,
    run_case,
)


def _row(label: str, runs: list[CaseRun]) -> str:
    spasm, blink = pooled_score(runs, "spasm"), pooled_score(runs, "blink")
    side_ok = sum(
        r.analysis.metrics.affected_side == (r.case.side if r.case.spasms else None) for r in runs
    )
    return (
        f"| {label} | {len(spasm.matches)}/{len(spasm.false_positives)}/"
        f"{len(spasm.false_negatives)} | {spasm.f1:.3f} | {len(spasm.side_errors)} | "
        f"{len(blink.matches)}/{len(blink.false_positives)}/{len(blink.false_negatives)} | "
        f"{blink.f1:.3f} | {side_ok}/{len(runs)} |"
    )


def main() -> None:
    print(f"Measured {date.today().isoformat()}; matched/false/missed per kind.")
    print()
    print(
        "| videos | spasms m/f/x | spasm F1 | side errors | blinks m/f/x | blink F1 | "
        "affected side right |"
    )
    print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        groups = {
            "bar: 8 videos, 24/30/60 fps, 640x480 and 1280x720": BAR_CASES,
            "control: blinks and head motion only": CONTROL_CASES,
            "restless head (about 9 deg yaw, 11 deg roll)": HEAD_MOTION_CASES,
            "15 fps (below the supported range)": LOW_FPS_CASES,
        }
        for label, cases in groups.items():
            runs = [run_case(case, root) for case in cases]
            for run in runs:
                print(_row(run.case.name, [run]))
            print(_row(f"**{label}**", runs))


if __name__ == "__main__":
    main()
