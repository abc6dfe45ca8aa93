"""The CSV files of an export and of the import template: their names, columns and cell text.

One column set per file (``docs/csv-import.md`` describes each column). The import reads the
same files and columns; the columns in ``EXPORT_ONLY`` are figures the clinic computes (totals,
volumes, who reported what) and are ignored when a file is read back.

Cells are guarded against formula injection as OWASP advises: a text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, and every cell
is quoted, so a spreadsheet shows the text instead of running it. The import takes such an
apostrophe off again, so an exported file reads back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from hemispasm.errors import ImportFileError

PATIENTS = "patients.csv"
SESSIONS = "sessions.csv"
SESSION_SITES = "session_sites.csv"
CYCLES = "cycles.csv"
SELF_RATINGS = "self_ratings.csv"

COLUMNS: dict[str, tuple[str, ...]] = {
    PATIENTS: (
        "mrn",
        "name",
        "birth_date",
        "sex",
        "phone",
        "email",
        "address",
        "last_session_on",
        "last_product",
        "next_due_on",
    ),
    SESSIONS: (
        "session_id",
        "mrn",
        "session_on",
        "product",
        "product_name",
        "lot",
        "expiry_on",
        "dilution_units_per_0_1_ml",
        "early_reason",
        "notes",
        "effect_began_on",
        "effect_peak_on",
        "wore_off_on",
        "course_reported_by",
        "total_units",
        "units_left",
        "units_right",
    ),
    SESSION_SITES: ("session_id", "muscle", "side", "units", "volume_ml"),
    CYCLES: (
        "session_id",
        "mrn",
        "session_on",
        "product",
        "effect_began_on",
        "effect_peak_on",
        "wore_off_on",
        "effect_days",
        "course_reported_by",
    ),
    SELF_RATINGS: ("mrn", "rated_on", "score", "note", "reported_by"),
}
"""Every file and its columns, in the order they are written."""

EXPORT_ONLY: dict[str, frozenset[str]] = {
    PATIENTS: frozenset({"last_session_on", "last_product", "next_due_on"}),
    SESSIONS: frozenset({"course_reported_by", "total_units", "units_left", "units_right"}),
    SESSION_SITES: frozenset({"volume_ml"}),
    CYCLES: frozenset(COLUMNS[CYCLES]),
    SELF_RATINGS: frozenset({"reported_by"}),
}
"""Columns the clinic computes: written by an export, ignored by the import."""

IMPORTED = (PATIENTS, SESSIONS, SESSION_SITES, SELF_RATINGS)
"""The files the import reads (a cycle's course is in the columns of ``sessions.csv``)."""

REQUIRED: dict[str, frozenset[str]] = {
    PATIENTS: frozenset({"mrn", "name"}),
    SESSIONS: frozenset(
        {"session_id", "mrn", "session_on", "product", "dilution_units_per_0_1_ml"}
    ),
    SESSION_SITES: frozenset({"session_id", "muscle", "side", "units"}),
    SELF_RATINGS: frozenset({"mrn", "rated_on", "score"}),
}
"""Columns an imported file must have in its header row."""

MAX_ROWS = 200_000
"""Rows per file at most (a larger file is refused before anything is checked)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may read as the start of a formula (OWASP, CSV injection)."""


def guard_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unguard_cell(text: str) -> str:
    """The text ``guard_cell`` was given (an apostrophe before a formula start taken off)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def cell_text(value: Any) -> str:
    """A value as its cell: empty for None, ISO 8601 for dates, enums by value, text guarded."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return guard_cell(str(value))


def write_table(name: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """The text of file ``name``: a header row, then one quoted row per mapping."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    columns: Sequence[str] = COLUMNS[name]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(column)) for column in columns])
    return out.getvalue()


@dataclass(frozen=True)
class CsvRow:
    """One row of a file: its name, its line (the header is line 1, as in a spreadsheet; a cell
    with a line break does not count twice) and its non-empty cells, stripped as the API strips
    text."""

    file: str
    line: int
    cells: dict[str, str]

    def error(self, column: str, message: str) -> ImportFileError:
        """A problem of this row, naming the file, the line and the column."""
        return ImportFileError(self.file, self.line, column, message)


def read_table(name: str, text: str) -> list[CsvRow]:
    """The rows of file ``name`` (one of ``csv_tables.IMPORTED``), its header checked."""
    if name not in IMPORTED:
        raise ImportFileError(
            name, 1, "file", f"not a file of the template; expected one of {', '.join(IMPORTED)}"
        )
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportFileError(name, 1, "header", "the file is empty: the header row is missing")
    header = [h.strip() for h in header]
    known = set(COLUMNS[name])
    for column in header:
        if column not in known:
            raise ImportFileError(
                name, 1, column or "(empty)", f"unknown column; known: {', '.join(COLUMNS[name])}"
            )
        if header.count(column) > 1:
            raise ImportFileError(name, 1, column, "the column appears twice")
    for column in sorted(REQUIRED[name] - set(header)):
        raise ImportFileError(name, 1, column, "this column is required")
    used = [c if c not in EXPORT_ONLY[name] else "" for c in header]
    rows = []
    for line, cells in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ImportFileError(name, line, "row", f"more than {MAX_ROWS} rows")
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            raise ImportFileError(
                name, line, "row", f"has {len(cells)} cells; the header has {len(header)}"
            )
        pairs = zip(used, cells, strict=True)
        kept = {c: unguard_cell(v.strip()) for c, v in pairs if c and v.strip()}
        rows.append(CsvRow(name, line, kept))
    return rows
