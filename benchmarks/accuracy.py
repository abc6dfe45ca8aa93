"""Accuracy of `hemispasm analyze`, and of two simple rules, as the tables quoted in the README.

Usage::

    .venv/bin/python benchmarks/accuracy.py [--suite held-back|dev|all] [--work DIR]
        [--real tests/data/real-faces --videos ../shared/data/real-faces]

Synthetic: every case of the realistic suite (``hemispasm.synth.suite``; fixed seeds) is
generated and analysed end to end with the real face model. Held-back seeds are reported apart
from the development seeds the decision was tuned on. Real: every labelled video of ``--real``
at its own frame rate and at half of it (every second frame kept).

Matching rule (``hemispasm.analysis.evaluation.match_events``): one-to-one within a kind, largest
overlap first, both intervals widened by 0.1 s. m/f/x = matched / false / missed. The baselines
(``benchmarks/baselines.py``) decide on the same closure signals, so only the decision differs.
``--work`` keeps the videos and the landmark cache between runs (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import BASELINES

from hemispasm.analysis.evaluation import KindScore, match_events, outside_spans
from hemispasm.analysis.types import Event
from hemispasm.labels.evaluate import locate_video
from hemispasm.labels.format import find_label_files, read_labels
from hemispasm.pipeline import Analysis, analyze_video
from hemispasm.synth.suite import (
    DEV_CONTROL_CASES,
    DEV_SPASM_CASES,
    HELD_BACK_CONTROL_CASES,
    HELD_BACK_SPASM_CASES,
    MIN_SPASM_FPS,
    SuiteCase,
    run_case,
)
from hemispasm.video.decimate import decimate_video

Decide = Callable[[Analysis], tuple[Event, ...]]
DECIDERS: dict[str, Decide] = {
    "hemispasm": lambda a: a.events,
    **{
        name: (lambda a, rule=rule: rule(a.measurements.timestamps_s, a.closure))
        for name, rule in BASELINES.items()
    },
}


class Tally:
    """Counts pooled over videos for one decider."""

    def __init__(self) -> None:
        self.spasm = [0, 0, 0]
        self.blink = [0, 0, 0]
        self.side_errors = 0
        self.partial = [0, 0]
        self.sides_right = 0
        self.videos = 0
        self.minutes = 0.0

    def add(self, spasm: KindScore, blink: KindScore, *, side_right: bool, minutes: float) -> None:
        for acc, k in ((self.spasm, spasm), (self.blink, blink)):
            acc[0] += len(k.matches)
            acc[1] += len(k.false_positives)
            acc[2] += len(k.false_negatives)
        self.side_errors += len(spasm.side_errors)
        partial = [t for t in (*(t for _, t in spasm.matches), *spasm.false_negatives)]
        partial = [t for t in partial if t.type == "partial"]
        found = {id(t) for _, t in spasm.matches}
        self.partial[0] += sum(id(t) in found for t in partial)
        self.partial[1] += len(partial)
        self.sides_right += side_right
        self.videos += 1
        self.minutes += minutes

    @staticmethod
    def f1(m: int, f: int, x: int) -> str:
        return f"{2 * m / (2 * m + f + x):.3f}" if m + x else "-"  # "-": nothing to find

    def row(self, label: str) -> str:
        partial = f"{self.partial[0]}/{self.partial[1]}" if self.partial[1] else "-"
        fpm = self.spasm[1] / self.minutes if self.minutes else 0.0
        return (
            f"| {label} | {'/'.join(map(str, self.spasm))} | {self.f1(*self.spasm)} | "
            f"{fpm:.2f} | {partial} | {self.side_errors} | {'/'.join(map(str, self.blink))} | "
            f"{self.f1(*self.blink)} | {self.sides_right}/{self.videos} |"
        )


HEADER = (
    "| videos | spasms m/f/x | spasm F1 | false spasms/min | partial closures found | "
    "side errors | blinks m/f/x | blink F1 | affected side right |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
)


def _minutes(a: Analysis, excluded: Sequence[tuple[float, float]] = ()) -> float:
    t = a.measurements.timestamps_s
    usable = a.measurements.usable.copy()
    for lo, hi in excluded:
        usable &= ~((t >= lo) & (t <= hi))
    dt = float((t[-1] - t[0]) / max(1, t.size - 1)) if t.size > 1 else 0.0
    return float(usable.sum()) * dt / 60.0


def _side_of(events: Sequence[Event], a: Analysis, name: str) -> str | None:
    if name == "hemispasm":
        return a.metrics.affected_side
    spasms = [e for e in events if e.kind == "spasm"]  # the simple rules: the side with most
    left = sum(e.side == "left" for e in spasms)
    right = len(spasms) - left
    return None if left == right else ("left" if left > right else "right")


def synthetic(cases: Sequence[SuiteCase], root: Path, title: str) -> None:
    print(f"\n#### {title}\n\n{HEADER}")
    pooled = {name: {"spasm": Tally(), "control": Tally()} for name in DECIDERS}
    for case in cases:
        run = run_case(case, root, use_cache=True, reuse=True)
        for name, decide in DECIDERS.items():
            events = decide(run.analysis)
            countable = case.fps >= MIN_SPASM_FPS
            truth = run.truth if countable else tuple(e for e in run.truth if e.kind == "blink")
            spasm = match_events(events, truth, kind="spasm")
            blink = match_events(events, truth, kind="blink")
            want = case.side if case.spasms and countable else None
            group = "spasm" if case.spasms else "control"
            if case.spasms and not countable:
                continue  # below 12 fps spasms are not counted; reported on the controls only
            pooled[name][group].add(
                spasm,
                blink,
                side_right=_side_of(events, run.analysis, name) == want,
                minutes=_minutes(run.analysis),
            )
            if name == "hemispasm":
                one = Tally()
                one.add(
                    spasm,
                    blink,
                    side_right=_side_of(events, run.analysis, name) == want,
                    minutes=_minutes(run.analysis),
                )
                print(one.row(case.name))
    for name in DECIDERS:
        print(pooled[name]["spasm"].row(f"**{name}: patients (>= 12 fps)**"))
        print(pooled[name]["control"].row(f"**{name}: healthy controls (6-60 fps)**"))


def real(labels_dir: Path, videos: Sequence[Path], root: Path) -> None:
    print(f"\n#### Real faces ({labels_dir})\n\n{HEADER}")
    pooled = {name: Tally() for name in DECIDERS}
    for path in find_label_files(labels_dir):
        labels = read_labels(path)
        video = locate_video(path, labels, videos)
        for keep in (1, 2):
            v = video
            if keep > 1:
                v = root / f"{video.stem}-1in{keep}.mp4"
                if not v.exists():
                    decimate_video(video, v, keep_every=keep)
            a = analyze_video(v, use_cache=True, cache_dir=root / "cache")
            excluded = labels.excluded_spans()
            truth = outside_spans(labels.truth(), excluded)
            for name, decide in DECIDERS.items():
                events = outside_spans(decide(a), excluded)
                spasm = match_events(events, truth, kind="spasm")
                blink = match_events(events, truth, kind="blink")
                right = _side_of(events, a, name) == labels.subject.affected_side
                minutes = _minutes(a, excluded)
                pooled[name].add(spasm, blink, side_right=right, minutes=minutes)
                if name == "hemispasm":
                    one = Tally()
                    one.add(spasm, blink, side_right=right, minutes=minutes)
                    fps = 1.0 / float(
                        a.measurements.timestamps_s[1] - a.measurements.timestamps_s[0]
                    )
                    print(one.row(f"{path.name.removesuffix('.labels.json')} at {fps:.0f} fps"))
    for name in DECIDERS:
        print(pooled[name].row(f"**{name}: all**"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=("held-back", "dev", "all"), default="all")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--real", type=Path, default=Path("tests/data/real-faces"))
    parser.add_argument("--videos", type=Path, action="append", default=[])
    args = parser.parse_args()
    print(
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}."
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = args.work or Path(tmp)
        os.environ.setdefault("HEMISPASM_CACHE_DIR", str(root / "cache"))
        if args.real:
            real(args.real, args.videos, root)
        if args.suite in ("held-back", "all"):
            synthetic(
                HELD_BACK_SPASM_CASES + HELD_BACK_CONTROL_CASES,
                root / "held-back",
                "Synthetic, held-back seeds (never tuned on)",
            )
        if args.suite in ("dev", "all"):
            synthetic(
                DEV_SPASM_CASES + DEV_CONTROL_CASES,
                root / "dev",
                "Synthetic, development seeds (tuned on)",
            )


if __name__ == "__main__":
    main()
