"""Forms for patients, diagnoses, assessments, adverse effects, MRI studies and surgery.

One machinery serves every form. What kind of value a field holds, its choices and its limits
come from the API's Create models (``api/schemas``); a short description per form adds only what
a schema cannot say: labels, hints, order, and a widget where the default does not fit. Entries
are checked by the same Pydantic models and stored by the same services as the JSON API, so the
rules and access checks are the API's own. Bad input comes back as the form with status 422, a
message beside each field at fault and the entries kept; nothing is stored.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Le, MaxLen
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.api.schemas import records as s
from hemispasm.clinic.api.schemas.common import Input, PartialInput
from hemispasm.clinic.api.schemas.people import PatientCreate, PatientUpdate
from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    CompressionSite,
    ContactKind,
    Product,
    Reporter,
    Role,
    Severity,
    Sex,
    SurgeryComplication,
    SurgeryOutcome,
    Vessel,
    icd10_code,
)
from hemispasm.clinic.services import patients
from hemispasm.clinic.services import records as svc
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import ASSESSMENTS, DIAGNOSES, MRI_STUDIES, SURGERIES
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS, INJECTION_SESSIONS
from hemispasm.clinic.web.pages import PageActor, PageRoute, render, templates
from hemispasm.errors import ClinicalDataError, ConflictError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# --- human words for the vocabularies --------------------------------------------------------

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Sex: {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not recorded"},
    AffectedSide: {"left": "Left", "right": "Right", "bilateral": "Both sides (bilateral)"},
    Severity: {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"},
    Reporter: {"patient": "the patient", "clinician": "a clinician"},
    AdverseEffect: {
        "ptosis": "Drooping upper eyelid (ptosis)",
        "lip_or_lower_face_weakness": "Weakness of the lip or lower face",
        "diplopia": "Double vision (diplopia)",
        "incomplete_lid_closure_dry_eye": "Eyelid does not close fully, dry eye",
        "tearing": "Watering eye (tearing)",
        "bruising": "Bruising where injected",
        "brow_asymmetry": "Uneven eyebrows",
        "swallowing_difficulty": "Difficulty swallowing",
        "breathing_difficulty": "Difficulty breathing",
        "other": "Other (describe it in the notes)",
    },
    Vessel: {
        "aica": "AICA (anterior inferior cerebellar artery)",
        "pica": "PICA (posterior inferior cerebellar artery)",
        "vertebral": "Vertebral artery",
        "basilar": "Basilar artery",
        "vein": "A vein",
        "several": "Several vessels",
        "none": "No vessel",
    },
    CompressionSite: {"root_exit_zone": "Root exit zone", "other": "Elsewhere along the nerve"},
    ContactKind: {
        "contact": "Contact: the vessel touches the nerve",
        "compression": "Compression: the vessel dents or displaces the nerve",
    },
    SurgeryOutcome: {
        "complete": "Spasms gone",
        "partial": "Spasms fewer or milder",
        "none": "No change",
        "pending": "Too early to judge",
    },
    SurgeryComplication: {
        "hearing_loss": "Hearing loss",
        "facial_palsy": "Facial weakness (palsy)",
        "csf_leak": "Leak of cerebrospinal fluid (CSF)",
        "other": "Other (describe it in the notes)",
    },
    Product: {p.value: p.value for p in Product} | {"other": "Other product"},
}


_BY_NAME = {enum_cls.__name__: labels for enum_cls, labels in LABELS.items()}


def vocab_label(value: Any, vocabulary: str = "") -> str:
    """The words for a vocabulary value: an enum member, or a stored string of the enum named
    ``vocabulary`` (lists of vessels are stored as strings); a list gives its items' words."""
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(vocab_label(v, vocabulary) for v in value) or "—"
    for enum_cls, labels in LABELS.items():
        if isinstance(value, enum_cls):
            return labels.get(value.value, value.value)
    return _BY_NAME.get(vocabulary, {}).get(str(value), str(value).replace("_", " "))


templates.env.filters["vocab_label"] = vocab_label

