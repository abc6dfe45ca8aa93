"""Urgent reports: what patients reported that needs a clinician now, and its acknowledgement."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PagingDep, PatientId, RecordId
from hemispasm.clinic.api.schemas.common import Page
from hemispasm.clinic.api.schemas.urgent import UrgentReportPublic
from hemispasm.clinic.services import urgent as svc

router = APIRouter(tags=["urgent reports"])


@router.get(
    "/urgent-reports",
    response_model=Page[UrgentReportPublic],
    summary="Urgent side effects patients reported that no clinician acknowledged yet "
    "(clinicians; the longest waiting first)",
)
def list_urgent_reports(actor: CurrentActor, db: DbDep, paging: PagingDep) -> Any:
    page = svc.list_unacknowledged(db, actor, page=paging.page, page_size=paging.page_size)
    return {
        "items": [UrgentReportPublic.model_validate(r) for r in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }


@router.post(
    "/patients/{patient_id}/adverse-events/{record_id}/acknowledgement",
    response_model=UrgentReportPublic,
    summary="Acknowledge a side effect (clinicians); acknowledging it again keeps the first",
)
def acknowledge_adverse_event(
    patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep
) -> Any:
    return UrgentReportPublic.model_validate(svc.acknowledge(db, actor, patient_id, record_id))
