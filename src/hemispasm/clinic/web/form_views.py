"""What the form pages get: a ``forms.FormSpec`` drawn as fields with their values and messages.

``build_view`` fills the fields of a form from the entries (as typed, or stored) and its messages;
``form_view`` adds what the page is about (``Target``) and its titles. The form's words, marked
where the form is described, are put in the page's language here. Nothing here reads a database
or renders a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hemispasm.clinic.web.forms import (
    FormSpec,
    Option,
    Raw,
    options_of,
    shape_of,
    widget_of,
)
from hemispasm.clinic.web.i18n import gettext
from hemispasm.clinic.web.vocab_labels import vocab_label


@dataclass(frozen=True)
class FieldView:
    """One field as ``_form_fields.html`` draws it."""

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
    """Everything ``form_record.html`` shows."""

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
            options = options_of(ask, shape, widget, (dynamic or {}).get(ask.name, ()))
            if widget == "select" and value and value not in {o.value for o in options}:
                options.append(
                    Option(value, gettext("%(value)s (no longer listed)") % {"value": value})
                )
            view = FieldView(
                name=ask.name,
                id=f"f-{ask.name}",
                label=gettext(ask.label),
                hint=gettext(ask.hint),
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
        sections.append(
            SectionView(
                gettext(section.title),
                gettext(section.hint),
                tuple(fields),
                gettext(section.total),
            )
        )
    if errors.get(""):
        summary.insert(0, ("", "", errors[""]))
    return tuple(sections), tuple(summary)


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


def form_view(
    spec: FormSpec, target: Target, raw: Raw, errors: Mapping[str, str], *, today: date
) -> FormView:
    """The form page's context: the fields as entered, the messages, the stored facts."""
    sections, summary = build_view(spec, raw, errors, today=today, dynamic=target.dynamic)
    stored = target.stored or {}
    return FormView(
        title=gettext(spec.edit_title if target.editing else spec.new_title),
        action=target.action,
        cancel=target.cancel,
        submit=gettext("Save changes") if target.editing else gettext(spec.submit),
        sections=sections,
        errors=summary,
        patient=target.patient,
        intro=gettext(spec.intro),
        notice=gettext(spec.notice),
        alert=gettext(spec.alert(raw)),
        facts=tuple(
            (gettext(label), gettext(vocab_label(stored[col])))
            for col, label in spec.shown
            if col in stored
        ),
    )