# --- how each form asks its fields ---------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One choice of a radio group, select or set of checkboxes."""

    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Ask:
    """How one schema field is asked: words, and a widget where the schema's kind is not enough."""

    name: str
    label: str
    hint: str = ""
    widget: str | None = None
    """text, textarea, tel, email, date, number, checkbox, yesno, radio, select, checkboxes or
    list (comma-separated text); None: derived from the schema (``widget_of``)."""
    options: tuple[Option, ...] = ()
    """Choices of an integer scale; enum choices come from the schema and ``LABELS``."""
    option_hints: Mapping[str, str] = field(default_factory=dict)
    today_by_default: bool = False
    in_total: bool = False
    """Counts towards the section's total (shown live by the stylesheet)."""


@dataclass(frozen=True)
class Section:
    """A group of fields under one heading."""

    title: str
    asks: tuple[Ask, ...]
    hint: str = ""
    total: str = ""
    """Label of the live total of the ``in_total`` fields ("" for none)."""


@dataclass(frozen=True)
class FormSpec:
    """One form: the schemas it fills, its sections, and where it lives."""

    new_title: str
    edit_title: str
    create: type[Input]
    update: type[PartialInput]
    sections: tuple[Section, ...]
    slug: str = ""
    """URL part under the patient (``adverse-events``); "" for the patient form itself."""
    kind: RecordKind | None = None
    anchor: str = ""
    """The section of the patient page to return to."""
    intro: str = ""
    notice: str = ""
    """A warning shown above the form."""
    alert: Callable[[Mapping[str, Any]], str] = lambda raw: ""
    """A warning that depends on the entries (an urgent effect)."""
    shown: tuple[tuple[str, str], ...] = ()
    """Stored values shown, not edited, on the edit form: (column, label)."""
    submit: str = "Save"

    @property
    def asks(self) -> tuple[Ask, ...]:
        return tuple(a for section in self.sections for a in section.asks)


def _scale(*anchors: str, first: int = 0, numerals: Sequence[str] = ()) -> tuple[Option, ...]:
    """Options of an integer scale: the number (or numeral), a short name and what it means."""
    options = []
    for i, text in enumerate(anchors):
        name, _, hint = text.partition(": ")
        shown = numerals[i] if numerals else str(first + i)
        options.append(Option(str(first + i), f"{shown} · {name}", hint[:1].upper() + hint[1:]))
    return tuple(options)


def _urgent_effect(raw: Mapping[str, Any]) -> str:
    effect = raw.get("effect")
    if effect in {e.value for e in AdverseEffect if e.urgent}:
        return (
            "Difficulty swallowing or breathing after an injection can mean the toxin has spread "
            "beyond the injected muscles. The patient needs a medical assessment today; do not "
            "wait for the next visit."
        )
    return ""


