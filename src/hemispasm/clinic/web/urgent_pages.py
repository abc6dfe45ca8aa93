"""The worklist's urgent tab: urgent side effects patients reported, each acknowledged by a
clinician with one button (the form carries the CSRF token, like every form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.services.clinics import clinic_time_zone
from hemispasm.clinic.services.urgent import acknowledge, list_unacknowledged
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageRoute, render
from hemispasm.clinic.web.routes import WORKLIST_TABS

router = APIRouter(route_class=PageRoute, include_in_schema=False)

URGENT = "/worklist/urgent"
PAGE_SIZE = 50


@router.get(URGENT)
def urgent_reports(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    acknowledged: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Urgent reports that wait for a clinician, the longest waiting first."""
    result = list_unacknowledged(db, actor, page=page, page_size=PAGE_SIZE)
    # the header's count was read before this list: say the list's own total there too
    request.state.urgent_count = result.total
    return render(
        request,
        "worklist_urgent.html",
        actor=actor,
        tabs=WORKLIST_TABS,
        q="",
        due="urgent",
        result=result,
        pages=max(1, -(-result.total // PAGE_SIZE)),
        acknowledged=acknowledged,
        time_zone=clinic_time_zone(db, actor),  # when each was reported, in the clinic's time
    )


@router.post(URGENT + "/{patient_id}/{record_id}/acknowledge")
def acknowledge_report(
    actor: ClinicianActor, db: DbDep, form: FormDep, patient_id: PatientId, record_id: RecordId
) -> Response:
    """Acknowledge one report, then back to the tab (which no longer lists it), or to the
    patient's page when the form came from there (``back``; no other address is followed)."""
    acknowledge(db, actor, patient_id, record_id)
    if form.get("back") == f"/patients/{patient_id}":
        return RedirectResponse(f"/patients/{patient_id}", status_code=303)
    return RedirectResponse(f"{URGENT}?acknowledged={record_id}#done", status_code=303)
