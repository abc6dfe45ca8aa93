"""The injection-session form around the front-view face map: sites, units, volume, totals, limits.

The form posts plain fields (``sites-<n>-muscle``, ``-side``, ``-units`` for each row), read and
checked by ``session_entries`` with the API's own ``SessionCreate``, checked again by the use case
(``check_record``, so that every problem shows at once) and stored by the same use case as
``POST /api/v1/.../sessions``. ``static/facemap.js`` only adds the clickable map and live sums on
top of the plain form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep, PatientId
from hemispasm.clinic.api.schemas.records import SessionCreate
from hemispasm.clinic.db.models import Patient, User
from hemispasm.clinic.domain.dosing import DoseLimits, SiteDose, volume_ml
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.clinic.services.accounts import list_clinicians
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import DIAGNOSES
from hemispasm.clinic.services.patients import get_patient, patient_schedule
from hemispasm.clinic.services.records import (
    check_record,
    create_record,
    list_records,
)
from hemispasm.clinic.services.treatment import (
    INJECTION_SESSIONS,
    SessionSummary,
    clinic_limits,
    summarise_session,
)
from hemispasm.clinic.web.i18n import gettext
from hemispasm.clinic.web.pages import ClinicianActor, FormDep, PageRoute, render
from hemispasm.clinic.web.script_text import FACEMAP_TEXT, script_text
from hemispasm.clinic.web.session_entries import (
    FIELD_LABELS,
    SITE_PART_LABELS,
    TEXT_FIELDS,
    SessionForm,
    SiteRow,
    ask_to_confirm_doses,
    note_service_error,
    number,
    page_order,
    read_form,
    typed_sites,
    validate,
)
from hemispasm.clinic.web.vocab_labels import labels_of, product_label
from hemispasm.errors import ClinicalDataError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

EMPTY_ROWS = 3
"""Blank site rows offered below the filled ones (the map adds more with JavaScript)."""


def muscle_labels() -> dict[str, str]:
    """The muscles' words by stored value, in the page's language, as the templates look them up."""
    return {m.value: gettext(label) for m, label in labels_of(Muscle).items()}


def summary_of(
    product: str,
    dilution: float | None,
    sites: Iterable[SiteDose],
    limits: Mapping[Product, DoseLimits],
) -> SessionSummary | None:
    """Totals and limit warnings of the entries, or None while they cannot be summed."""
    try:
        return summarise_session(Product(product), dilution or 0.0, list(sites), limits)
    except (ClinicalDataError, ValueError):
        return None


def _ml(units: float, dilution: float | None) -> float | None:
    """Millilitres of ``units`` at ``dilution``, or None while the dilution is not usable."""
    try:
        return volume_ml(units, dilution_units_per_0_1_ml=dilution or 0.0)
    except ClinicalDataError:
        return None


def form_totals(
    sites: Sequence[SiteDose], dilution: float | None
) -> list[tuple[str, float, float | None]]:
    """(side, units, mL) of the typed sites for the patient's right and left."""
    out = []
    for side in (InjectionSide.RIGHT, InjectionSide.LEFT):
        on_side = [s for s in sites if s.side is side]
        volumes = [_ml(s.units, dilution) for s in on_side]
        ml = None if None in volumes else round(sum(v or 0.0 for v in volumes), 4)
        out.append((side.value, sum(s.units for s in on_side), ml))
    return out


def row_volume(row: SiteRow, dilution: float | None) -> str:
    """The volume of one typed row, as shown in its Volume cell."""
    units = number(row.units)
    volume = _ml(units, dilution) if units is not None else None
    return f"{volume:.3f}".rstrip("0").rstrip(".") + " mL" if volume is not None else ""


def affected_side_of(db: Session, actor: Actor, patient_id: int) -> str | None:
    diagnoses = list_records(db, actor, DIAGNOSES, patient_id, page=1, page_size=1).items
    return diagnoses[0].affected_side.value if diagnoses else None


def limits_data(limits: Mapping[Product, DoseLimits]) -> dict[str, Any]:
    """What ``facemap.js`` needs to warn live, as JSON."""
    return {
        "limits": {
            p.value: {
                "site": lim.max_units_per_site,
                "session": lim.max_units_per_session,
                "lower_face_site": lim.max_units_per_lower_face_site,
            }
            for p, lim in limits.items()
        },
        "lower_face": [m.value for m in Muscle if m.is_lower_face],
        # the script puts the side first ("Left corrugator"): the words as they read mid-line
        "labels": {m.value: gettext(label).lower() for m, label in labels_of(Muscle).items()},
        "products": {p.value: gettext(label) for p, label in labels_of(Product).items()},
    }


