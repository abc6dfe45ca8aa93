"""FHIR R4 exchange: one patient's record as a Bundle."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PatientId
from hemispasm.clinic.services import fhir_exchange

router = APIRouter(prefix="/patients/{patient_id}", tags=["fhir"])


@router.get(
    "/fhir",
    summary="The patient's record as a FHIR R4 Bundle of type collection (audited as an export)",
    response_class=Response,
    responses={
        200: {
            "description": "A FHIR R4 Bundle (resources checked against the fhir.resources "
            "R4B models); docs/fhir.md lists every code it uses",
            "content": {fhir_exchange.FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
)
def patient_fhir_bundle(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Response:
    text = fhir_exchange.patient_bundle(db, actor, patient_id)
    return Response(
        text,
        media_type=fhir_exchange.FHIR_JSON,
        headers={"Content-Disposition": f'attachment; filename="patient-{patient_id}.fhir.json"'},
    )
