"""The injection-session form around the front-view face map: sites, units, volume, totals, limits.

The form posts plain fields (``sites-<n>-muscle``, ``-side``, ``-units`` for each row), checked by
the API's own ``SessionCreate`` and stored by the same use case as ``POST /api/v1/.../sessions``.
``static/facemap.js`` only adds the clickable map and live sums on top of the plain form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.api.routes.records import session_out
from hemispasm.clinic.api.schemas.records import SessionCreate, SessionPublic
from hemispasm.clinic.db.models import Patient
from hemispasm.clinic.domain.dosing import DoseLimits, SiteDose, volume_ml
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product, Role
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import DIAGNOSES
from hemispasm.clinic.services.patients import get_patient, patient_schedule
from hemispasm.clinic.services.records import create_record, get_record, list_records
from hemispasm.clinic.services.treatment import (
    INJECTION_SESSIONS,
    SessionSummary,
    clinic_limits,
    summarise_session,
)
from hemispasm.clinic.web.pages import PageActor, PageRoute, render
from hemispasm.errors import ClinicalDataError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MUSCLE_LABELS: Mapping[Muscle, str] = {
    # The part of the orbicularis oculi first: a narrow select still tells the rows apart.
    Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER: "upper lid, pretarsal (orbicularis oculi)",
    Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER: "lower lid, pretarsal (orbicularis oculi)",
    Muscle.ORBICULARIS_OCULI_PRESEPTAL: "preseptal (orbicularis oculi)",
    Muscle.ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS: (
        "lateral canthus, orbital (orbicularis oculi)"
    ),
    Muscle.CORRUGATOR: "corrugator",
    Muscle.PROCERUS: "procerus",
    Muscle.FRONTALIS: "frontalis",
    Muscle.ZYGOMATICUS_MAJOR: "zygomaticus major",
    Muscle.ZYGOMATICUS_MINOR: "zygomaticus minor",
    Muscle.RISORIUS: "risorius",
    Muscle.LEVATOR_LABII_SUPERIORIS: "levator labii superioris",
    Muscle.ORBICULARIS_ORIS: "orbicularis oris",
    Muscle.DEPRESSOR_ANGULI_ORIS: "depressor anguli oris",
    Muscle.MENTALIS: "mentalis",
    Muscle.BUCCINATOR: "buccinator",
    Muscle.PLATYSMA: "platysma",
    Muscle.MASSETER: "masseter",
}
"""How each muscle is named on the pages (the stored value is the vocabulary's)."""

PRODUCT_LABELS: Mapping[Product, str] = {
    Product.ONABOTULINUMTOXIN_A: "onabotulinumtoxinA (Botox)",
    Product.ABOBOTULINUMTOXIN_A: "abobotulinumtoxinA (Dysport)",
    Product.INCOBOTULINUMTOXIN_A: "incobotulinumtoxinA (Xeomin)",
    Product.OTHER: "Other product (name it below)",
}

FIELD_LABELS = {
    "session_on": "Date",
    "product": "Product",
    "product_name": "Name of the product",
    "lot": "Lot",
    "expiry_on": "Expiry date",
    "dilution_units_per_0_1_ml": "Dilution",
    "injector_id": "Injector",
    "early_reason": "Reason for an early session",
    "notes": "Notes",
    "sites": "Injected sites",
    "doses_confirmed": "Doses above the clinic's limits",
    "effect_began_on": "Effect began",
    "effect_peak_on": "Effect peaked",
    "wore_off_on": "Effect wore off",
}
SITE_PART_LABELS = {"muscle": "Muscle", "side": "Side", "units": "Units"}
TEXT_FIELDS = ("session_on", "product", "product_name", "lot", "expiry_on", "early_reason", "notes")
EMPTY_ROWS = 3
"""Blank site rows offered below the filled ones (the map adds more with JavaScript)."""

_SITE_KEY = re.compile(r"^sites-(\d{1,4})-(muscle|side|units)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SERVICE_SITE_FIELD = re.compile(r"^sites\[(\d+)\]\.(muscle|side|units)$")


@dataclass
class SiteRow:
    """One row of the sites table as typed."""

    muscle: str = ""
    side: str = ""
    units: str = ""

    @property
    def blank(self) -> bool:
        """Nothing typed in any of the three boxes: the row is left out."""
        return not (self.muscle or self.side or self.units)


@dataclass
class SessionForm:
    """The form's entries as typed, and what is wrong with them (field name -> message)."""

    values: dict[str, str] = field(default_factory=dict)
    rows: list[SiteRow] = field(default_factory=list)
    confirmed: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        """Keep the first problem found with ``name``."""
        self.errors.setdefault(name, message)


def site_field(position: int, part: str) -> str:
    """The form name of one box of a site row."""
    return f"sites-{position}-{part}"


def _number(text: str) -> float | None:
    """A plain decimal number, or None (no commas, exponents, NaN or infinity)."""
    return float(text) if _NUMBER.match(text) else None


def read_form(data: FormData) -> SessionForm:
    """The posted entries as typed; site rows in their order on the page, blank ones dropped."""
    form = SessionForm()
    for name in (*TEXT_FIELDS, "dilution_units_per_0_1_ml", "injector_id"):
        raw = data.get(name)
        form.values[name] = raw.strip() if isinstance(raw, str) else ""
    rows: dict[int, SiteRow] = {}
    for key, raw in data.multi_items():
        match = _SITE_KEY.match(key)
        if match and isinstance(raw, str):
            row = rows.setdefault(int(match.group(1)), SiteRow())
            setattr(row, match.group(2), raw.strip())
    form.rows = [rows[i] for i in sorted(rows) if not rows[i].blank]
    form.confirmed = data.get("doses_confirmed") == "yes"
    return form


def request_body(form: SessionForm) -> dict[str, Any]:
    """The JSON body the API would receive; malformed numbers are recorded as errors instead."""
    body: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if form.values.get(name):
            body[name] = form.values[name]
    dilution = form.values.get("dilution_units_per_0_1_ml", "")
    if dilution:
        number = _number(dilution)
        if number is None:
            form.error("dilution_units_per_0_1_ml", "must be a number such as 2.5 (use a point)")
        else:
            body["dilution_units_per_0_1_ml"] = number
    injector = form.values.get("injector_id", "")
    if injector:
        if injector.isdigit():
            body["injector_id"] = int(injector)
        else:
            form.error("injector_id", "choose the injector from the list")
    sites = []
    for i, row in enumerate(form.rows):
        if not row.muscle:
            form.error(
                site_field(i, "muscle"), "choose the muscle, or clear the row to leave it out"
            )
        if not row.side:
            form.error(site_field(i, "side"), "choose left or right")
        units = _number(row.units) if row.units else None
        if not row.units:
            form.error(site_field(i, "units"), "enter the units, or clear the row to leave it out")
        elif units is None:
            form.error(site_field(i, "units"), "must be a number such as 2.5 (use a point)")
        sites.append({"muscle": row.muscle, "side": row.side, "units": units})
    if not form.rows:
        form.error("sites", "add at least one injected site (click the map or fill a row)")
    body["sites"] = sites
    return body


def _message(error: Mapping[str, Any]) -> str:
    """A short message for one Pydantic error, in the form's words."""
    kind, ctx, loc = error["type"], error.get("ctx") or {}, error["loc"]
    if kind == "missing":
        return "is required"
    if kind == "enum":
        what = str(loc[-1])
        if what == "muscle":
            return f"unknown muscle {error['input']!r}: choose one from the list"
        if what == "side":
            return "choose left or right"
        return "choose one of the listed values"
    if kind.startswith("date"):
        return "must be a date such as 2026-06-15"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']:g}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']:g}"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    return str(error["msg"]).removeprefix("Value error, ")


