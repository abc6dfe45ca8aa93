"""timeseries.csv: one row per analysed frame, streamed with the csv module."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemispasm.analysis.types import Event

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

COLUMNS: tuple[str, ...] = (
    "time_s",
    "usable",
    "face_found",
    "aperture_left",
    "aperture_right",
    "closure_left",
    "closure_right",
    "brow_left",
    "brow_right",
    "cheek_left",
    "cheek_right",
    "mouth_corner_left",
    "mouth_corner_right",
    "yaw_deg",
    "pitch_deg",
    "roll_deg",
    "event_kind",
    "event_side",
)


def frame_events(timestamps_s: np.ndarray, events: Sequence[Event]) -> list[Event | None]:
    """The event covering each frame (start <= t <= end), or None.

    Where a blink and a spasm overlap, the spasm is reported; among events of the same kind, the
    later one wins.
    """
    t = np.asarray(timestamps_s, dtype=np.float64)
    out: list[Event | None] = [None] * t.shape[0]
    # Blinks first, then spasms, so spasms overwrite overlapping blinks.
    ordered = sorted(events, key=lambda e: (e.kind == "spasm", e.start_s))
    for event in ordered:
        lo = int(np.searchsorted(t, event.start_s, side="left"))
        hi = int(np.searchsorted(t, event.end_s, side="right"))
        for i in range(lo, hi):
            out[i] = event
    return out


def _fmt(value: float, spec: str = ".6g") -> str:
    x = float(value)
    return format(x, spec) if math.isfinite(x) else ""


def iter_rows(analysis: Analysis) -> Iterator[list[str]]:
    """Yield the CSV cells of each frame, in :data:`COLUMNS` order (NaN as an empty cell)."""
    m = analysis.measurements
    closure = analysis.closure
    covering = frame_events(m.timestamps_s, analysis.events)
    per_side = (m.aperture, closure, m.brow, m.cheek, m.mouth_corner)
    for i in range(m.n_frames):
        row = [
            _fmt(m.timestamps_s[i], ".6f"),
            "1" if m.usable[i] else "0",
            "1" if m.face_found[i] else "0",
        ]
        for pair in per_side:
            row.append(_fmt(pair.left[i]))
            row.append(_fmt(pair.right[i]))
        row += [_fmt(m.yaw_deg[i], ".3f"), _fmt(m.pitch_deg[i], ".3f"), _fmt(m.roll_deg[i], ".3f")]
        event = covering[i]
        row += [event.kind, event.side] if event is not None else ["", ""]
        yield row


def write_timeseries(analysis: Analysis, path: str | Path) -> Path:
    """Write timeseries.csv for ``analysis`` (header plus one row per frame); return its path."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in iter_rows(analysis):
            writer.writerow(row)
    return path
