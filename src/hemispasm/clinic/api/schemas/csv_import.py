"""The rows of the CSV template checked by the API's own models, before the import service
applies the domain rules (``services.csv_import``): the same names, lengths, vocabularies and
0.01 U resolution as a request body, each problem named by file, line and column."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from hemispasm.clinic.api.schemas.people import PatientCreate
from hemispasm.clinic.api.schemas.records import SelfRatingCreate, SessionCreate, SiteIn
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.services.csv_import import CheckedImport, CheckedRow
from hemispasm.clinic.services.csv_tables import CsvRow

NUMBER_COLUMNS = frozenset({"dilution_units_per_0_1_ml", "units"})
"""Columns the API takes as JSON numbers (strictly): read as numbers before the models see them."""


def _validated(row: CsvRow, model: type[BaseModel], extra: Mapping[str, Any]) -> dict[str, Any]:
    """The row's cells as ``model`` accepts them, or an error naming the first column at fault."""
    values: dict[str, Any] = {}
    for column, text in row.cells.items():
        if column in NUMBER_COLUMNS:
            try:
                values[column] = float(text)
            except ValueError:
                raise row.error(column, f"must be a number such as 2.5, not {text!r}") from None
        elif column in model.model_fields:
            values[column] = text
    try:
        checked = model.model_validate(values | dict(extra))
    except ValidationError as exc:
        first = exc.errors()[0]
        column = str(first["loc"][0]) if first["loc"] else "row"
        raise row.error(column, first["msg"].removeprefix("Value error, ")) from None
    return checked.model_dump(exclude_unset=True, exclude={"sites"})


def check_tables(tables: Mapping[str, Sequence[CsvRow]]) -> CheckedImport:
    """Every row of the files through its API model, in file order; the first problem raises an
    ``ImportFileError``. Sites are joined to their session by ``session_id``."""
    patients: dict[str, CheckedRow] = {}
    for row in tables.get(t.PATIENTS, ()):
        values = _validated(row, PatientCreate, {})
        mrn = values["mrn"]
        if mrn in patients:
            raise row.error("mrn", f"{mrn!r} is also on line {patients[mrn].row.line}")
        patients[mrn] = CheckedRow(row, values)
    sites_of: dict[str, list[CsvRow]] = defaultdict(list)
    site_values: dict[int, dict[str, Any]] = {}
    for row in tables.get(t.SESSION_SITES, ()):
        site_values[id(row)] = _validated(row, SiteIn, {})
        sites_of[row.cells["session_id"]].append(row)
    sessions: dict[str, CheckedRow] = {}
    for row in tables.get(t.SESSIONS, ()):
        key = row.cells["session_id"]
        if key in sessions:
            raise row.error("session_id", f"{key!r} is also on line {sessions[key].row.line}")
        sites = sites_of.get(key, [])
        listed = [site_values[id(s)] for s in sites]
        values = _validated(row, SessionCreate, {"sites": listed})
        sessions[key] = CheckedRow(row, values | {"sites": listed}, tuple(sites))
    for key, rows in sites_of.items():
        if key not in sessions:
            raise rows[0].error("session_id", f"no session {key!r} in {t.SESSIONS}")
    ratings = [
        CheckedRow(row, _validated(row, SelfRatingCreate, {}))
        for row in tables.get(t.SELF_RATINGS, ())
    ]
    return CheckedImport(list(patients.values()), list(sessions.values()), ratings)