NOTES = Ask("notes", "Notes", widget="textarea")
PATIENT_FORM = FormSpec(
    new_title="Register a patient",
    edit_title="Correct the patient's details",
    submit="Register",
    create=PatientCreate,
    update=PatientUpdate,
    sections=(
        Section(
            "Identity",
            (
                Ask("mrn", "Record number", "The clinic's own number; no two patients share one."),
                Ask("name", "Name"),
                Ask("birth_date", "Date of birth"),
                Ask("sex", "Sex", "As recorded by the clinic."),
            ),
        ),
        Section(
            "Contact",
            (
                Ask("phone", "Telephone", widget="tel"),
                Ask("email", "E-mail address", widget="email"),
                Ask("address", "Postal address", widget="textarea"),
            ),
        ),
    ),
)
DIAGNOSIS_FORM = FormSpec(
    new_title="Record the diagnosis",
    edit_title="Correct the diagnosis",
    create=s.DiagnosisCreate,
    update=s.DiagnosisUpdate,
    slug="diagnoses",
    kind=DIAGNOSES,
    anchor="diagnoses",
    intro="Hemifacial spasm. The ICD-10-CM code follows from the side; SNOMED CT 13753008 "
    "applies to every side.",
    sections=(
        Section(
            "Diagnosis",
            (
                Ask(
                    "affected_side",
                    "Affected side",
                    "The patient's own side.",
                    option_hints={
                        side.value: f"ICD-10-CM {icd10_code(side)}" for side in AffectedSide
                    },
                ),
                Ask("onset_on", "First spasms noticed", "An approximate date is fine."),
                Ask("diagnosed_on", "Date of diagnosis"),
                Ask("idiopathic", "Idiopathic", "No other disease (such as a tumour) explains it."),
                NOTES,
            ),
        ),
    ),
    shown=(("icd10", "ICD-10-CM code"), ("snomed", "SNOMED CT code")),
)
ASSESSMENT_FORM = FormSpec(
    new_title="Record an assessment",
    edit_title="Correct an assessment",
    create=s.AssessmentCreate,
    update=s.AssessmentUpdate,
    slug="assessments",
    kind=ASSESSMENTS,
    anchor="assessments-h",
    sections=(
        Section("When", (Ask("assessed_on", "Date of the assessment", today_by_default=True),)),
        Section(
            "Jankovic rating scale",
            (
                Ask(
                    "jankovic_severity",
                    "Severity",
                    widget="radio",
                    in_total=True,
                    options=_scale(
                        "None: no spasms.",
                        "Minimal: more blinking, but only when provoked (bright light, wind, "
                        "stress).",
                        "Mild: twitching that others can see, without true spasm; not disabling.",
                        "Moderate: spasms that are clearly visible and hinder daily life a little.",
                        "Severe: spasms that disable (reading or driving become impossible).",
                    ),
                ),
                Ask(
                    "jankovic_frequency",
                    "Frequency",
                    widget="radio",
                    in_total=True,
                    options=_scale(
                        "None: no spasms.",
                        "Slight: blinks a little more often than usual.",
                        "Fluttering: twitches that last under a second.",
                        "Spasms: closures longer than a second; the eye is open more than half "
                        "of the waking day.",
                        "Eye shut: spasms keep the eye closed more than half of the waking day "
                        "(functionally blind on that side).",
                    ),
                ),
            ),
            hint="Rate severity and frequency from 0 to 4 each; the total runs from 0 to 8.",
            total="Jankovic total (severity + frequency, 0–8)",
        ),
        Section(
            "SMC grade",
            (
                Ask(
                    "smc_grade",
                    "Samsung Medical Center grade",
                    widget="radio",
                    options=_scale(
                        "Eye only: spasms stay around the eye.",
                        "Spread: spasms reach other muscles of the same side (cheek, mouth, "
                        "forehead, neck).",
                        "Tonic: frequent sustained spasms that get in the way of seeing.",
                        "Asymmetry: the face is visibly distorted on that side.",
                        first=1,
                        numerals=("I", "II", "III", "IV"),
                    ),
                ),
            ),
        ),
        Section(
            "Questionnaire totals",
            (
                Ask("hfs7_total", "HFS-7 total", "The sum of the completed form, 0 to 28."),
                Ask("hfs30_total", "HFS-30 total", "The sum of the completed form, 0 to 120."),
            ),
            hint="Totals only: the questionnaires' items are licensed and are not kept here.",
        ),
        Section("", (NOTES,)),
    ),
)
ADVERSE_EVENT_FORM = FormSpec(
    new_title="Record a side effect",
    edit_title="Update a side effect",
    create=s.AdverseEventCreate,
    update=s.AdverseEventUpdate,
    slug="adverse-events",
    kind=ADVERSE_EVENTS,
    anchor="adverse-events-h",
    notice="Difficulty swallowing or breathing after an injection is urgent: it can mean the "
    "toxin has spread. Record it, and make sure the patient is seen by a doctor today.",
    alert=_urgent_effect,
    sections=(
        Section(
            "Side effect",
            (
                Ask(
                    "effect",
                    "Effect",
                    option_hints={e.value: "URGENT" for e in AdverseEffect if e.urgent},
                ),
                Ask("severity", "Severity"),
                Ask("onset_on", "Began on"),
                Ask("resolved_on", "Resolved on", "Leave empty while the effect lasts."),
                Ask(
                    "session_id",
                    "After the injection session of",
                    "The session the effect followed, if known.",
                    widget="select",
                ),
                NOTES,
            ),
        ),
    ),
    shown=(("reported_by", "Reported by"),),
)
MRI_FORM = FormSpec(
    new_title="Record an MRI study",
    edit_title="Correct an MRI study",
    create=s.MriCreate,
    update=s.MriUpdate,
    slug="mri-studies",
    kind=MRI_STUDIES,
    anchor="mri-h",
    intro="Vessel contact is also seen in about one in five facial nerves of people without "
    "spasms: a finding supports, and does not prove, the cause.",
    sections=(
        Section(
            "Study",
            (
                Ask("study_on", "Date of the study"),
                Ask(
                    "sequences",
                    "Sequences",
                    "Separate them with commas, for example: 3D-TOF, 3D-CISS.",
                ),
            ),
        ),
        Section(
            "Findings",
            (
                Ask("compression_found", "Vessel found at the facial nerve"),
                Ask("vessels", "Vessels", "Choose every vessel seen."),
                Ask("site", "Where along the nerve"),
                Ask("contact", "Contact or compression"),
                Ask("dolichoectasia", "Dolichoectasia (elongated, widened artery)"),
                Ask("other_lesion", "Other lesion", "A tumour or other cause, if one was seen."),
                NOTES,
            ),
        ),
    ),
)
SURGERY_FORM = FormSpec(
    new_title="Record a microvascular decompression",
    edit_title="Correct a microvascular decompression",
    create=s.SurgeryCreate,
    update=s.SurgeryUpdate,
    slug="surgeries",
    kind=SURGERIES,
    anchor="surgeries-h",
    intro="Microvascular decompression of the facial nerve.",
    sections=(
        Section(
            "Operation",
            (
                Ask("surgery_on", "Date of the operation"),
                Ask("surgeon", "Surgeon"),
                Ask("side", "Side"),
                Ask("vessels", "Vessels found", "Choose every vessel decompressed."),
                Ask("findings", "Findings"),
                Ask(
                    "monitoring",
                    "Monitoring during the operation",
                    "For example, whether the lateral spread response went away.",
                ),
            ),
        ),
        Section(
            "Result",
            (
                Ask("outcome", "Outcome"),
                Ask("recurrence_on", "Spasms came back on", "Leave empty if they have not."),
                Ask("complications", "Complications"),
                NOTES,
            ),
        ),
    ),
)
RECORD_FORMS = (DIAGNOSIS_FORM, ASSESSMENT_FORM, ADVERSE_EVENT_FORM, MRI_FORM, SURGERY_FORM)