def validate(form: SessionForm) -> SessionCreate | None:
    """The API's own model of the entries, or None with the problems in ``form.errors``."""
    body = request_body(form)
    try:
        model = SessionCreate.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            if loc and loc[0] == "sites" and len(loc) == 3 and isinstance(loc[1], int):
                if body["sites"][loc[1]].get(str(loc[2])) is None:
                    continue  # already reported: the box was empty or malformed
                name = site_field(loc[1], str(loc[2]))
            else:
                name = str(loc[0]) if loc else "sites"
            form.error(name, _message(error))
        return None
    return None if form.errors else model


_FIELD_ORDER = (
    "session_on",
    "product",
    "product_name",
    "dilution_units_per_0_1_ml",
    "lot",
    "expiry_on",
    "injector_id",
    "early_reason",
    "notes",
    "sites",
)


def page_order(errors: Mapping[str, str]) -> dict[str, str]:
    """``errors`` in the order their fields stand on the page (for the summary at the top)."""

    def place(name: str) -> tuple[int, int, int]:
        match = re.match(r"^sites-(\d+)-(muscle|side|units)$", name)
        if match:
            part = ("muscle", "side", "units").index(match.group(2))
            return (len(_FIELD_ORDER), int(match.group(1)), part)
        if name in _FIELD_ORDER:
            return (_FIELD_ORDER.index(name), 0, 0)
        return (len(_FIELD_ORDER) + 1, 0, 0)

    return {name: errors[name] for name in sorted(errors, key=place)}


