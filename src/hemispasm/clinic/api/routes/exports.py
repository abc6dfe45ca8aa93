"""CSV exports as ZIP downloads: the whole clinic (clinicians), or one patient's record (a
clinician of the patient's clinic, or the patient). Each download is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PatientId
from hemispasm.clinic.services import csv_export

router = APIRouter(tags=["exports"])

ZIP_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "A ZIP of CSV files"}
}


def _download(export: csv_export.CsvExport) -> Response:
    return Response(
        export.zip_bytes(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{export.stem}.zip"'},
    )


@router.get(
    "/exports/csv",
    summary="Every patient of the clinic as CSV files in a ZIP (clinicians; audited)",
    response_class=Response,
    responses=ZIP_ANSWER,
)
def export_clinic_csv(actor: CurrentActor, db: DbDep) -> Response:
    return _download(csv_export.export_clinic(db, actor))


@router.get(
    "/patients/{patient_id}/exports/csv",
    summary="One patient's record as CSV files in a ZIP (their clinicians, or the patient: "
    "cycles and self-ratings; audited)",
    response_class=Response,
    responses=ZIP_ANSWER,
)
def export_patient_csv(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Response:
    return _download(csv_export.export_patient(db, actor, patient_id))