# --- what a schema field is ------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A schema field reduced to what a form needs."""

    base: Any
    """date, bool, int, str, an enum class, or list."""
    item: Any = None
    """The item type of a list."""
    optional: bool = False
    required: bool = False
    default: Any = None
    ge: int | None = None
    le: int | None = None
    max_length: int | None = None


def _strip_annotated(tp: Any, meta: list[Any]) -> Any:
    while get_origin(tp) is Annotated:
        meta.extend(tp.__metadata__)
        tp = get_args(tp)[0]
    return tp


def shape_of(model: type[BaseModel], name: str) -> Shape:
    """What kind of value ``model``'s field ``name`` holds, and its limits."""
    info = model.model_fields[name]
    meta: list[Any] = list(info.metadata)
    tp = _strip_annotated(info.annotation, meta)
    optional = False
    if get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp):
        optional = True
        tp = _strip_annotated(next(a for a in get_args(tp) if a is not type(None)), meta)
    item = None
    if get_origin(tp) is list:
        item, tp = _strip_annotated(get_args(tp)[0], []), list
    for m in list(meta):  # Field() inside Annotated carries its own metadata
        meta.extend(getattr(m, "metadata", ()))
    default = None if info.is_required() or info.default_factory else info.default
    return Shape(
        base=tp,
        item=item,
        optional=optional,
        required=info.is_required(),
        default=default,
        ge=next((int(m.ge) for m in meta if isinstance(m, Ge)), None),  # type: ignore[call-overload]
        le=next((int(m.le) for m in meta if isinstance(m, Le)), None),  # type: ignore[call-overload]
        max_length=next((m.max_length for m in meta if isinstance(m, MaxLen)), None),
    )


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, StrEnum)


def widget_of(shape: Shape) -> str:
    """The widget a field gets unless its form says otherwise."""
    if shape.base is date:
        return "date"
    if shape.base is bool:
        return "yesno" if shape.optional else "checkbox"
    if shape.base is int:
        return "number"
    if _is_enum(shape.base):
        return "radio" if len(shape.base) <= 5 else "select"
    if shape.base is list:
        return "checkboxes" if _is_enum(shape.item) else "list"
    if shape.max_length is not None and shape.max_length > 500:
        return "textarea"
    return "text"


YES_NO = (Option("yes", "Yes"), Option("no", "No"), Option("", "Not stated"))
NOT_RECORDED = Option("", "Not recorded")


