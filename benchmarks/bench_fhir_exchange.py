"""Time the FHIR round trip of the demo clinic on SQLite: export, import into an empty clinic,
export again; and check that both exports hold the same resources apart from their ids.

Usage::

    .venv/bin/python benchmarks/bench_fhir_exchange.py [--patients 24] [--work DIR]

Seeds the demo clinic (``hemispasm demo``'s history; each sample video's analysis is the stored
``tests/data/result_synthetic_left.json`` instead of a freshly measured one) into ``--work``
(default: a temporary folder), then runs ``hemispasm export fhir``, ``hemispasm import fhir`` and
``hemispasm export fhir`` again through the CLI's entry point and prints each time, the resource
counts and the size of the files.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from hemispasm.cli import main as cli
from hemispasm.clinic import commands
from hemispasm.clinic.settings import load_settings

TODAY = date(2026, 6, 15)
RESULT = Path(__file__).parents[1] / "tests" / "data" / "result_synthetic_left.json"


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    code = cli(args)
    if code != 0:
        raise SystemExit(f"hemispasm {' '.join(args)} exited {code}")
    return time.perf_counter() - start


def _resources(folder: Path) -> tuple[Counter[str], list[str]]:
    counts: Counter[str] = Counter()
    stripped = []
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            counts[resource["resourceType"]] += 1
            resource.pop("id")
            text = json.dumps(resource, sort_keys=True)
            stripped.append(re.sub(r'"reference": "[^"]*"', '"reference": ""', text))
    return counts, sorted(stripped)


def run(patients: int, work: Path) -> None:
    stored = json.loads(RESULT.read_text(encoding="utf-8"))
    settings = load_settings(data_dir=work / "demo", argon2_time_cost=1, argon2_memory_kib=8)
    start = time.perf_counter()
    commands.demo(
        settings,
        patients=patients,
        seed=1,
        today=TODAY,
        make_video=lambda video, folder: copy.deepcopy(stored),
    )
    print(f"hemispasm FHIR round trip, Python {platform.python_version()}, {platform.machine()}")
    print(f"seeded {patients} demo patients in {time.perf_counter() - start:.1f} s")
    first, again = work / "export-1", work / "export-2"
    t_export = _timed(["export", "fhir", "--data", str(work / "demo"), "--out", str(first)])
    t_import = _timed(["import", "fhir", str(first), "--data", str(work / "copy")])
    t_again = _timed(["export", "fhir", "--data", str(work / "copy"), "--out", str(again)])
    counts, content = _resources(first)
    counts_again, content_again = _resources(again)
    size = sum(p.stat().st_size for p in first.glob("*.ndjson"))
    print(f"{sum(counts.values())} resources ({size / 1e6:.1f} MB): {dict(sorted(counts.items()))}")
    print(f"export {t_export:.1f} s, import {t_import:.1f} s, export again {t_again:.1f} s")
    same = counts == counts_again and content == content_again
    print("the second export holds the same resources apart from ids:", "yes" if same else "NO")
    if not same:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=24)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        run(args.patients, args.work)
        return
    with tempfile.TemporaryDirectory() as work:
        run(args.patients, Path(work))


if __name__ == "__main__":
    main()
