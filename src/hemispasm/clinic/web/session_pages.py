"""One stored injection session: its page, its printable record, and its correction.

The correction reuses the session form, filled with what is stored; what is saved goes through
the same use case as ``PATCH /api/v1/.../sessions/{id}``, whose audit row keeps every changed
field (and the sites) as they were before and after.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.api.schemas.records import SessionPublic
from hemispasm.clinic.api.schemas.sessions import session_out
from hemispasm.clinic.domain.vocab import InjectionSide
from hemispasm.clinic.services.accounts import list_clinicians
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import get_patient
from hemispasm.clinic.services.records import check_update, get_record, update_record
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageActor, PageRoute, render
from hemispasm.clinic.web.session_entries import note_service_error, read_form
from hemispasm.clinic.web.session_form import (
    affected_side_of,
    checked_entries,
    form_page,
    marked_units,
    muscle_labels,
    stored_form,
)
from hemispasm.clinic.web.session_photos_view import session_photos_context
from hemispasm.clinic.web.session_records_view import session_records_context
from hemispasm.clinic.web.vocab_labels import product_label
from hemispasm.errors import ClinicalDataError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

COURSE_FIELDS = frozenset({"effect_began_on", "effect_peak_on", "wore_off_on"})
"""Session fields the form does not show (the cycle's course): a correction leaves them."""


def side_totals(session: SessionPublic) -> list[tuple[str, float, float]]:
    """(side, units, mL) for the patient's right and left, in the map's reading order."""
    out = []
    for side in (InjectionSide.RIGHT, InjectionSide.LEFT):
        sites = [s for s in session.sites if s.side is side]
        out.append((side.value, sum(s.units for s in sites), sum(s.volume_ml for s in sites)))
    return out


def _session_page(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: int,
    session_id: int,
    *,
    printing: bool,
) -> Response:
    row = get_record(db, actor, INJECTION_SESSIONS, patient_id, session_id)
    session = session_out(row, db)
    patient = get_patient(db, actor, patient_id)
    return render(
        request,
        "session_view.html",
        actor=actor,
        p=patient,
        s=session,
        printing=printing,
        sides=side_totals(session),
        total_ml=sum(site.volume_ml for site in session.sites),
        affected_side=affected_side_of(db, actor, patient_id),
        muscle_labels=muscle_labels(),
        product=product_label(session.product, session.product_name),
        map_marked=marked_units(session.sites),
        injector_name=next(
            (
                u.display_name or u.email
                for u in list_clinicians(db, actor)
                if u.id == session.injector_id
            ),
            None,
        ),
        **session_records_context(request, db, actor, patient_id, session_id),
        **session_photos_context(request, db, actor, patient_id, session_id),
    )


@router.get("/patients/{patient_id}/sessions/{session_id}")
def session_page(
    request: Request, actor: PageActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """One stored session: its sites with volumes, totals per side, warnings and the map."""
    return _session_page(request, db, actor, patient_id, session_id, printing=False)


@router.get("/patients/{patient_id}/sessions/{session_id}/print")
def session_print(
    request: Request, actor: PageActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """The same session as a record to print: the print stylesheet, no links to act on."""
    return _session_page(request, db, actor, patient_id, session_id, printing=True)


@router.get("/patients/{patient_id}/sessions/{session_id}/edit")
def edit_session(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """The session form, filled with the stored session, to correct it."""
    row = get_record(db, actor, INJECTION_SESSIONS, patient_id, session_id)
    patient = get_patient(db, actor, patient_id)
    return form_page(request, db, actor, patient, stored_form(row), editing=row)


def _changes(model: Any) -> dict[str, Any]:
    return {k: v for k, v in model.model_dump().items() if k not in COURSE_FIELDS}


@router.post("/patients/{patient_id}/sessions/{session_id}/edit")
def correct_session(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    patient_id: PatientId,
    session_id: RecordId,
    data: FormDep,
) -> Response:
    """Check the corrected entries as a new session's are checked, and store them; nothing is
    changed while any problem stands."""
    row = get_record(db, actor, INJECTION_SESSIONS, patient_id, session_id)
    patient = get_patient(db, actor, patient_id)
    form = read_form(data)

    def check(values: dict[str, Any]) -> None:
        changes = {k: v for k, v in values.items() if k not in COURSE_FIELDS}
        check_update(db, actor, INJECTION_SESSIONS, patient_id, session_id, changes)

    model = checked_entries(db, actor, patient, form, check)
    if model is None:
        return form_page(request, db, actor, patient, form, status_code=422, editing=row)
    try:
        update_record(db, actor, INJECTION_SESSIONS, patient_id, session_id, _changes(model))
    except ClinicalDataError as exc:
        db.rollback()
        note_service_error(form, exc)
        return form_page(request, db, actor, patient, form, status_code=422, editing=row)
    return RedirectResponse(f"/patients/{patient_id}/sessions/{session_id}", status_code=303)