def site_warnings(summary: SessionSummary | None) -> dict[str, str]:
    """Warnings about single sites by ``muscle:side``, in the form's words."""
    out: dict[str, str] = {}
    for w in summary.warnings if summary else []:
        if w.scope.startswith("site:"):
            out[w.scope.removeprefix("site:")] = gettext(
                "%(units)s U is above this clinic's limit of %(limit)s U per site"
            ) % {"units": f"{w.units:g}", "limit": f"{w.limit:g}"}
    return out


def session_warning(summary: SessionSummary | None) -> str | None:
    """The warning about the whole session, if any."""
    for w in summary.warnings if summary else []:
        if w.scope == "session":
            return gettext(
                "%(units)s U is above this clinic's limit of %(limit)s U per session"
            ) % {"units": f"{w.units:g}", "limit": f"{w.limit:g}"}
    return None


def entries_summary(
    form: SessionForm, limits: Mapping[Product, DoseLimits]
) -> SessionSummary | None:
    """Totals and limit warnings of the entries as typed (rows not yet valid left out)."""
    dilution = number(form.values.get("dilution_units_per_0_1_ml", ""))
    return summary_of(form.values.get("product", ""), dilution, typed_sites(form), limits)


def injector_choices(
    actor: Actor, clinicians: Sequence[User], chosen: str
) -> list[tuple[str, str]]:
    """(value, label) of the injector select: the clinic's clinicians, the one logged in marked.

    A posted value that is none of them stays selectable, so that the entry is kept and its
    error stands next to it; none chosen (a stored session without one) reads "Not recorded".
    """
    choices = []
    for user in clinicians:
        name = user.display_name or user.email
        you = gettext("%(name)s (you)") % {"name": name}
        choices.append((str(user.id), you if user.id == actor.user_id else name))
    if not chosen:
        choices.insert(0, ("", gettext("Not recorded")))
    elif chosen not in {value for value, _ in choices}:
        unknown = gettext("%(value)s (not a clinician of this clinic)") % {"value": chosen}
        choices.append((chosen, unknown))
    return choices


def form_page(
    request: Request,
    db: Session,
    actor: Actor,
    patient: Patient,
    form: SessionForm,
    *,
    status_code: int = 200,
    prefilled_from: Any = None,
    defaults_from: Any = None,
    editing: Any = None,
) -> Response:
    """The form with ``form``'s entries: a new session, or (``editing``) a stored one to correct.

    ``prefilled_from`` is the session whose sites were copied in; ``defaults_from`` the one whose
    product and dilution were."""
    limits = clinic_limits(db, patient.clinic_id)
    dilution = number(form.values.get("dilution_units_per_0_1_ml", ""))
    sites = typed_sites(form)
    summary = entries_summary(form, limits)
    # none posted: the actor on a new session; a stored session's missing injector stays missing
    injector = form.values.get("injector_id") or ("" if editing is not None else str(actor.user_id))
    totals = form_totals(sites, dilution)
    volumes = [t[2] for t in totals]
    rows = [*form.rows, *(SiteRow() for _ in range(EMPTY_ROWS))]
    marked = {f"{r.muscle}:{r.side}": "" for r in form.rows if r.muscle and r.side}
    marked |= marked_units(sites)
    return render(
        request,
        "session_form.html",
        status_code=status_code,
        actor=actor,
        p=patient,
        form=form,
        errors=page_order(form.errors),
        rows=rows,
        volumes=[row_volume(r, dilution) for r in rows],
        side_totals=totals,
        total_units=sum(t[1] for t in totals),
        total_ml=None if None in volumes else round(sum(v or 0.0 for v in volumes), 4),
        summary=summary,
        site_warnings=site_warnings(summary),
        session_warning=session_warning(summary),
        schedule=patient_schedule(db, patient, actor.on()),
        affected_side=affected_side_of(db, actor, patient.id),
        prefilled_from=prefilled_from,
        defaults_from=defaults_from,
        editing=editing,
        action=(
            f"/patients/{patient.id}/sessions/{editing.id}/edit"
            if editing is not None
            else f"/patients/{patient.id}/sessions"
        ),
        injector=injector,
        injectors=injector_choices(actor, list_clinicians(db, actor), injector),
        muscle_labels=muscle_labels(),
        product_labels={
            p.value: gettext(label) for p, label in labels_of(Product, name_below=True).items()
        },
        product=gettext(
            product_label(form.values.get("product", ""), form.values.get("product_name"))
        ),
        field_labels=FIELD_LABELS,
        site_part_labels=SITE_PART_LABELS,
        map_marked=marked,
        facemap_data=limits_data(limits) | {"text": script_text(FACEMAP_TEXT)},
    )


