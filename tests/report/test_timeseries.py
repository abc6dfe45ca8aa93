"""timeseries.csv: one row per frame, the right columns, NaN as empty cells, events marked."""

from __future__ import annotations

import csv
from pathlib import Path

from hemispasm.report.timeseries import COLUMNS, write_timeseries

from .conftest import N_FRAMES


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_it_writes_one_row_per_frame_with_the_columns(analysis, tmp_path: Path):
    path = write_timeseries(analysis, tmp_path / "ts.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == COLUMNS
    assert len(_read(path)) == N_FRAMES


def test_it_writes_nan_as_an_empty_cell(analysis, tmp_path: Path):
    rows = _read(write_timeseries(analysis, tmp_path / "ts.csv"))
    gap = [r for r in rows if r["usable"] == "0"]
    assert gap, "the fixture has an unusable span"
    assert all(r["closure_left"] == "" and r["yaw_deg"] == "" for r in gap)
    assert "nan" not in (tmp_path / "ts.csv").read_text().lower()


def test_it_marks_the_event_covering_each_frame(analysis, tmp_path: Path):
    rows = _read(write_timeseries(analysis, tmp_path / "ts.csv"))
    by_time = {round(float(r["time_s"]), 3): r for r in rows}
    assert (by_time[1.3]["event_kind"], by_time[1.3]["event_side"]) == ("spasm", "left")
    assert (by_time[2.6]["event_kind"], by_time[2.6]["event_side"]) == ("blink", "both")
    assert (by_time[0.5]["event_kind"], by_time[0.5]["event_side"]) == ("", "")
