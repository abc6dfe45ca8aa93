"""The patient's next injection as an iCalendar file (their clinicians, or the patient;
audited). The same file as the pages' ``/me/next-injection.ics``: only the date, the clinic's
name and phone, since it may end up in a calendar others can read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PatientId
from hemispasm.clinic.api.schemas.common import ERROR_DESCRIPTIONS, ErrorBody
from hemispasm.clinic.services.calendar_file import next_injection_calendar

router = APIRouter(tags=["calendar"])

ICS_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/calendar": {}},
        "description": "An all-day event from the earliest allowed day to the due date",
    },
    409: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[409]},
}
"""The file, or 409 when the record has no next due date (never injected, or stopped)."""


@router.get(
    "/patients/{patient_id}/next-injection.ics",
    summary="The next injection as an iCalendar file (their clinicians, or the patient; "
    "audited; 409 when no injection is due)",
    response_class=Response,
    responses=ICS_ANSWER,
)
def next_injection_ics(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Response:
    calendar = next_injection_calendar(db, actor, patient_id)
    return Response(
        calendar.content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{calendar.filename}"'},
    )