def service_field(name: str) -> str:
    """The form name of a domain error's field: ``sites[2].units`` -> ``sites-2-units``."""
    match = _SERVICE_SITE_FIELD.match(name)
    return site_field(int(match.group(1)), match.group(2)) if match else name


def readable(message: str) -> str:
    """A service's message with the field names it mentions in the form's words."""
    for name, label in FIELD_LABELS.items():
        if "_" in name:
            message = re.sub(rf"\b{name}\b", f"the {label.lower()}", message)
    return message


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


def typed_sites(form: SessionForm) -> list[SiteDose]:
    """The rows that are complete and valid as typed (for totals shown before saving)."""
    sites = []
    for row in form.rows:
        units = _number(row.units)
        try:
            sites.append(SiteDose(Muscle(row.muscle), InjectionSide(row.side), units or 0.0))
        except (ClinicalDataError, ValueError):
            continue
    return sites


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
    units = _number(row.units)
    volume = _ml(units, dilution) if units is not None else None
    return f"{volume:.3f}".rstrip("0").rstrip(".") + " mL" if volume is not None else ""


def _affected_side(db: Session, actor: Actor, patient_id: int) -> str | None:
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
        "labels": {m.value: label for m, label in MUSCLE_LABELS.items()},
    }


def site_warnings(summary: SessionSummary | None) -> dict[str, str]:
    """Warnings about single sites by ``muscle:side``, in the form's words."""
    out: dict[str, str] = {}
    for w in summary.warnings if summary else []:
        if w.scope.startswith("site:"):
            out[w.scope.removeprefix("site:")] = (
                f"{w.units:g} U is above this clinic's limit of {w.limit:g} U per site"
            )
    return out


def session_warning(summary: SessionSummary | None) -> str | None:
    """The warning about the whole session, if any."""
    for w in summary.warnings if summary else []:
        if w.scope == "session":
            return f"{w.units:g} U is above this clinic's limit of {w.limit:g} U per session"
    return None


def _form_page(
    request: Request,
    db: Session,
    actor: Actor,
    patient: Patient,
    form: SessionForm,
    *,
    status_code: int = 200,
    prefilled_from: Any = None,
) -> Response:
    limits = clinic_limits(db, patient.clinic_id)
    dilution = _number(form.values.get("dilution_units_per_0_1_ml", ""))
    sites = typed_sites(form)
    summary = summary_of(form.values.get("product", ""), dilution, sites, limits)
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
        affected_side=_affected_side(db, actor, patient.id),
        prefilled_from=prefilled_from,
        injectors=[(str(actor.user_id), "You (the clinician logged in)")],
        muscle_labels={m.value: label for m, label in MUSCLE_LABELS.items()},
        product_labels={p.value: label for p, label in PRODUCT_LABELS.items()},
        field_labels=FIELD_LABELS,
        site_part_labels=SITE_PART_LABELS,
        map_marked=marked,
        facemap_data=limits_data(limits),
    )


def _blank_form(actor: Actor) -> SessionForm:
    form = SessionForm()
    form.values = {name: "" for name in (*TEXT_FIELDS, "dilution_units_per_0_1_ml")}
    form.values["session_on"] = actor.on().isoformat()
    form.values["injector_id"] = str(actor.user_id)
    return form


