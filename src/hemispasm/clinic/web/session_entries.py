"""The injection-session form's entries: posted fields in, typed values and field errors out.

Pure: no database and no request. The rows of the sites table are posted as
``sites-<n>-muscle``, ``-side`` and ``-units``; blank rows are dropped and the others renumbered
in their order on the page, so that every error names a row the clinician can see. Values are
checked by the API's own ``SessionCreate``; the services' domain errors are mapped to the same
field names. Labels are marked (``N_``) where they are defined and translated where shown;
messages are made in the page's language as the request is answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hemispasm.clinic.api.schemas.records import SessionCreate
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle
from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.clinic.web.vocab_labels import NOTES_LABELS
from hemispasm.errors import ClinicalDataError

FIELD_LABELS = {
    "session_on": N_("Date"),
    "product": N_("Product"),
    "product_name": N_("Name of the product"),
    "lot": N_("Lot"),
    "expiry_on": N_("Expiry date"),
    "dilution_units_per_0_1_ml": N_("Dilution"),
    "injector_id": N_("Injector"),
    "early_reason": N_("Reason for an early session"),
    "notes": NOTES_LABELS["clinician"],
    "sites": N_("Injected sites"),
    "doses_confirmed": N_("Doses above the clinic's limits"),
    "effect_began_on": N_("Effect began"),
    "effect_peak_on": N_("Effect peaked"),
    "wore_off_on": N_("Effect wore off"),
}
SITE_PART_LABELS = {"muscle": N_("Muscle"), "side": N_("Side"), "units": N_("Units")}
TEXT_FIELDS = ("session_on", "product", "product_name", "lot", "expiry_on", "early_reason", "notes")
FIELD_ORDER = (
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
"""The session fields in their order on the page (the sites table follows them)."""

_SITE_KEY = re.compile(r"^sites-(\d{1,4})-(muscle|side|units)$")
_SITE_PARTS = ("muscle", "side", "units")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SERVICE_SITE_FIELD = re.compile(r"^sites\[(\d+)\]\.(muscle|side|units)$")
_NOT_A_NUMBER = N_("must be a number such as 2.5 (use a point)")


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


def number(text: str) -> float | None:
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
        value = number(dilution)
        if value is None:
            form.error("dilution_units_per_0_1_ml", gettext(_NOT_A_NUMBER))
        else:
            body["dilution_units_per_0_1_ml"] = value
    injector = form.values.get("injector_id", "")
    if injector:
        if injector.isdigit():
            body["injector_id"] = int(injector)
        else:
            form.error("injector_id", gettext("choose the injector from the list"))
    body["sites"] = [_site_entry(form, i, row) for i, row in enumerate(form.rows)]
    if not form.rows:
        form.error("sites", gettext("add at least one injected site (click the map or fill a row)"))
    return body


def _site_entry(form: SessionForm, position: int, row: SiteRow) -> dict[str, Any]:
    """One row as the API's site object; its empty or malformed boxes recorded as errors."""
    if not row.muscle:
        form.error(
            site_field(position, "muscle"),
            gettext("choose the muscle, or clear the row to leave it out"),
        )
    if not row.side:
        form.error(site_field(position, "side"), gettext("choose left or right"))
    units = number(row.units) if row.units else None
    if not row.units:
        form.error(
            site_field(position, "units"),
            gettext("enter the units, or clear the row to leave it out"),
        )
    elif units is None:
        form.error(site_field(position, "units"), gettext(_NOT_A_NUMBER))
    return {"muscle": row.muscle, "side": row.side, "units": units}


def _message(error: Mapping[str, Any]) -> str:
    """A short message for one Pydantic error, in the form's words and the page's language."""
    kind, ctx, loc = error["type"], error.get("ctx") or {}, error["loc"]
    if kind == "missing":
        return gettext("is required")
    if kind == "enum":
        what = str(loc[-1])
        if what == "muscle":
            return gettext("unknown muscle %(value)s: choose one from the list") % {
                "value": repr(error["input"])
            }
        if what == "side":
            return gettext("choose left or right")
        return gettext("choose one of the listed values")
    if kind.startswith("date"):
        return gettext("must be a date such as 2026-06-15")
    if kind == "greater_than":
        return gettext("must be more than %(limit)s") % {"limit": f"{ctx['gt']:g}"}
    if kind == "less_than_equal":
        return gettext("must be at most %(limit)s") % {"limit": f"{ctx['le']:g}"}
    if kind == "string_too_long":
        return gettext("must be at most %(count)s characters") % {"count": ctx["max_length"]}
    return refusal_text(str(error["msg"]).removeprefix("Value error, "))


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


def service_field(name: str) -> str:
    """The form name of a domain error's field: ``sites[2].units`` -> ``sites-2-units``."""
    match = _SERVICE_SITE_FIELD.match(name)
    return site_field(int(match.group(1)), match.group(2)) if match else name


def readable(message: str) -> str:
    """A service's message in the form's words and the page's language."""
    words = {
        name: gettext("the %(field)s") % {"field": gettext(label).lower()}
        for name, label in FIELD_LABELS.items()
        if "_" in name
    }
    return refusal_text(message, words)


def note_service_error(form: SessionForm, exc: ClinicalDataError) -> None:
    """Put a service's domain error next to the field it names."""
    form.error(service_field(exc.field), readable(str(exc).removeprefix(f"{exc.field}: ")))


def ask_to_confirm_doses(form: SessionForm, *, warned: bool) -> None:
    """Doses above the clinic's limits are saved only with the "I intend these doses" box."""
    if warned and not form.confirmed:
        form.error(
            "doses_confirmed",
            gettext(
                "tick \u201cI intend these doses\u201d to save them as they are, or change them"
            ),
        )


def typed_sites(form: SessionForm) -> list[SiteDose]:
    """The rows that are complete and valid as typed (for totals shown before saving)."""
    sites = []
    for row in form.rows:
        units = number(row.units)
        try:
            sites.append(SiteDose(Muscle(row.muscle), InjectionSide(row.side), units or 0.0))
        except (ClinicalDataError, ValueError):
            continue
    return sites


def page_order(errors: Mapping[str, str]) -> dict[str, str]:
    """``errors`` in the order their fields stand on the page (for the summary at the top)."""

    def place(name: str) -> tuple[int, int, int]:
        match = _SITE_KEY.match(name)
        if match:
            return (len(FIELD_ORDER), int(match.group(1)), _SITE_PARTS.index(match.group(2)))
        if name in FIELD_ORDER:
            return (FIELD_ORDER.index(name), 0, 0)
        return (len(FIELD_ORDER) + 1, 0, 0)

    return {name: errors[name] for name in sorted(errors, key=place)}
