"""The clinician's CSV import form: the template's files uploaded from the browser and imported
by the same service as ``hemispasm import csv`` (all or nothing, the first problem named)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData, UploadFile

from hemispasm.clinic.api.deps import DbDep
from hemispasm.clinic.api.schemas.csv_import import check_tables
from hemispasm.clinic.services import csv_import
from hemispasm.clinic.services import csv_tables as t
from hemispasm.clinic.web.pages import ClinicianActor, PageRoute, render
from hemispasm.errors import ImportFileError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PATH = "/patients/import-csv"


async def uploaded_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form (parsed once, shared with the CSRF check), its files closed afterwards,
    whether the import ran or the caller was refused first."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


UploadForm = Annotated[FormData, Depends(uploaded_form)]


def _tables(uploads: list[UploadFile]) -> dict[str, list[t.CsvRow]]:
    """The uploaded files as the import reads them; a wrong name or encoding is named."""
    if not uploads:
        raise ImportFileError(
            "(no file)", 0, "files", f"choose one or more of {', '.join(t.IMPORTED)}"
        )
    tables = {}
    for upload in uploads:
        name = PurePath(upload.filename or "").name
        if name in tables:
            raise ImportFileError(name, 0, "files", "the file was chosen twice")
        try:
            text = upload.file.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                name, 0, "encoding", f"not UTF-8 (byte {exc.start}); save it as UTF-8 CSV"
            ) from None
        tables[name] = t.read_table(name, text)
    return tables


@router.get(PATH)
def import_form(request: Request, actor: ClinicianActor) -> Response:
    return render(request, "csv_import.html", actor=actor, files=t.IMPORTED)


@router.post(PATH)
def import_files(request: Request, form: UploadForm, actor: ClinicianActor, db: DbDep) -> Response:
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    try:
        tables = _tables([f for f in files if f.filename])
        summary = csv_import.import_checked(db, actor, check_tables(tables))
    except ImportFileError as error:
        return render(
            request,
            "csv_import.html",
            status_code=422,
            actor=actor,
            files=t.IMPORTED,
            error=str(error),
        )
    return render(
        request, "csv_import.html", actor=actor, files=t.IMPORTED, done=summary.describe()
    )
