"""A clinician's corrections of the events of a video analysis, and their export as labels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PatientId, RecordId, SettingsDep
from hemispasm.clinic.api.schemas.corrections import (
    CorrectionsPublic,
    EventCorrectionCreate,
    EventCorrectionPublic,
    EventCreate,
)
from hemispasm.clinic.domain.corrections import CorrectionAction
from hemispasm.clinic.services import corrections as svc
from hemispasm.clinic.services import labels_export

router = APIRouter(prefix="/patients/{patient_id}/video-analyses/{record_id}", tags=["corrections"])

EventKey = Annotated[
    str,
    Path(
        pattern=r"^(e[1-9][0-9]{0,5}|a[1-9][0-9]{0,9})$",
        description="e<n>: the n-th detected event of the result; a<n>: the n-th added event",
    ),
]


@router.get(
    "/corrections",
    response_model=CorrectionsPublic,
    summary="The corrections of an analysis's events and the figures recomputed from them",
)
def list_corrections(
    patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep
) -> Any:
    row, history = svc.list_corrections(db, actor, patient_id, record_id)
    return {
        "video_analysis_id": row.id,
        "corrected_at": row.corrected_at,
        "corrected_by": row.corrected_by,
        "corrected_result": row.corrected_result,
        "corrections": [EventCorrectionPublic.model_validate(c) for c in history],
    }


@router.post(
    "/events/{key}/corrections",
    response_model=EventCorrectionPublic,
    status_code=201,
    summary="Confirm, reject or relabel one event (clinicians)",
)
def correct_event(
    patient_id: PatientId,
    record_id: RecordId,
    key: EventKey,
    body: EventCorrectionCreate,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> Any:
    change = svc.EventChange(CorrectionAction(body.action), body.kind, body.side, body.type)
    row = svc.correct_event(
        db, actor, patient_id, record_id, key, change, data_dir=settings.data_dir
    )
    return EventCorrectionPublic.model_validate(row)


@router.post(
    "/events",
    response_model=EventCorrectionPublic,
    status_code=201,
    summary="Add an event the analysis missed (clinicians)",
)
def add_event(
    patient_id: PatientId,
    record_id: RecordId,
    body: EventCreate,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
) -> Any:
    new = svc.NewEvent(body.start_s, body.end_s, body.kind, body.side, body.type)
    row = svc.add_event(db, actor, patient_id, record_id, new, data_dir=settings.data_dir)
    return EventCorrectionPublic.model_validate(row)


@router.get(
    "/labels",
    summary="The events as corrected, as a hemispasm.labels/1 file (clinicians)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def export_labels(
    patient_id: PatientId,
    record_id: RecordId,
    actor: CurrentActor,
    db: DbDep,
    settings: SettingsDep,
    condition: Annotated[
        str | None,
        Query(
            pattern="^(hfs|healthy)$",
            description="hfs or healthy; needed only without a recorded HFS diagnosis",
        ),
    ] = None,
) -> Response:
    export = labels_export.export_labels(
        db, actor, patient_id, record_id, condition=condition, data_dir=settings.data_dir
    )
    return Response(
        export.text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
