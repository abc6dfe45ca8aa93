"""The patient's diary: a quick rating, the effect's start and wear-off, side effects.

Patients only, and only their own record: every form works on the logged-in patient's record
(``actor.patient_id``; no form names a patient or a record) and goes through the same schemas
and services as the JSON API (``SelfRatingCreate`` and ``SELF_RATINGS``, ``CourseUpdate`` and
``CYCLES``, ``AdverseEventCreate`` and ``ADVERSE_EVENTS``), so the rules, the access checks and
the audit log are the API's own. Bad input comes back as the diary with status 422, a message
beside each field at fault and the entries kept; nothing is stored. After a change the browser is
sent back (303) to the diary with a short confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import DbDep
from hemispasm.clinic.api.schemas.records import (
    AdverseEventCreate,
    CourseUpdate,
    SelfRatingCreate,
)
from hemispasm.clinic.domain.vocab import AdverseEffect, Reporter, Severity
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import SELF_RATINGS
from hemispasm.clinic.services.clinics import clinic_phone
from hemispasm.clinic.services.records import create_record, list_records, update_record
from hemispasm.clinic.services.timeline import patient_summary
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS, CYCLES, cycle_courses
from hemispasm.clinic.web.i18n import N_, format_day, gettext
from hemispasm.clinic.web.pages import PageActor, PageRoute, own_record, render
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.clinic.web.vocab_labels import NOTES_LABELS, hints_of, labels_of
from hemispasm.errors import ClinicalDataError, PermissionDeniedError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DIARY = "/me/diary"
RECENT = 10
"""How many of the newest ratings and side effects the diary lists."""
SESSIONS_TO_MATCH = 200
"""Sessions searched for the one a side effect followed (50 years of injections)."""

# --- plain words (the vocabularies' own are in ``vocab_labels``, for the patient reader) --------

FIELD_LABELS = {
    "score": N_("Rating"),
    "rated_on": N_("Date of the rating"),
    "note": NOTES_LABELS["patient"],
    "effect_began_on": N_("Day it started working"),
    "wore_off_on": N_("Day it wore off"),
    "effect": N_("Side effect"),
    "severity": N_("How bad it is"),
    "onset_on": N_("Day it began"),
    "notes": NOTES_LABELS["patient"],
}
CHOOSE = {
    "score": N_("Choose a number from 0 (no spasms) to 10 (the worst)."),
    "effect": N_("Choose a side effect from the list."),
    "severity": N_("Choose how bad it is."),
}
"""What to say when a choice field holds no valid choice."""
DATE_NAMES = {
    "effect_began_on": N_("the day it started working"),
    "effect_peak_on": N_("the day it worked best"),
    "wore_off_on": N_("the day it wore off"),
    "injected_on": N_("the injection"),
    "the injection": N_("the injection"),
    "birth_date": N_("your birth date"),
}
"""The dates a service's refusal may name, in the patient's words."""
SAVED = {
    "rating": N_("Thank you. Your rating is saved."),
    "began": N_("Saved: the day your injection started working."),
    "wore_off": N_("Saved: the day the effect wore off."),
    "side_effect": N_("Thank you. The side effect is saved in your record for the clinic."),
    "urgent": N_("The side effect is saved in your record."),
}

# --- forms -------------------------------------------------------------------------------------

FORM_FIELDS = {
    "rating": ("score", "rated_on", "note"),
    "began": ("effect_began_on",),
    "wore_off": ("wore_off_on",),
    "side_effect": ("effect", "severity", "onset_on", "notes"),
}
Text = Annotated[str, Form()]


@dataclass(frozen=True)
class Problem:
    """A field at fault and what to do about it."""

    field: str
    label: str
    message: str


def plain_message(message: str) -> str:
    """A service's message in the patient's words and language."""
    return refusal_text(message, {name: gettext(words) for name, words in DATE_NAMES.items()})


def problems_of(
    exc: ValidationError | ClinicalDataError, fields: tuple[str, ...], today: str
) -> list[Problem]:
    """One problem per field at fault; a fault outside the form is put on its first field."""
    found: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else fields[0]
            if name in CHOOSE:
                message = gettext(CHOOSE[name])
                if error.get("input") not in (None, ""):
                    wrong = f"{error['input']!s:.20}"
                    message += " " + gettext("(%(value)s is not one of them.)") % {"value": wrong}
            elif name.endswith("_on"):
                message = gettext("Enter a date, such as %(date)s.") % {"date": today}
            elif error["type"] == "string_too_long":
                limit = (error.get("ctx") or {}).get("max_length")
                message = gettext("Please write at most %(count)s characters.") % {"count": limit}
            else:
                message = str(error["msg"]).removeprefix("Value error, ")
            found.setdefault(name if name in fields else fields[0], message)
    else:
        message = str(exc).removeprefix(f"{exc.field}: ")
        found[exc.field if exc.field in fields else fields[0]] = plain_message(message)
    return [
        Problem(name, gettext(FIELD_LABELS.get(name, name)), text) for name, text in found.items()
    ]


def _see_diary(saved: str) -> RedirectResponse:
    """Back to the diary, scrolled to the confirmation (or to the urgent message)."""
    anchor = "urgent" if saved == "urgent" else "saved"
    return RedirectResponse(f"{DIARY}?saved={saved}#{anchor}", status_code=303)


def _recent_cycles(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The newest three sessions (rows oldest first, as the summary gives them) with their
    effect days, newest first."""
    courses = cycle_courses(rows)
    return [
        {"row": row, "effect_days": course.effect_days}
        for row, course in reversed(list(zip(rows, courses, strict=True))[-3:])
    ]