def _blank_form(actor: Actor) -> SessionForm:
    form = SessionForm()
    form.values = {name: "" for name in (*TEXT_FIELDS, "dilution_units_per_0_1_ml")}
    form.values["session_on"] = actor.on().isoformat()
    form.values["injector_id"] = str(actor.user_id)
    return form


def _fill_product(form: SessionForm, last: Any) -> None:
    """Product and dilution of ``last`` (a stored session) into ``form``."""
    form.values["product"] = last.product.value
    form.values["product_name"] = last.product_name or ""
    form.values["dilution_units_per_0_1_ml"] = f"{last.dilution_units_per_0_1_ml:g}"


def _fill_from(form: SessionForm, last: Any) -> None:
    """Product, dilution and every site of ``last`` (a stored session) into ``form``."""
    _fill_product(form, last)
    form.rows = [SiteRow(s.muscle.value, s.side.value, f"{s.units:g}") for s in last.sites]


def stored_form(row: Any) -> SessionForm:
    """The form filled with a stored session, every field as the clinician would type it."""
    form = SessionForm()
    _fill_from(form, row)
    for name in ("lot", "early_reason", "notes"):
        form.values[name] = getattr(row, name) or ""
    form.values["session_on"] = row.session_on.isoformat()
    form.values["expiry_on"] = row.expiry_on.isoformat() if row.expiry_on else ""
    form.values["injector_id"] = "" if row.injector_id is None else str(row.injector_id)
    return form


def checked_entries(
    db: Session,
    actor: Actor,
    patient: Patient,
    form: SessionForm,
    check: Callable[[dict[str, Any]], None],
) -> SessionCreate | None:
    """The entries as the API's model, or None with every problem found in ``form.errors``:
    the entries, the use case's own checks (``check``, which stores nothing) and doses above the
    clinic's limits without the "I intend these doses" box."""
    model = validate(form)
    if model is not None:
        try:
            check(model.model_dump())
        except ClinicalDataError as exc:
            note_service_error(form, exc)
    summary = entries_summary(form, clinic_limits(db, patient.clinic_id))
    ask_to_confirm_doses(form, warned=bool(summary and summary.warnings))
    return None if form.errors else model


def newest_session(db: Session, actor: Actor, patient_id: int) -> Any:
    """The patient's newest injection session, or None."""
    newest = list_records(db, actor, INJECTION_SESSIONS, patient_id, page=1, page_size=1)
    return newest.items[0] if newest.items else None


@router.get("/patients/{patient_id}/sessions/new")
def new_session(
    request: Request,
    actor: ClinicianActor,
    db: DbDep,
    patient_id: PatientId,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
) -> Response:
    """The form with the last session's product and dilution, or (``?from=last``) with its
    sites too."""
    patient = get_patient(db, actor, patient_id)
    form = _blank_form(actor)
    last = newest_session(db, actor, patient_id)
    if last is not None:
        (_fill_from if from_ == "last" else _fill_product)(form, last)
    return form_page(
        request,
        db,
        actor,
        patient,
        form,
        prefilled_from=last if from_ == "last" else None,
        defaults_from=last,
    )


@router.post("/patients/{patient_id}/sessions")
def create_session(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, data: FormDep
) -> Response:
    """Check the entries as the API and the use case do, and store the session; doses above
    the clinic's limits need the "I intend these doses" box. Every problem found (the entries,
    the use case's checks, the doses) is shown in one answer."""
    patient = get_patient(db, actor, patient_id)
    form = read_form(data)
    model = checked_entries(
        db,
        actor,
        patient,
        form,
        lambda values: check_record(db, actor, INJECTION_SESSIONS, patient_id, values),
    )
    if model is None:
        return form_page(request, db, actor, patient, form, status_code=422)
    try:
        row = create_record(db, actor, INJECTION_SESSIONS, patient_id, model.model_dump())
    except ClinicalDataError as exc:
        db.rollback()
        note_service_error(form, exc)
        return form_page(request, db, actor, patient, form, status_code=422)
    return RedirectResponse(f"/patients/{patient_id}/sessions/{row.id}", status_code=303)


def marked_units(sites: Sequence[Any]) -> dict[str, str]:
    """Units per ``muscle:side`` on the map (two rows of one site are added: one product)."""
    sums: dict[str, float] = {}
    for s in sites:
        key = f"{s.muscle.value}:{s.side.value}"
        sums[key] = sums.get(key, 0.0) + s.units
    return {key: f"{units:g}" for key, units in sums.items()}