def _options(ask: Ask, shape: Shape, widget: str, dynamic: Sequence[Option]) -> list[Option]:
    if widget == "yesno":
        return list(YES_NO)
    found = ask.options or tuple(dynamic)
    enum_cls = shape.item if shape.base is list else shape.base
    if not found and _is_enum(enum_cls):
        labels = LABELS[enum_cls]
        found = tuple(
            Option(m.value, labels.get(m.value, m.value), ask.option_hints.get(m.value, ""))
            for m in enum_cls
        )
    choices = list(found)
    may_be_empty = not shape.required and shape.default is None and shape.base is not list
    if widget == "radio" and may_be_empty:
        choices.append(Option("", "Not rated") if ask.options else NOT_RECORDED)
    elif widget == "select" and not dynamic and (may_be_empty or shape.required):
        # A required list starts empty too: a first choice taken by mistake would be stored.
        choices.insert(0, NOT_RECORDED if may_be_empty else Option("", "Choose one"))
    return choices


# --- from the browser to the schema and back -------------------------------------------------

Raw = dict[str, Any]
"""What the form holds per field: a string, or a list of strings for checkboxes."""


def _field_kinds(spec: FormSpec) -> list[tuple[Ask, Shape, str]]:
    out = []
    for ask in spec.asks:
        shape = shape_of(spec.create, ask.name)
        out.append((ask, shape, ask.widget or widget_of(shape)))
    return out


_INTEGER = re.compile(r"^[+-]?\d{1,12}$")