def _fill_from(form: SessionForm, last: Any) -> None:
    """Product, dilution and every site of ``last`` (a stored session) into ``form``."""
    form.values["product"] = last.product.value
    form.values["product_name"] = last.product_name or ""
    form.values["dilution_units_per_0_1_ml"] = f"{last.dilution_units_per_0_1_ml:g}"
    form.rows = [SiteRow(s.muscle.value, s.side.value, f"{s.units:g}") for s in last.sites]


async def _form_data(request: Request) -> FormData:
    """The posted form (already read and cached by the CSRF check)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_form_data)]


@router.get("/patients/{patient_id}/sessions/new")
def new_session(
    request: Request,
    actor: PageActor,
    db: DbDep,
    patient_id: PatientId,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
) -> Response:
    """The empty form, or (``?from=last``) the product, dilution and sites of the last session."""
    require_role(actor, Role.CLINICIAN)
    patient = get_patient(db, actor, patient_id)
    form = _blank_form(actor)
    last = None
    if from_ == "last":
        newest = list_records(db, actor, INJECTION_SESSIONS, patient_id, page=1, page_size=1)
        if newest.items:
            last = newest.items[0]
            _fill_from(form, last)
    return _form_page(request, db, actor, patient, form, prefilled_from=last)


@router.post("/patients/{patient_id}/sessions")
def create_session(
    request: Request, actor: PageActor, db: DbDep, patient_id: PatientId, data: FormDep
) -> Response:
    """Check the entries as the API does and store the session; doses above the clinic's limits
    need the "I intend these doses" box."""
    require_role(actor, Role.CLINICIAN)
    patient = get_patient(db, actor, patient_id)
    form = read_form(data)
    model = validate(form)
    if model is None:
        return _form_page(request, db, actor, patient, form, status_code=422)
    values = model.model_dump()
    limits = clinic_limits(db, patient.clinic_id)
    sites = [SiteDose(s.muscle, s.side, s.units) for s in model.sites]
    summary = summary_of(model.product, model.dilution_units_per_0_1_ml, sites, limits)
    if summary and summary.warnings and not form.confirmed:
        form.error(
            "doses_confirmed",
            "tick \u201cI intend these doses\u201d to save them as they are, or change them",
        )
        return _form_page(request, db, actor, patient, form, status_code=422)
    try:
        row = create_record(db, actor, INJECTION_SESSIONS, patient_id, values)
    except ClinicalDataError as exc:
        db.rollback()
        form.error(service_field(exc.field), readable(str(exc).removeprefix(f"{exc.field}: ")))
        return _form_page(request, db, actor, patient, form, status_code=422)
    return RedirectResponse(f"/patients/{patient_id}/sessions/{row.id}", status_code=303)


def side_totals(session: SessionPublic) -> list[tuple[str, float, float]]:
    """(side, units, mL) for the patient's right and left, in the map's reading order."""
    out = []
    for side in (InjectionSide.RIGHT, InjectionSide.LEFT):
        sites = [s for s in session.sites if s.side is side]
        out.append((side.value, sum(s.units for s in sites), sum(s.volume_ml for s in sites)))
    return out


def marked_units(sites: Sequence[Any]) -> dict[str, str]:
    """Units per ``muscle:side`` on the map (two rows of one site are added: one product)."""
    sums: dict[str, float] = {}
    for s in sites:
        key = f"{s.muscle.value}:{s.side.value}"
        sums[key] = sums.get(key, 0.0) + s.units
    return {key: f"{units:g}" for key, units in sums.items()}


@router.get("/patients/{patient_id}/sessions/{session_id}")
def session_page(
    request: Request, actor: PageActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """One stored session: its sites with volumes, totals per side, warnings and the map."""
    row = get_record(db, actor, INJECTION_SESSIONS, patient_id, session_id)
    session = session_out(row, db)
    patient = get_patient(db, actor, patient_id)
    return render(
        request,
        "session_view.html",
        actor=actor,
        p=patient,
        s=session,
        sides=side_totals(session),
        total_ml=sum(site.volume_ml for site in session.sites),
        affected_side=_affected_side(db, actor, patient_id),
        muscle_labels={m.value: label for m, label in MUSCLE_LABELS.items()},
        product_labels={p.value: label for p, label in PRODUCT_LABELS.items()},
        map_marked=marked_units(session.sites),
    )