def _page(
    request: Request,
    actor: Actor,
    db: Session,
    *,
    status_code: int = 200,
    entered: Mapping[str, str] | None = None,
    problems: list[Problem] | None = None,
    saved: str | None = None,
    urgent: bool = False,
) -> Response:
    """The diary: the forms (with the entries and problems of a refused one), then the recent
    entries."""
    patient_id = own_record(actor)
    summary = patient_summary(db, actor, patient_id)
    side_effects = list_records(
        db, actor, ADVERSE_EVENTS, patient_id, page=1, page_size=RECENT
    ).items
    today = actor.on().isoformat()
    current = summary.cycles[-1] if summary.cycles else {}
    began, ended = current.get("effect_began_on"), current.get("wore_off_on")
    values = {
        "score": "",
        "rated_on": today,
        "note": "",
        "effect_began_on": began.isoformat() if began else today,
        "wore_off_on": ended.isoformat() if ended else today,
        "effect": "",
        "severity": "",
        "onset_on": today,
        "notes": "",
    } | dict(entered or {})
    return render(
        request,
        "diary_page.html",
        status_code=status_code,
        actor=actor,
        clinic_phone=clinic_phone(db, actor),
        emergency_number=request.app.state.settings.emergency_number,
        today=today,
        patient=summary.patient,
        current=current or None,
        recent_cycles=_recent_cycles(summary.cycles),
        ratings=list(reversed(summary.self_ratings))[:RECENT],
        side_effects=side_effects,
        values=values,
        problems=problems or [],
        errors={p.field: p.message for p in problems or []},
        saved=gettext(SAVED[saved]) if saved in SAVED else None,
        urgent=urgent or saved == "urgent",
        effect_labels=labels_of(AdverseEffect, reader="patient"),
        severity_labels=labels_of(Severity, reader="patient"),
        severity_hints=hints_of(Severity, reader="patient"),
        notes_label=NOTES_LABELS["patient"],
        reporter_patient=Reporter.PATIENT,
    )


def _refused(
    request: Request,
    actor: Actor,
    db: Session,
    form: str,
    entered: dict[str, str],
    exc: ValidationError | ClinicalDataError,
    *,
    urgent: bool = False,
    status_code: int = 422,
) -> Response:
    """The diary again with status 422 (or ``status_code``), nothing of the refused change kept."""
    db.rollback()  # the refused change's access audit goes too; the page's own reads are logged
    problems = problems_of(exc, FORM_FIELDS[form], format_day(actor.on()))
    return _page(
        request,
        actor,
        db,
        status_code=status_code,
        entered=entered,
        problems=problems,
        urgent=urgent,
    )


