"""Pages of the forms for patients, diagnoses, assessments, adverse effects, MRI and surgery.

Each form is a description (``record_form_specs``: labels, hints, order) of an API Create model;
``forms`` checks the entries with the same Pydantic models, ``form_views`` draws the fields, and
the same services as the JSON API store them, so the rules and access checks are the API's own.
Bad input comes back as the form with status 422, a message beside each field at fault and the
entries kept; nothing is stored. Clinicians only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.services import patients
from hemispasm.clinic.services import records as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS, INJECTION_SESSIONS
from hemispasm.clinic.web.form_views import Target, form_view
from hemispasm.clinic.web.forms import (
    FormSpec,
    Option,
    Raw,
    check_entries,
    defaults,
    domain_errors,
    raw_of,
)
from hemispasm.clinic.web.i18n import format_day, gettext
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageRoute, render
from hemispasm.clinic.web.record_form_specs import PATIENT_FORM, RECORD_FORMS, RecordForm
from hemispasm.clinic.web.vocab_labels import product_label
from hemispasm.errors import ClinicalDataError, ConflictError

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(
    request: Request,
    actor: Actor,
    spec: FormSpec,
    target: Target,
    raw: Raw,
    errors: Mapping[str, str],
) -> Response:
    view = form_view(spec, target, raw, errors, today=actor.on())
    status = 422 if errors else 200
    return render(request, "form_record.html", status_code=status, actor=actor, form=view)


def _submit(
    request: Request,
    actor: Actor,
    spec: FormSpec,
    target: Target,
    form: FormData,
    save: Callable[[dict[str, Any]], str],
) -> Response:
    """Check the entries with the API's schema and store them with ``save`` (which answers where
    to go next), or show the form again with the messages and the entries kept."""
    entries = check_entries(spec, form, stored=target.stored)
    if entries.errors:
        return _page(request, actor, spec, target, entries.raw, entries.errors)
    try:
        return RedirectResponse(save(entries.values), status_code=303)
    except (ClinicalDataError, ConflictError) as exc:
        return _page(request, actor, spec, target, entries.raw, domain_errors(spec, exc))


NEW_PATIENT = Target(action="/patients/new", cancel="/worklist")


def _patient_target(db: Session, actor: Actor, patient_id: int) -> Target:
    patient = patients.get_patient(db, actor, patient_id)
    stored = {ask.name: getattr(patient, ask.name) for ask in PATIENT_FORM.asks}
    page = f"/patients/{patient_id}"
    return Target(action=f"{page}/edit", cancel=page, patient=patient, stored=stored)


@router.get("/patients/new")
def new_patient_form(request: Request, actor: ClinicianActor) -> Response:
    """The form to register a patient."""
    raw = defaults(PATIENT_FORM, actor.on())
    return _page(request, actor, PATIENT_FORM, NEW_PATIENT, raw, {})


@router.post("/patients/new")
def register_patient(request: Request, actor: ClinicianActor, db: DbDep, form: FormDep) -> Response:
    """Register a patient; their page follows."""

    def save(values: dict[str, Any]) -> str:
        return f"/patients/{patients.create_patient(db, actor, values).id}"

    return _submit(request, actor, PATIENT_FORM, NEW_PATIENT, form, save)


@router.get("/patients/{patient_id}/edit")
def edit_patient_form(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId
) -> Response:
    """The patient's details, to correct."""
    target = _patient_target(db, actor, patient_id)
    raw = raw_of(PATIENT_FORM, target.stored or {})
    return _page(request, actor, PATIENT_FORM, target, raw, {})


@router.post("/patients/{patient_id}/edit")
def correct_patient(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, form: FormDep
) -> Response:
    """Store the corrected details."""
    target = _patient_target(db, actor, patient_id)

    def save(values: dict[str, Any]) -> str:
        patients.update_patient(db, actor, patient_id, values)
        return f"/patients/{patient_id}"

    return _submit(request, actor, PATIENT_FORM, target, form, save)


FOLLOWED_SESSION = "followed"
"""The side-effect form's choice "the latest session on or before the onset", resolved when the
form is posted (the onset date is known only then)."""


def _sessions_newest_first(db: Session, actor: Actor, patient_id: int) -> list[Any]:
    page = svc.list_records(db, actor, INJECTION_SESSIONS, patient_id, page=1, page_size=1000)
    return list(page.items)


