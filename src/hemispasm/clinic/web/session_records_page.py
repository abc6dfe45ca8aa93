"""The vials and consent of one session on its page: what the include ``_session_records.html``
shows, and the forms that add a vial, take one off and record the consent.

A refused form shows the session page again (422) with the message under the field it names and
the values as typed; a stored change goes back to the page (303). The checks and the audit are
the service's (``services.session_records``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.api.schemas.common import MAX_ID
from hemispasm.clinic.domain.vials import ConsentKind, Vial
from hemispasm.clinic.services import session_records as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageRoute
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.clinic.web.session_pages import session_page
from hemispasm.clinic.web.session_records_view import PENDING, RecordsForm
from hemispasm.errors import ClinicalDataError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VIAL_FIELDS = ("vial_units", "lot", "expiry_on", "diluent_ml", "units_drawn_up")
CONSENT_FIELDS = ("consented_on", "kind", "notes")

VialId = Annotated[int, Path(ge=1, le=MAX_ID, description="vial id")]


def _text(form: FormDep, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: RecordsForm, name: str, words: str) -> float | None:
    text = form.values[name].replace(",", ".")
    if not text:
        form.errors[name] = gettext("Enter %(what)s.") % {"what": gettext(words)}
        return None
    try:
        value = float(text)
    except ValueError:
        form.errors[name] = gettext("Enter %(what)s as a number, such as 2.5.") % {
            "what": gettext(words)
        }
        return None
    return value


def _date(form: RecordsForm, name: str, words: str) -> date | None:
    text = form.values[name]
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = gettext("Enter %(what)s as a date, such as 2027-01-31.") % {
            "what": gettext(words)
        }
        return None


def _field_of(exc: ClinicalDataError) -> str:
    """The form field a service error names ("vials[2].expiry_on" -> "expiry_on")."""
    return exc.field.rsplit(".", 1)[-1]


def _message_of(exc: ClinicalDataError) -> str:
    text = refusal_text(str(exc).removeprefix(f"{exc.field}: "))
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _back(patient_id: int, session_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(
        f"/patients/{patient_id}/sessions/{session_id}#{anchor}", status_code=303
    )


def _refused(
    request: Request, actor: Actor, db: Session, patient_id: int, session_id: int, form: RecordsForm
) -> Response:
    """The session page again, with the refused form (422)."""
    setattr(request.state, PENDING, form)
    response = session_page(request, actor, db, patient_id, session_id)
    response.status_code = 422
    return response


@router.post("/patients/{patient_id}/sessions/{session_id}/vials")
def add_vial_form(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    form_data: FormDep,
    patient_id: PatientId,
    session_id: RecordId,
) -> Response:
    """Add one vial to the session's record."""
    form = RecordsForm("vial", {name: _text(form_data, name) for name in VIAL_FIELDS})
    vial_units = _number(form, "vial_units", N_("the units in the vial"))
    if not form.values["lot"]:
        form.errors["lot"] = gettext("Enter the lot number printed on the vial.")
    elif len(form.values["lot"]) > 64:
        form.errors["lot"] = gettext("Enter at most %(count)s characters.") % {"count": 64}
    expiry_on = _date(form, "expiry_on", N_("the expiry date"))
    diluent_ml = _number(form, "diluent_ml", N_("the saline added, in mL"))
    drawn = _number(form, "units_drawn_up", N_("the units drawn up"))
    if form.errors or None in (vial_units, expiry_on, diluent_ml, drawn):
        return _refused(request, actor, db, patient_id, session_id, form)
    vial = Vial(vial_units, diluent_ml, drawn, form.values["lot"], expiry_on)  # type: ignore[arg-type]
    try:
        svc.add_vial(db, actor, patient_id, session_id, vial)
    except ClinicalDataError as exc:
        db.rollback()
        form.errors[_field_of(exc)] = _message_of(exc)
        return _refused(request, actor, db, patient_id, session_id, form)
    return _back(patient_id, session_id, "vials-h")


@router.post("/patients/{patient_id}/sessions/{session_id}/vials/{vial_id}/remove")
def remove_vial_form(
    actor: ClinicianActor,
    db: DbDep,
    patient_id: PatientId,
    session_id: RecordId,
    vial_id: VialId,
) -> Response:
    """Take one vial off the session's record (kept in the database, marked deleted)."""
    svc.remove_vial(db, actor, patient_id, session_id, vial_id)
    return _back(patient_id, session_id, "vials-h")


@router.post("/patients/{patient_id}/sessions/{session_id}/consent")
def consent_form(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    form_data: FormDep,
    patient_id: PatientId,
    session_id: RecordId,
) -> Response:
    """Record the patient's consent to the session (replacing an earlier record of it)."""
    form = RecordsForm("consent", {name: _text(form_data, name) for name in CONSENT_FIELDS})
    consented_on = _date(form, "consented_on", N_("the date of the consent"))
    try:
        kind = ConsentKind(form.values["kind"])
    except ValueError:
        form.errors["kind"] = gettext("Choose how the patient consented.")
    if len(form.values["notes"]) > 500:
        form.errors["notes"] = gettext("Enter at most %(count)s characters.") % {"count": 500}
    if form.errors or consented_on is None:
        return _refused(request, actor, db, patient_id, session_id, form)
    consent = svc.Consent(consented_on, kind, form.values["notes"] or None)
    try:
        svc.record_consent(db, actor, patient_id, session_id, consent)
    except ClinicalDataError as exc:
        db.rollback()
        form.errors[_field_of(exc)] = _message_of(exc)
        return _refused(request, actor, db, patient_id, session_id, form)
    return _back(patient_id, session_id, "consent-h")
