"""HTML forms drawn from the API's schemas: fields, reading what was posted, messages.

What kind of value a field holds, its choices and its limits come from a Pydantic Create model;
a ``FormSpec`` adds only what a schema cannot say: labels, hints, order, and a widget where the
default does not fit. Entries are checked by the same models (and its Update model when
correcting), and refusals, the schema's or a service's, become a message beside the field at
fault. ``form_views`` turns a form and its entries into what the templates draw. Nothing here
reads a database or renders a page.

The words of a form (labels, hints, titles, choices) are English marked with ``N_`` where they
are defined, and put in the page's language where they are shown (``options_of`` here,
``form_views``); messages are made in the page's language as a request is answered.
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
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from hemispasm.clinic.api.schemas.common import Input, PartialInput
from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.clinic.web.refusals import refusal_text
from hemispasm.clinic.web.vocab_labels import labels_of
from hemispasm.errors import ClinicalDataError, ConflictError

# --- how a form asks its fields --------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One choice of a radio group, select or set of checkboxes."""

    value: str
    label: str
    hint: str = ""
    number: str = ""
    """The number (or numeral) of a point of a scale, shown before its label."""


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
    """Choices of an integer scale; enum choices come from the schema and ``labels_of``."""
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


@dataclass(frozen=True, kw_only=True)
class FormSpec:
    """One form: the schemas it fills and its sections."""

    new_title: str
    edit_title: str
    create: type[Input]
    update: type[PartialInput]
    sections: tuple[Section, ...]
    intro: str = ""
    notice: str = ""
    """A warning shown above the form."""
    alert: Callable[[Mapping[str, Any]], str] = lambda raw: ""
    """A warning that depends on the entries (an urgent effect)."""
    shown: tuple[tuple[str, str], ...] = ()
    """Stored values shown, not edited, on the edit form: (column, label)."""
    submit: str = N_("Save")

    @property
    def asks(self) -> tuple[Ask, ...]:
        return tuple(a for section in self.sections for a in section.asks)


def scale(
    *anchors: tuple[str, str], first: int = 0, numerals: Sequence[str] = ()
) -> tuple[Option, ...]:
    """Options of an integer scale from anchors ``(name, what it means)``: the name as label
    (after the number or numeral), the meaning as hint."""
    if numerals and len(numerals) != len(anchors):
        raise ValueError(f"numerals must name each of the {len(anchors)} anchors, got {numerals}")
    options = []
    for i, (name, meaning) in enumerate(anchors):
        shown = numerals[i] if numerals else str(first + i)
        options.append(Option(str(first + i), name, meaning, number=shown))
    return tuple(options)


def shown_option(option: Option) -> Option:
    """``option`` as a page shows it: its words in the page's language, its number first."""
    label = gettext(option.label)
    return Option(
        option.value,
        f"{option.number} · {label}" if option.number else label,
        gettext(option.hint),
    )


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


YES_NO = (Option("yes", N_("Yes")), Option("no", N_("No")), Option("", N_("Not stated")))
NOT_RECORDED = Option("", N_("Not recorded"))


def options_of(ask: Ask, shape: Shape, widget: str, dynamic: Sequence[Option] = ()) -> list[Option]:
    """The choices a field offers, in the page's language: its scale, ``dynamic`` ones (made in
    the page's language already), or its vocabulary's values, with an empty choice where the
    field may be left empty (or a list must be chosen from)."""
    if widget == "yesno":
        return [shown_option(o) for o in YES_NO]
    found = ask.options or tuple(dynamic)
    enum_cls = shape.item if shape.base is list else shape.base
    if not found and _is_enum(enum_cls):
        found = tuple(
            Option(m.value, label, ask.option_hints.get(m.value, ""))
            for m, label in labels_of(enum_cls).items()
        )
    choices = list(found) if dynamic and not ask.options else [shown_option(o) for o in found]
    may_be_empty = not shape.required and shape.default is None and shape.base is not list
    if widget == "radio" and may_be_empty:
        choices.append(shown_option(Option("", N_("Not rated")) if ask.options else NOT_RECORDED))
    elif widget == "select" and not dynamic and (may_be_empty or shape.required):
        # A required list starts empty too: a first choice taken by mistake would be stored.
        empty = NOT_RECORDED if may_be_empty else Option("", N_("Choose one"))
        choices.insert(0, shown_option(empty))
    return choices


def fields_of(spec: FormSpec) -> list[tuple[Ask, Shape, str]]:
    """Each field of the form with its shape and widget."""
    out = []
    for ask in spec.asks:
        shape = shape_of(spec.create, ask.name)
        out.append((ask, shape, ask.widget or widget_of(shape)))
    return out