# --- routes ------------------------------------------------------------------------------------


@router.get(DIARY)
def diary(
    request: Request,
    actor: PageActor,
    db: DbDep,
    saved: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The diary of the logged-in patient."""
    return _page(request, actor, db, saved=saved)


@router.post(f"{DIARY}/rating")
def add_rating(
    request: Request,
    actor: PageActor,
    db: DbDep,
    score: Text = "",
    rated_on: Text = "",
    note: Text = "",
) -> Response:
    """A rating of the spasms, 0 to 10, on a day (today unless changed) with an optional note."""
    patient_id = own_record(actor)
    entered = {"score": score, "rated_on": rated_on, "note": note}
    try:
        body = SelfRatingCreate.model_validate(
            {"score": score, "rated_on": rated_on, "note": note.strip() or None}
        )
        create_record(db, actor, SELF_RATINGS, patient_id, body.model_dump())
    except (ValidationError, ClinicalDataError) as exc:
        return _refused(request, actor, db, "rating", entered, exc)
    return _see_diary("rating")


def _mark_course(
    request: Request, actor: Actor, db: Session, form: str, field: str, value: str
) -> Response:
    """Set one date of the current cycle (the newest session) as the API's cycle route does."""
    patient_id = own_record(actor)
    entered = {field: value}
    try:
        body = CourseUpdate.model_validate({field: value})
        newest = list_records(db, actor, CYCLES, patient_id, page=1, page_size=1).items
        if not newest:
            raise ClinicalDataError(field, "no injection is recorded yet, so there is no effect")
        update_record(db, actor, CYCLES, patient_id, newest[0].id, body.changes())
    except (ValidationError, ClinicalDataError) as exc:
        return _refused(request, actor, db, form, entered, exc)
    except PermissionDeniedError as exc:  # the clinic recorded this cycle's course (audited)
        problem = ClinicalDataError(field, str(exc))
        return _refused(request, actor, db, form, entered, problem, status_code=403)
    return _see_diary(form)


@router.post(f"{DIARY}/effect-began")
def effect_began(
    request: Request, actor: PageActor, db: DbDep, effect_began_on: Text = ""
) -> Response:
    """The injection started working (today unless changed)."""
    return _mark_course(request, actor, db, "began", "effect_began_on", effect_began_on)


@router.post(f"{DIARY}/wore-off")
def wore_off(request: Request, actor: PageActor, db: DbDep, wore_off_on: Text = "") -> Response:
    """The injection's effect wore off (today unless changed)."""
    return _mark_course(request, actor, db, "wore_off", "wore_off_on", wore_off_on)


@router.post(f"{DIARY}/side-effect")
def report_side_effect(
    request: Request,
    actor: PageActor,
    db: DbDep,
    effect: Text = "",
    severity: Text = "",
    onset_on: Text = "",
    notes: Text = "",
) -> Response:
    """A side effect, stored as reported by the patient, linked to the injection it followed.

    Trouble swallowing or breathing is urgent: the answer says so at once, whether or not the
    entry could be saved.
    """
    patient_id = own_record(actor)
    entered = {"effect": effect, "severity": severity, "onset_on": onset_on, "notes": notes}
    urgent = effect in {e.value for e in AdverseEffect if e.urgent}
    try:
        body = AdverseEventCreate.model_validate(
            {
                "effect": effect,
                "severity": severity,
                "onset_on": onset_on,
                "notes": notes.strip() or None,
            }
        )
        sessions = list_records(
            db, actor, CYCLES, patient_id, page=1, page_size=SESSIONS_TO_MATCH
        ).items
        followed = next((s for s in sessions if s.session_on <= body.onset_on), None)
        values = body.model_dump() | {"session_id": followed.id if followed else None}
        create_record(db, actor, ADVERSE_EVENTS, patient_id, values)
    except (ValidationError, ClinicalDataError) as exc:
        return _refused(request, actor, db, "side_effect", entered, exc, urgent=urgent)
    return _see_diary("urgent" if body.effect.urgent else "side_effect")