def read_form(spec: FormSpec, form: FormData, *, creating: bool) -> tuple[Raw, dict[str, Any]]:
    """The entries as sent (to show again) and as values for the schema."""
    raw: Raw = {}
    data: dict[str, Any] = {}
    for ask, shape, widget in _field_kinds(spec):
        sent = [v for v in form.getlist(ask.name) if isinstance(v, str)]
        if widget == "checkboxes":
            raw[ask.name] = data[ask.name] = sent
            continue
        text = sent[0] if sent else ""
        raw[ask.name] = text
        value: Any
        if widget == "checkbox":
            value = bool(text)
        elif widget == "yesno":
            value = {"yes": True, "no": False, "": None}.get(text, text)  # others: refused
        elif widget == "list":
            value = [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
        elif not text.strip():
            value = None
        elif shape.base is int and _INTEGER.match(text.strip()):
            value = int(text.strip())
        else:
            value = text
        if value is None and not shape.optional and (creating or not shape.required):
            # Not sent: on a new record the schema reports it missing or fills its default;
            # on a correction a field with a default keeps its stored value.
            continue
        data[ask.name] = value
    return raw, data


def raw_of(spec: FormSpec, values: Mapping[str, Any]) -> Raw:
    """Stored (or default) values as the form shows them."""
    raw: Raw = {}
    for ask, _shape, widget in _field_kinds(spec):
        value = values.get(ask.name)
        if widget == "checkboxes":
            raw[ask.name] = [getattr(v, "value", v) for v in value or ()]
        elif widget == "checkbox":
            raw[ask.name] = "on" if value else ""
        elif widget == "yesno":
            raw[ask.name] = "" if value is None else ("yes" if value else "no")
        elif widget == "list":
            raw[ask.name] = ", ".join(value or ())
        elif isinstance(value, date):
            raw[ask.name] = value.isoformat()
        else:
            raw[ask.name] = "" if value is None else str(getattr(value, "value", value))
    return raw


def defaults(spec: FormSpec, today: date) -> Raw:
    values = {ask.name: shape_of(spec.create, ask.name).default for ask in spec.asks}
    values |= {ask.name: today for ask in spec.asks if ask.today_by_default}
    return raw_of(spec, values)


_NAMED = re.compile(r"^([a-z_][a-z0-9_]*): (.+)$", re.DOTALL)
FIELD_WORDS = {"birth_date": "the date of birth"}
"""Names of fields a rule may mention that are not on the form itself."""


def _friendly(error: Mapping[str, Any], shape: Shape | None, widget: str) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "missing" or error["msg"].endswith("cannot be null"):
        if widget in ("radio", "select", "yesno"):
            return "Choose one of the options."
        return "Enter a date." if widget == "date" else "This cannot be left empty."
    if kind.startswith("date_"):
        return "Enter a real date as year-month-day, for example 2026-06-15."
    if kind.startswith("int_"):
        return "Enter a whole number."
    if kind in ("greater_than_equal", "less_than_equal") and shape is not None:
        return f"Enter a number from {shape.ge} to {shape.le}."
    if kind == "enum" or kind.startswith("bool_"):
        return "Choose one of the options listed."
    if kind == "string_too_long":
        return f"Shorten this to {ctx.get('max_length')} characters or fewer."
    if kind == "string_too_short":
        return "This cannot be left empty."
    if kind == "too_long":
        return f"Choose at most {ctx.get('max_length')}."
    return str(error["msg"]).removeprefix("Value error, ")


def validation_errors(spec: FormSpec, exc: ValidationError) -> dict[str, str]:
    """Messages of a schema's refusal, by field ("" for the form as a whole)."""
    kinds = {ask.name: (shape, widget) for ask, shape, widget in _field_kinds(spec)}
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = error.get("loc", ())
        name = str(loc[0]) if loc else ""
        named = _NAMED.match(str(error["msg"]).removeprefix("Value error, "))
        if not name and named:  # a model-level rule naming its field ("name: cannot be null")
            name = named.group(1)
        shape, widget = kinds.get(name, (None, ""))
        key = name if name in kinds else ""
        errors.setdefault(key, _friendly(error, shape, widget))
    return errors


def domain_errors(spec: FormSpec, exc: ClinicalDataError | ConflictError) -> dict[str, str]:
    """A service's refusal, beside the field it names, in the form's words."""
    message = str(exc).removeprefix(f"{exc.field}: ")
    words = {a.name: a.label.lower() for a in spec.asks} | FIELD_WORDS
    message = re.sub(
        r"\b(" + "|".join(map(re.escape, words)) + r")\b", lambda m: words[m.group(1)], message
    )
    name = exc.field if exc.field in {a.name for a in spec.asks} else ""
    return {name: message}


# --- what the templates get ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    """One field as the template draws it."""

    name: str
    id: str
    label: str
    hint: str
    widget: str
    required: bool
    optional: bool
    """May be left empty (a field with a default always holds a choice)."""
    value: str
    values: tuple[str, ...]
    options: tuple[Option, ...]
    min: int | None
    max: int | None
    max_length: int | None
    error: str
    in_total: bool
    date_max: str

    @property
    def anchor(self) -> str:
        """The id the error summary links to (the first choice of a group)."""
        grouped = self.widget in ("radio", "yesno", "checkboxes")
        return f"{self.id}-1" if grouped and self.options else self.id


@dataclass(frozen=True)
class SectionView:
    title: str
    hint: str
    fields: tuple[FieldView, ...]
    total: str


@dataclass(frozen=True)
class FormView:
    """Everything a form page shows."""

    title: str
    action: str
    cancel: str
    submit: str
    sections: tuple[SectionView, ...]
    errors: tuple[tuple[str, str, str], ...]
    """(anchor, label, message) of each error, for the summary at the top."""
    patient: Any = None
    intro: str = ""
    notice: str = ""
    alert: str = ""
    facts: tuple[tuple[str, str], ...] = ()


def build_view(
    spec: FormSpec,
    raw: Raw,
    errors: Mapping[str, str],
    *,
    today: date,
    dynamic: Mapping[str, Sequence[Option]] | None = None,
) -> tuple[tuple[SectionView, ...], tuple[tuple[str, str, str], ...]]:
    """The sections with their fields filled from ``raw``, and the error summary."""
    sections = []
    summary = []
    for section in spec.sections:
        fields = []
        for ask in section.asks:
            shape = shape_of(spec.create, ask.name)
            widget = ask.widget or widget_of(shape)
            value = raw.get(ask.name, "")
            options = _options(ask, shape, widget, (dynamic or {}).get(ask.name, ()))
            if widget == "select" and value and value not in {o.value for o in options}:
                options.append(Option(value, f"{value} (no longer listed)"))
            view = FieldView(
                name=ask.name,
                id=f"f-{ask.name}",
                label=ask.label,
                hint=ask.hint,
                widget=widget,
                required=shape.required,
                optional=not shape.required and shape.default is None,
                value=value if isinstance(value, str) else "",
                values=tuple(value) if isinstance(value, list) else (),
                options=tuple(options),
                min=shape.ge,
                max=shape.le,
                max_length=shape.max_length if shape.base is str else None,
                error=errors.get(ask.name, ""),
                in_total=ask.in_total,
                date_max=today.isoformat(),  # every date on these forms is a past event
            )
            fields.append(view)
            if view.error:
                summary.append((view.anchor, view.label, view.error))
        sections.append(SectionView(section.title, section.hint, tuple(fields), section.total))
    if errors.get(""):
        summary.insert(0, ("", "", errors[""]))
    return tuple(sections), tuple(summary)


# --- the pages -------------------------------------------------------------------------------


def clinician(actor: PageActor) -> Actor:
    """The logged-in user, if a clinician: these forms are the clinic's, not the patient's."""
    require_role(actor, Role.CLINICIAN)
    return actor


ClinicianActor = Annotated[Actor, Depends(clinician)]


async def posted_form(request: Request) -> FormData:
    """The posted fields (parsed once: Starlette keeps them for the CSRF check as well)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


@dataclass(frozen=True)
class Target:
    """What a form is about and where it goes."""

    action: str
    cancel: str
    patient: Any = None
    """The patient the form is about (None when registering one)."""
    stored: Mapping[str, Any] | None = None
    """The stored values, when correcting; None for a new record."""
    dynamic: Mapping[str, Sequence[Option]] | None = None
    """Choices that come from the patient's other records."""

    @property
    def editing(self) -> bool:
        return self.stored is not None


def _page(
    request: Request,
    actor: Actor,
    spec: FormSpec,
    target: Target,
    raw: Raw,
    errors: Mapping[str, str],
) -> Response:
    sections, summary = build_view(spec, raw, errors, today=actor.on(), dynamic=target.dynamic)
    stored = target.stored or {}
    view = FormView(
        title=spec.edit_title if target.editing else spec.new_title,
        action=target.action,
        cancel=target.cancel,
        submit="Save changes" if target.editing else spec.submit,
        sections=sections,
        errors=summary,
        patient=target.patient,
        intro=spec.intro,
        notice=spec.notice,
        alert=spec.alert(raw),
        facts=tuple(
            (label, vocab_label(stored[col])) for col, label in spec.shown if col in stored
        ),
    )
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
    raw, data = read_form(spec, form, creating=not target.editing)
    try:
        body = (spec.update if target.editing else spec.create).model_validate(data)
    except ValidationError as exc:
        return _page(request, actor, spec, target, raw, validation_errors(spec, exc))
    if target.stored is None:
        values = body.model_dump()
    else:  # only what was changed: everything else stays as stored
        sent = body.changes()  # type: ignore[attr-defined]
        values = {k: v for k, v in sent.items() if target.stored.get(k) != v}
    try:
        return RedirectResponse(save(values), status_code=303)
    except (ClinicalDataError, ConflictError) as exc:
        return _page(request, actor, spec, target, raw, domain_errors(spec, exc))


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


def _session_options(db: Session, actor: Actor, patient_id: int) -> dict[str, list[Option]]:
    """The patient's injection sessions, newest first, to link a side effect to."""
    page = svc.list_records(db, actor, INJECTION_SESSIONS, patient_id, page=1, page_size=1000)
    sessions = [
        Option(str(row.id), f"{row.session_on.isoformat()} · {vocab_label(row.product)}")
        for row in page.items
    ]
    return {"session_id": [Option("", "Not linked to a session"), *sessions]}


def _record_target(
    db: Session, actor: Actor, spec: FormSpec, patient_id: int, record_id: int | None
) -> Target:
    """The patient, the stored record (when correcting) and choices from the patient's records;
    loaded before anything is stored, so that a refused change leaves nothing to read after it."""
    assert spec.kind is not None
    patient = patients.get_patient(db, actor, patient_id)
    stored = None
    base = f"/patients/{patient_id}/{spec.slug}"
    action = f"{base}/new"
    if record_id is not None:
        row = svc.get_record(db, actor, spec.kind, patient_id, record_id)
        stored = svc.current_values(row, spec.kind)
        action = f"{base}/{record_id}/edit"
    dynamic = _session_options(db, actor, patient_id) if spec.kind is ADVERSE_EVENTS else None
    return Target(action, f"/patients/{patient_id}", patient, stored, dynamic)


def add_record_form_routes(spec: FormSpec) -> None:
    """The new and edit forms of one kind of patient record."""
    kind = spec.kind
    assert kind is not None
    base = f"/patients/{{patient_id}}/{spec.slug}"

    def store(db: Session, actor: Actor, patient_id: int, record_id: int | None) -> Any:
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
        return _page(request, actor, spec, target, defaults(spec, actor.on()), {})

    @router.post(f"{base}/new", name=f"create_{kind.part}")
    def create(
        request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, form: FormDep
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, None)
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
