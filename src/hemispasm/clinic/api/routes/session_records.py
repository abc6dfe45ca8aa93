"""Routes for a session's vials and consent, and the patient's dose history (clinicians of the
patient's clinic; every read and change audited)."""

from __future__ import annotations

from fastapi import APIRouter

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PatientId, RecordId
from hemispasm.clinic.api.schemas.session_records import (
    DoseHistoryPublic,
    SessionRecordsIn,
    SessionRecordsPublic,
    dose_history_out,
    session_records_out,
)
from hemispasm.clinic.services import session_records as svc

router = APIRouter(prefix="/patients/{patient_id}")


@router.get(
    "/sessions/{record_id}/records",
    response_model=SessionRecordsPublic,
    tags=["sessions"],
    summary="Read a session's vials, consent and wastage",
    name="read_patient_session_records",
)
def read_session_records(
    patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep
) -> SessionRecordsPublic:
    return session_records_out(svc.read_session_records(db, actor, patient_id, record_id))


@router.put(
    "/sessions/{record_id}/records",
    response_model=SessionRecordsPublic,
    tags=["sessions"],
    summary="Replace a session's vials and consent (audited with the values before)",
    name="replace_patient_session_records",
)
def replace_session_records(
    patient_id: PatientId,
    record_id: RecordId,
    body: SessionRecordsIn,
    actor: CurrentActor,
    db: DbDep,
) -> SessionRecordsPublic:
    records = svc.save_session_records(
        db,
        actor,
        patient_id,
        record_id,
        vials=[v.vial() for v in body.vials],
        consent=body.consent.consent() if body.consent is not None else None,
    )
    return session_records_out(records)


@router.get(
    "/dose-history",
    response_model=DoseHistoryPublic,
    tags=["sessions"],
    summary="The patient's doses per product, year and site",
    name="read_patient_dose_history",
)
def read_dose_history(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> DoseHistoryPublic:
    return dose_history_out(svc.patient_dose_history(db, actor, patient_id))
