"""The admin's page of the clinic's own settings: the phone number patients are told to call and
the time zone the pages show times in. The same checks and audit as ``PATCH /api/v1/clinic``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from hemispasm.clinic.api.deps import DbDep
from hemispasm.clinic.api.schemas.people import ClinicUpdate
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinics import get_clinic, update_clinic
from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.clinic.web.pages import FormDep, PageActor, PageRoute, render
from hemispasm.errors import ClinicalDataError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PATH = "/admin/clinic"
FIELDS = ("phone", "time_zone")
LABELS = {"phone": N_("Telephone patients call"), "time_zone": N_("Time zone")}
TIME_ZONE_EXAMPLES = ("UTC", "Europe/London", "Europe/Madrid", "America/New_York", "Asia/Tokyo")


def admin(actor: PageActor) -> Actor:
    """The logged-in user, if an admin."""
    require_role(actor, Role.ADMIN)
    return actor


AdminActor = Annotated[Actor, Depends(admin)]


def _page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "clinic_settings.html",
        status_code=status_code,
        actor=actor,
        values=values,
        errors=errors or {},
        labels={name: gettext(label) for name, label in LABELS.items()},
        examples=TIME_ZONE_EXAMPLES,
        saved=saved,
    )


@router.get(PATH)
def clinic_settings(
    request: Request, actor: AdminActor, db: DbDep, saved: bool = False
) -> Response:
    """The form, filled with the clinic's settings as they are."""
    clinic = get_clinic(db, actor)
    values = {"phone": clinic.phone or "", "time_zone": clinic.time_zone}
    return _page(request, actor, values, saved=saved)


@router.post(PATH)
def save_clinic_settings(
    request: Request, actor: AdminActor, db: DbDep, form: FormDep
) -> Response:
    """Save both settings, or neither: a refused value is named and nothing is changed."""
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    try:
        changes = ClinicUpdate.model_validate(values).model_dump(include=set(FIELDS))
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "phone"
            errors.setdefault(name, _plain(name, str(error["msg"])))
    if not errors:
        try:
            update_clinic(db, actor, changes)
        except ClinicalDataError as exc:
            db.rollback()
            errors[exc.field] = str(exc).removeprefix(f"{exc.field}: ")
    if errors:
        return _page(request, actor, values, errors=errors, status_code=422)
    return RedirectResponse(f"{PATH}?saved=true", status_code=303)


def _plain(name: str, message: str) -> str:
    """A validation message in words a person typing the form understands."""
    if name == "phone":
        return gettext("Enter digits, spaces and ( ) . / - only, optionally after a +.")
    if name == "time_zone":
        return gettext("Enter a time zone name, such as Europe/Madrid.")
    return message
