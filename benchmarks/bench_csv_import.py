"""Time ``hemispasm import csv`` of a 500-patient, 5,000-session file on SQLite (the bar: 60 s).

Usage::

    .venv/bin/python benchmarks/bench_csv_import.py [--patients 500] [--sessions-per-patient 10]
        [--work DIR] [--bad-row]

Writes the template's files (``docs/csv-import.md``) for fictional patients ("Demo Patient 17",
record numbers BENCH-0017), a session every 90 days with two to four sites each and a
self-rating after every second session, into ``--work`` (default: a temporary folder); imports
them into a new SQLite database there and prints the time; then exports the clinic again and
prints that time too. ``--bad-row`` spoils one site's units near the end of the file instead,
and shows that the import stores nothing and names the row and column.
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from hemispasm.clinic.csv_commands import export_csv, import_csv
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.settings import load_settings
from hemispasm.errors import ImportFileError

TODAY = date(2026, 12, 7)
MUSCLES = (
    "orbicularis_oculi_pretarsal_upper",
    "orbicularis_oculi_pretarsal_lower",
    "orbicularis_oculi_orbital_lateral_canthus",
    "corrugator",
    "zygomaticus_major",
    "risorius",
)


def write_files(folder: Path, *, patients: int, sessions_per_patient: int, seed: int = 7) -> None:
    """The template's four files for fictional patients, reproducible from ``seed``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[list[object]]] = {name: [] for name in t.IMPORTED}
    session_key = 0
    for n in range(1, patients + 1):
        mrn = f"BENCH-{n:04d}"
        side = rng.choice(("left", "right"))
        born = date(1940 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 29))
        rows[t.PATIENTS].append([mrn, f"Demo Patient {n}", born.isoformat(), "unknown"])
        first = TODAY - timedelta(days=90 * sessions_per_patient + rng.randrange(30))
        for k in range(sessions_per_patient):
            session_key += 1
            on = first + timedelta(days=90 * k)
            began = on + timedelta(days=rng.randrange(2, 6))
            wore_off = on + timedelta(days=rng.randrange(60, 85))
            course = [began.isoformat(), wore_off.isoformat()]
            key = f"S{session_key}"
            rows[t.SESSIONS].append(
                [key, mrn, on.isoformat(), "onabotulinumtoxinA", "2.5", *course]
            )
            for muscle in rng.sample(MUSCLES, rng.randrange(2, 5)):
                units = rng.choice(("1.25", "2.5", "2.5", "5"))
                rows[t.SESSION_SITES].append([f"S{session_key}", muscle, side, units])
            if k % 2:
                rated = on + timedelta(days=14)
                rows[t.SELF_RATINGS].append([mrn, rated.isoformat(), rng.randrange(0, 8)])
    headers = {
        t.PATIENTS: ["mrn", "name", "birth_date", "sex"],
        t.SESSIONS: [
            "session_id",
            "mrn",
            "session_on",
            "product",
            "dilution_units_per_0_1_ml",
            "effect_began_on",
            "wore_off_on",
        ],
        t.SESSION_SITES: ["session_id", "muscle", "side", "units"],
        t.SELF_RATINGS: ["mrn", "rated_on", "score"],
    }
    for name, body in rows.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers[name])
            writer.writerows(body)


def spoil_one_site(folder: Path) -> int:
    """Give the last site but one a dose off the 0.01 U grid; returns its line."""
    path = folder / t.SESSION_SITES
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = len(lines) - 1  # 1-based line of the last row but one
    cells = lines[bad - 1].split(",")
    cells[3] = "2.505"
    lines[bad - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def count_rows(database: Path) -> dict[str, int]:
    """Rows of the imported tables (all 0 when the import never created the database: the files
    are checked before it is opened)."""
    tables = ("patients", "injection_sessions", "injection_sites", "self_ratings")
    if not database.exists():
        return dict.fromkeys(tables, 0)
    with sqlite3.connect(database) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--sessions-per-patient", type=int, default=10)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--bad-row", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        files, data = work / "csv", work / "data"
        write_files(files, patients=args.patients, sessions_per_patient=args.sessions_per_patient)
        bad_line = spoil_one_site(files) if args.bad_row else None
        settings = load_settings(data_dir=data)
        print(
            f"{args.patients} patients, {args.patients * args.sessions_per_patient} sessions; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.machine()}"
        )
        start = time.perf_counter()
        try:
            message = import_csv(settings, files, clinic="Benchmark Clinic", today=TODAY)
        except ImportFileError as error:
            elapsed = time.perf_counter() - start
            print(f"refused after {elapsed:.1f} s: {error}")
            counts = count_rows(Path(settings.sqlalchemy_url.removeprefix("sqlite:///")))
            print(f"rows stored: {counts}")
            ok = bad_line is not None and f"line {bad_line}" in str(error)
            return 0 if ok and not any(counts.values()) else 1
        elapsed = time.perf_counter() - start
        print(f"import: {elapsed:.1f} s ({message})")
        start = time.perf_counter()
        print(export_csv(settings, work / "export", patient_id=None, clinic=None, today=TODAY))
        print(f"export: {time.perf_counter() - start:.1f} s")
        return 0 if elapsed < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