# --- from the browser to the schema and back -------------------------------------------------

Raw = dict[str, Any]
"""What the form holds per field: a string, or a list of strings for checkboxes."""


_INTEGER = re.compile(r"^[+-]?\d{1,12}$")


def read_form(spec: FormSpec, form: FormData, *, creating: bool) -> tuple[Raw, dict[str, Any]]:
    """The entries as sent (to show again) and as values for the schema."""
    raw: Raw = {}
    data: dict[str, Any] = {}
    for ask, shape, widget in fields_of(spec):
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
    for ask, _shape, widget in fields_of(spec):
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
    """A new form: the schema's defaults, and today where the form asks for it."""
    values = {ask.name: shape_of(spec.create, ask.name).default for ask in spec.asks}
    values |= {ask.name: today for ask in spec.asks if ask.today_by_default}
    return raw_of(spec, values)


@dataclass(frozen=True)
class Entries:
    """A posted form, checked: as typed, and the values to store or the messages by field."""

    raw: Raw
    values: dict[str, Any]
    """For a new record every field; for a correction only what differs from ``stored``."""
    errors: dict[str, str]


def check_entries(spec: FormSpec, form: FormData, *, stored: Mapping[str, Any] | None) -> Entries:
    """Check the entries with the form's Create model (Update model when correcting ``stored``)."""
    raw, data = read_form(spec, form, creating=stored is None)
    try:
        if stored is None:
            return Entries(raw, spec.create.model_validate(data).model_dump(), {})
        sent = spec.update.model_validate(data).changes()
    except ValidationError as exc:
        return Entries(raw, {}, validation_errors(spec, exc))
    return Entries(raw, {k: v for k, v in sent.items() if stored.get(k) != v}, {})


# --- messages --------------------------------------------------------------------------------

_NAMED = re.compile(r"^([a-z_][a-z0-9_]*): (.+)$", re.DOTALL)
FIELD_WORDS = {"birth_date": N_("the date of birth")}
"""Names of fields a rule may mention that are not on the form itself."""


def friendly_message(error: Mapping[str, Any], shape: Shape | None, widget: str) -> str:
    """One of Pydantic's errors in the form's words and the page's language."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "missing" or error["msg"].endswith("cannot be null"):
        if widget in ("radio", "select", "yesno"):
            return gettext("Choose one of the options.")
        return (
            gettext("Enter a date.") if widget == "date" else gettext("This cannot be left empty.")
        )
    if kind.startswith("date_"):
        return gettext("Enter a real date as year-month-day, for example 2026-06-15.")
    if kind.startswith("int_"):
        return gettext("Enter a whole number.")
    if kind in ("greater_than_equal", "less_than_equal") and shape is not None:
        return gettext("Enter a number from %(low)s to %(high)s.") % {
            "low": shape.ge,
            "high": shape.le,
        }
    if kind == "enum" or kind.startswith("bool_"):
        return gettext("Choose one of the options listed.")
    if kind == "string_too_long":
        return gettext("Shorten this to %(count)s characters or fewer.") % {
            "count": ctx.get("max_length")
        }
    if kind == "string_too_short":
        return gettext("This cannot be left empty.")
    if kind == "too_long":
        return gettext("Choose at most %(count)s.") % {"count": ctx.get("max_length")}
    return refusal_text(str(error["msg"]).removeprefix("Value error, "))


def validation_errors(spec: FormSpec, exc: ValidationError) -> dict[str, str]:
    """Messages of a schema's refusal, by field ("" for the form as a whole)."""
    kinds = {ask.name: (shape, widget) for ask, shape, widget in fields_of(spec)}
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = error.get("loc", ())
        name = str(loc[0]) if loc else ""
        named = _NAMED.match(str(error["msg"]).removeprefix("Value error, "))
        if not name and named:  # a model-level rule naming its field ("name: cannot be null")
            name = named.group(1)
        shape, widget = kinds.get(name, (None, ""))
        key = name if name in kinds else ""
        errors.setdefault(key, friendly_message(error, shape, widget))
    return errors


def domain_errors(spec: FormSpec, exc: ClinicalDataError | ConflictError) -> dict[str, str]:
    """A service's refusal, beside the field it names, in the form's words and the page's
    language."""
    message = str(exc).removeprefix(f"{exc.field}: ")
    words = {a.name: gettext(a.label).lower() for a in spec.asks}
    words |= {name: gettext(w) for name, w in FIELD_WORDS.items()}
    name = exc.field if exc.field in {a.name for a in spec.asks} else ""
    return {name: refusal_text(message, words)}