def _session_options(
    db: Session, actor: Actor, patient_id: int, *, creating: bool
) -> dict[str, list[Option]]:
    """The patient's injection sessions, newest first, to link a side effect to; a new side
    effect may leave the choice to its onset date."""
    sessions = [
        Option(
            str(row.id),
            f"{format_day(row.session_on)} · "
            f"{gettext(product_label(row.product, row.product_name))}",
        )
        for row in _sessions_newest_first(db, actor, patient_id)
    ]
    followed = [
        Option(FOLLOWED_SESSION, gettext("The latest session on or before the day it began"))
    ]
    return {
        "session_id": [
            *(followed if creating and sessions else []),
            Option("", gettext("Not linked to a session")),
            *sessions,
        ]
    }


def _link_followed_session(db: Session, actor: Actor, patient_id: int, form: FormData) -> FormData:
    """``form`` with the "latest session on or before the onset" choice replaced by that
    session's id (none before the onset: not linked; an unreadable onset counts as today,
    and its own error is shown)."""
    if form.get("session_id") != FOLLOWED_SESSION:
        return form
    try:
        onset = date.fromisoformat(str(form.get("onset_on") or ""))
    except ValueError:
        onset = actor.on()
    followed = next(
        (
            str(row.id)
            for row in _sessions_newest_first(db, actor, patient_id)
            if row.session_on <= onset
        ),
        "",
    )
    return FormData([(k, followed if k == "session_id" else v) for k, v in form.multi_items()])


def _record_target(
    db: Session, actor: Actor, spec: RecordForm, patient_id: int, record_id: int | None
) -> Target:
    """The patient, the stored record (when correcting) and choices from the patient's records;
    loaded before anything is stored, so that a refused change leaves nothing to read after it."""
    patient = patients.get_patient(db, actor, patient_id)
    stored = None
    base = f"/patients/{patient_id}/{spec.slug}"
    action = f"{base}/new"
    if record_id is not None:
        row = svc.get_record(db, actor, spec.kind, patient_id, record_id)
        stored = svc.current_values(row, spec.kind)
        action = f"{base}/{record_id}/edit"
    dynamic = (
        _session_options(db, actor, patient_id, creating=record_id is None)
        if spec.kind is ADVERSE_EVENTS
        else None
    )
    return Target(action, f"/patients/{patient_id}", patient, stored, dynamic)


def new_record_defaults(spec: RecordForm, target: Target, today: date) -> Raw:
    """A new record's entries; a side effect follows the latest session on or before its onset
    (when the patient has any session)."""
    raw = defaults(spec, today)
    choices = [o.value for o in (target.dynamic or {}).get("session_id", [])]
    if spec.kind is ADVERSE_EVENTS and FOLLOWED_SESSION in choices:
        raw["session_id"] = FOLLOWED_SESSION
    return raw


def add_record_form_routes(spec: RecordForm) -> None:
    """The new and edit forms of one kind of patient record."""
    kind = spec.kind
    base = f"/patients/{{patient_id}}/{spec.slug}"

    def store(
        db: Session, actor: Actor, patient_id: int, record_id: int | None
    ) -> Callable[[dict[str, Any]], str]:
        def save(values: dict[str, Any]) -> str:
            if record_id is None:
                svc.create_record(db, actor, kind, patient_id, values)
            else:
                svc.update_record(db, actor, kind, patient_id, record_id, values)
            return f"/patients/{patient_id}#{spec.anchor}"

        return save

    @router.get(f"{base}/new", name=f"new_{kind.part}_form")
    def new_form(
        request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, None)
        raw = new_record_defaults(spec, target, actor.on())
        return _page(request, actor, spec, target, raw, {})

    @router.post(f"{base}/new", name=f"create_{kind.part}")
    def create(
        request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, form: FormDep
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, None)
        if kind is ADVERSE_EVENTS:
            form = _link_followed_session(db, actor, patient_id, form)
        return _submit(request, actor, spec, target, form, store(db, actor, patient_id, None))

    @router.get(f"{base}/{{record_id}}/edit", name=f"edit_{kind.part}_form")
    def edit_form(
        request: Request,
        actor: ClinicianActor,
        db: DbDep,
        patient_id: PatientId,
        record_id: RecordId,
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, record_id)
        return _page(request, actor, spec, target, raw_of(spec, target.stored or {}), {})

    @router.post(f"{base}/{{record_id}}/edit", name=f"update_{kind.part}")
    def update(
        request: Request,
        actor: ClinicianActor,
        db: DbDep,
        patient_id: PatientId,
        record_id: RecordId,
        form: FormDep,
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, record_id)
        save = store(db, actor, patient_id, record_id)
        return _submit(request, actor, spec, target, form, save)


for _spec in RECORD_FORMS:
    add_record_form_routes(_spec)
