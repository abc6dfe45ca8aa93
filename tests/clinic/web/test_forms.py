"""The form machinery on its own: schema -> fields, posted form -> values or messages, views;
and the words of the vocabularies."""

from __future__ import annotations

import inspect
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pytest
from jinja2 import Environment
from pydantic import Field, model_validator
from starlette.datastructures import FormData

from hemispasm.clinic.api.schemas.common import Input, partial
from hemispasm.clinic.api.schemas.records import AssessmentCreate
from hemispasm.clinic.domain import vocab
from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    Muscle,
    Product,
    Reporter,
    Severity,
    Sex,
    SurgeryComplication,
    Vessel,
)
from hemispasm.clinic.web.form_views import Target, build_view, form_view
from hemispasm.clinic.web.forms import (
    Ask,
    FormSpec,
    Option,
    Section,
    check_entries,
    defaults,
    domain_errors,
    raw_of,
    read_form,
    scale,
    shape_of,
    widget_of,
)
from hemispasm.clinic.web.vocab_labels import (
    LABELS,
    NOTES_LABELS,
    PATIENT_HINTS,
    PATIENT_LABELS,
    hints_of,
    labels_of,
    product_label,
    register_vocab_label,
    vocab_label,
)
from hemispasm.errors import ClinicalDataError, ConflictError

TODAY = date(2026, 6, 15)


class ProbeCreate(Input):
    """One field of each kind a form meets."""

    seen_on: date
    ended_on: date | None = None
    confirmed: bool = False
    known: bool | None = None
    count: int = Field(ge=1, le=9)
    score: int | None = Field(None, ge=0, le=4)
    side: AffectedSide
    effect: AdverseEffect | None = None
    sex: Sex = Sex.UNKNOWN
    vessels: list[Vessel] = Field(default_factory=list, max_length=3)
    words: list[Annotated[str, Field(max_length=10)]] = Field(default_factory=list)
    name: str = Field(min_length=1, max_length=20)
    notes: str | None = Field(None, max_length=5000)

    @model_validator(mode="after")
    def _no_end_without_effect(self) -> ProbeCreate:
        if self.ended_on is not None and self.effect is None:
            raise ValueError("an end needs an effect")
        return self


ProbeUpdate = partial(ProbeCreate, "ProbeUpdate")

PROBE = FormSpec(
    new_title="Record a probe",
    edit_title="Correct a probe",
    create=ProbeCreate,
    update=ProbeUpdate,
    sections=(
        Section(
            "First",
            (
                Ask("seen_on", "Seen on", today_by_default=True),
                Ask("ended_on", "Ended on"),
                Ask("confirmed", "Confirmed"),
                Ask("known", "Known"),
                Ask("count", "Count"),
                Ask(
                    "score",
                    "Score",
                    widget="radio",
                    options=scale(("None", "Nothing."), ("Some", "A bit.")),
                ),
                Ask("side", "Side", option_hints={"left": "the subject's left"}),
            ),
        ),
        Section(
            "Second",
            (
                Ask("effect", "Effect"),
                Ask("sex", "Sex"),
                Ask("vessels", "Vessels"),
                Ask("words", "Words"),
                Ask("name", "Name"),
                Ask("notes", "Notes"),
            ),
        ),
    ),
    shown=(("side", "Side stored"),),
)
GOOD = {"seen_on": "2026-06-01", "count": "3", "side": "left", "name": "Demo Patient 1"}


def posted(values: dict[str, Any]) -> FormData:
    """What a browser sends: one pair per value, lists as repeated names."""
    pairs = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return FormData(pairs)


# --- schema -> fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "base", "optional", "required", "default"),
    [
        ("seen_on", date, False, True, None),
        ("ended_on", date, True, False, None),
        ("confirmed", bool, False, False, False),
        ("known", bool, True, False, None),
        ("count", int, False, True, None),
        ("score", int, True, False, None),
        ("side", AffectedSide, False, True, None),
        ("sex", Sex, False, False, Sex.UNKNOWN),
        ("vessels", list, False, False, None),
        ("name", str, False, True, None),
        ("notes", str, True, False, None),
    ],
)
def test_a_field_shape_says_its_kind_and_whether_it_is_required(
    name: str, base: Any, optional: bool, required: bool, default: Any
) -> None:
    shape = shape_of(ProbeCreate, name)
    assert (shape.base, shape.optional, shape.required, shape.default) == (
        base,
        optional,
        required,
        default,
    )


def test_bounds_and_lengths_come_from_the_schema() -> None:
    assert (shape_of(ProbeCreate, "count").ge, shape_of(ProbeCreate, "count").le) == (1, 9)
    assert (shape_of(ProbeCreate, "score").ge, shape_of(ProbeCreate, "score").le) == (0, 4)
    assert shape_of(ProbeCreate, "name").max_length == 20
    assert shape_of(ProbeCreate, "seen_on").ge is None
    hfs30 = shape_of(AssessmentCreate, "hfs30_total")
    assert (hfs30.base, hfs30.ge, hfs30.le, hfs30.optional) == (int, 0, 120, True)


def test_a_list_knows_the_kind_of_its_items() -> None:
    assert shape_of(ProbeCreate, "vessels").item is Vessel
    assert shape_of(ProbeCreate, "words").item is str


@pytest.mark.parametrize(
    ("name", "widget"),
    [
        ("seen_on", "date"),
        ("confirmed", "checkbox"),
        ("known", "yesno"),
        ("count", "number"),
        ("side", "radio"),
        ("effect", "select"),
        ("vessels", "checkboxes"),
        ("words", "list"),
        ("name", "text"),
        ("notes", "textarea"),
    ],
)
def test_each_kind_of_field_gets_its_widget(name: str, widget: str) -> None:
    assert widget_of(shape_of(ProbeCreate, name)) == widget


def _field(view: Any, name: str) -> Any:
    return next(f for s in view for f in s.fields if f.name == name)


def test_choices_come_from_the_vocabulary_words_with_an_empty_one_where_allowed() -> None:
    sections, _ = build_view(PROBE, defaults(PROBE, TODAY), {}, today=TODAY)
    side = _field(sections, "side")
    assert [(o.value, o.label) for o in side.options] == [
        ("left", "Left"),
        ("right", "Right"),
        ("bilateral", "Both sides (bilateral)"),
    ]
    assert side.options[0].hint == "the subject's left"
    effect = _field(sections, "effect").options
    assert effect[0] == Option("", "Not recorded") and effect[1].label.startswith("Drooping")
    assert [o.value for o in _field(sections, "sex").options] == [s.value for s in Sex]
    assert _field(sections, "score").options[-1] == Option("", "Not rated")
    assert [o.value for o in _field(sections, "known").options] == ["yes", "no", ""]


def test_a_required_select_starts_on_choose_one() -> None:
    class Pick(Input):
        muscle: Muscle

    spec = FormSpec(
        new_title="Pick",
        edit_title="Pick again",
        create=Pick,
        update=partial(Pick, "PickUpdate"),
        sections=(Section("", (Ask("muscle", "Muscle"),)),),
    )
    sections, _ = build_view(spec, defaults(spec, TODAY), {}, today=TODAY)
    options = _field(sections, "muscle").options
    assert options[0] == Option("", "Choose one") and len(options) == len(Muscle) + 1


def test_the_view_carries_the_limits_and_marks_what_may_stay_empty() -> None:
    sections, summary = build_view(PROBE, defaults(PROBE, TODAY), {}, today=TODAY)
    count, notes, name = (_field(sections, n) for n in ("count", "notes", "name"))
    assert (count.required, count.optional, count.min, count.max) == (True, False, 1, 9)
    assert (notes.optional, notes.max_length, name.max_length, count.max_length) == (
        True,
        5000,
        20,
        None,
    )
    assert not _field(sections, "sex").optional  # a default always holds a choice
    assert _field(sections, "seen_on").value == TODAY.isoformat()
    assert _field(sections, "sex").value == "unknown"
    assert {f.date_max for s in sections for f in s.fields} == {TODAY.isoformat()}
    assert summary == ()


def test_a_stored_choice_no_longer_offered_stays_selectable() -> None:
    dynamic = {"effect": [Option("7", "Session 7")]}
    raw = defaults(PROBE, TODAY) | {"effect": "9"}
    sections, _ = build_view(PROBE, raw, {}, today=TODAY, dynamic=dynamic)
    assert [o.label for o in _field(sections, "effect").options] == [
        "Session 7",
        "9 (no longer listed)",
    ]


def test_scale_options_name_each_level_and_say_what_it_means() -> None:
    assert scale(("None", "No spasms."), ("Mild", "Twitches.")) == (
        Option("0", "None", "No spasms.", number="0"),
        Option("1", "Mild", "Twitches.", number="1"),
    )
    assert scale(("Eye", "Eye only."), first=1, numerals=("I",))[0] == Option(
        "1", "Eye", "Eye only.", number="I"
    )
    with pytest.raises(ValueError, match="numerals must name each of the 2 anchors"):
        scale(("A", "A."), ("B", "B."), numerals=("I",))


def test_a_scale_is_shown_with_each_levels_number_before_its_name() -> None:
    sections, _ = build_view(PROBE, defaults(PROBE, TODAY), {}, today=TODAY)
    score = _field(sections, "score").options
    assert score[:2] == (Option("0", "0 · None", "Nothing."), Option("1", "1 · Some", "A bit."))


# --- posted form -> values or messages -------------------------------------------------------


def test_a_good_new_form_gives_the_schemas_values() -> None:
    data = GOOD | {
        "confirmed": "on",
        "known": "no",
        "score": "1",
        "vessels": ["aica", "vein"],
        "words": "3D-TOF, 3D-CISS\nT2",
        "notes": "  kept  ",
    }
    entries = check_entries(PROBE, posted(data), stored=None)
    assert entries.errors == {}
    assert entries.values == {
        "seen_on": date(2026, 6, 1),
        "ended_on": None,
        "confirmed": True,
        "known": False,
        "count": 3,
        "score": 1,
        "side": AffectedSide.LEFT,
        "effect": None,
        "sex": Sex.UNKNOWN,
        "vessels": [Vessel.AICA, Vessel.VEIN],
        "words": ["3D-TOF", "3D-CISS", "T2"],
        "name": "Demo Patient 1",
        "notes": "kept",
    }
    assert entries.raw["words"] == "3D-TOF, 3D-CISS\nT2" and entries.raw["vessels"] == [
        "aica",
        "vein",
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"seen_on": ""}, "seen_on", "Enter a date."),
        ({"seen_on": "15/06/2026"}, "seen_on", "Enter a real date as year-month-day"),
        ({"count": "three"}, "count", "Enter a whole number."),
        ({"count": "10"}, "count", "Enter a number from 1 to 9."),
        ({"score": "-1"}, "score", "Enter a number from 0 to 4."),
        ({"side": ""}, "side", "Choose one of the options."),
        ({"side": "middle"}, "side", "Choose one of the options listed."),
        ({"known": "perhaps"}, "known", "Choose one of the options listed."),
        ({"vessels": ["aica", "vein", "pica", "basilar"]}, "vessels", "Choose at most 3."),
        ({"name": "x" * 21}, "name", "Shorten this to 20 characters or fewer."),
        ({"name": "   "}, "name", "This cannot be left empty."),
        ({"name": ""}, "name", "This cannot be left empty."),
        ({"ended_on": "2026-06-02"}, "", "an end needs an effect"),
    ],
)
def test_bad_entries_give_one_message_for_their_field_and_no_values(
    change: dict[str, Any], field: str, message: str
) -> None:
    entries = check_entries(PROBE, posted(GOOD | change), stored=None)
    assert list(entries.errors) == [field] and message in entries.errors[field]
    assert entries.values == {}
    kept = change[next(iter(change))]
    assert entries.raw[next(iter(change))] == kept  # shown again as typed


def test_a_correction_gives_only_what_changed() -> None:
    stored = check_entries(PROBE, posted(GOOD | {"notes": "first"}), stored=None).values
    again = raw_of(PROBE, stored)
    entries = check_entries(PROBE, posted(again | {"count": "4"}), stored=stored)
    assert (entries.errors, entries.values) == ({}, {"count": 4})
    unchanged = check_entries(PROBE, posted(again), stored=stored)
    assert (unchanged.errors, unchanged.values) == ({}, {})


def test_a_correction_cannot_empty_a_required_field() -> None:
    stored = check_entries(PROBE, posted(GOOD), stored=None).values
    entries = check_entries(PROBE, posted(raw_of(PROBE, stored) | {"name": ""}), stored=stored)
    assert entries.errors == {"name": "This cannot be left empty."}


def test_a_correction_leaving_a_defaulted_field_out_keeps_it() -> None:
    stored = check_entries(PROBE, posted(GOOD | {"sex": "female"}), stored=None).values
    form = posted({k: v for k, v in raw_of(PROBE, stored).items() if k != "sex"})
    raw, data = read_form(PROBE, form, creating=False)
    assert "sex" not in data and raw["sex"] == ""
    assert check_entries(PROBE, form, stored=stored).values == {}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"known": "yes", "vessels": ["pica"], "words": "T1", "effect": "tearing", "score": "0"},
        {"confirmed": "on", "ended_on": "2026-06-10", "effect": "other", "notes": "a, b"},
    ],
)
def test_stored_values_shown_on_the_form_read_back_as_the_same_values(
    extra: dict[str, Any],
) -> None:
    stored = check_entries(PROBE, posted(GOOD | extra), stored=None).values
    again = check_entries(PROBE, posted(raw_of(PROBE, stored)), stored=None)
    assert again.values == stored


def test_messages_show_next_to_their_field_and_in_the_summary_in_form_order() -> None:
    entries = check_entries(PROBE, posted(GOOD | {"name": "", "side": "x"}), stored=None)
    sections, summary = build_view(PROBE, entries.raw, entries.errors, today=TODAY)
    assert _field(sections, "name").error == "This cannot be left empty."
    assert summary == (
        ("f-side-1", "Side", "Choose one of the options listed."),
        ("f-name", "Name", "This cannot be left empty."),
    )
    whole = build_view(PROBE, entries.raw, {"": "Something is off."}, today=TODAY)[1]
    assert whole == (("", "", "Something is off."),)


def test_a_service_refusal_is_put_beside_its_field_in_the_forms_words() -> None:
    exc = ClinicalDataError("ended_on", "2026-06-01 is before seen_on 2026-06-02")
    assert domain_errors(PROBE, exc) == {"ended_on": "2026-06-01 is before seen on 2026-06-02"}
    born = ClinicalDataError("seen_on", "is before birth_date 1960-01-01")
    assert domain_errors(PROBE, born) == {"seen_on": "is before the date of birth 1960-01-01"}
    elsewhere = ConflictError("mrn", "'A-1' is already used")
    assert domain_errors(PROBE, elsewhere) == {"": "'A-1' is already used"}


def test_the_page_context_differs_between_a_new_and_a_corrected_record() -> None:
    new = form_view(PROBE, Target("/new", "/back"), defaults(PROBE, TODAY), {}, today=TODAY)
    assert (new.title, new.submit, new.facts) == ("Record a probe", "Save", ())
    stored = {"side": AffectedSide.BILATERAL}
    edit = form_view(PROBE, Target("/edit", "/back", stored=stored), {}, {}, today=TODAY)
    assert (edit.title, edit.submit) == ("Correct a probe", "Save changes")
    assert edit.facts == (("Side stored", "Both sides (bilateral)"),)


# --- the words of the vocabularies -----------------------------------------------------------

VOCABULARIES = [
    member
    for _, member in inspect.getmembers(vocab, inspect.isclass)
    if issubclass(member, StrEnum) and member is not StrEnum
]


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_value_of_every_vocabulary_has_words_for_each_reader(
    vocabulary: type[StrEnum],
) -> None:
    assert set(LABELS[vocabulary]) == {m.value for m in vocabulary}
    if vocabulary in PATIENT_LABELS:
        assert set(PATIENT_LABELS[vocabulary]) == {m.value for m in vocabulary}
    if vocabulary in PATIENT_HINTS:
        assert set(PATIENT_HINTS[vocabulary]) == {m.value for m in vocabulary}
    for reader in ("clinician", "patient"):
        words = labels_of(vocabulary, reader=reader)
        assert list(words) == list(vocabulary) and all(words.values())


def test_labels_of_are_keyed_by_members_in_the_vocabularys_order() -> None:
    muscles = labels_of(Muscle)
    assert next(iter(muscles)) is Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER
    assert muscles[Muscle.DEPRESSOR_ANGULI_ORIS] == "Depressor anguli oris"
    with pytest.raises(TypeError, match="vocabulary must be a StrEnum class, but got 'Muscle'"):
        labels_of("Muscle")  # type: ignore[arg-type]


LOWER_CASE_BY_DESIGN = {Reporter, Product}
"""Reporters are read mid-sentence ("Reported by a clinician"); a generic product name is
written in lower case ("onabotulinumtoxinA")."""


@pytest.mark.parametrize(
    "vocabulary",
    [v for v in VOCABULARIES if v not in LOWER_CASE_BY_DESIGN],
    ids=lambda v: v.__name__,
)
def test_labels_start_with_a_capital_like_a_line_of_a_list(vocabulary: type[StrEnum]) -> None:
    for reader in ("clinician", "patient"):
        for label in labels_of(vocabulary, reader=reader).values():
            assert label[0].isupper(), (reader, label)


@pytest.mark.parametrize("reader", ["clinician", "patient"])
def test_urgent_side_effects_say_so_in_their_label_for_each_reader(reader: Any) -> None:
    for effect, label in labels_of(AdverseEffect, reader=reader).items():
        assert ("(urgent)" in label) == effect.urgent, label


def test_other_choices_point_to_the_notes_field_by_the_name_each_reader_sees() -> None:
    assert (NOTES_LABELS["clinician"], NOTES_LABELS["patient"]) == ("Notes", "Note")
    for vocabulary in (AdverseEffect, SurgeryComplication):
        assert labels_of(vocabulary)[vocabulary("other")].endswith("in the notes)")
    patient_other = labels_of(AdverseEffect, reader="patient")[AdverseEffect.OTHER]
    assert patient_other.endswith("in the note)")


def test_products_are_named_generic_first_with_the_brand_in_brackets() -> None:
    products = labels_of(Product)
    assert products[Product.ONABOTULINUMTOXIN_A] == "onabotulinumtoxinA (Botox)"
    assert products[Product.ABOBOTULINUMTOXIN_A] == "abobotulinumtoxinA (Dysport)"
    assert products[Product.INCOBOTULINUMTOXIN_A] == "incobotulinumtoxinA (Xeomin)"
    assert products[Product.OTHER] == vocab_label("other", "Product") == "Other product"
    on_a_form = labels_of(Product, name_below=True)
    assert on_a_form[Product.OTHER] == "Other product (name it below)"
    assert {p: w for p, w in on_a_form.items() if p is not Product.OTHER} == {
        p: w for p, w in products.items() if p is not Product.OTHER
    }
    assert labels_of(Muscle, name_below=True) == labels_of(Muscle)


def test_a_sessions_product_is_named_by_the_name_recorded_for_another_product() -> None:
    assert product_label(Product.OTHER, "Demo toxin") == "Demo toxin"
    assert product_label("other", None) == product_label("other", "") == "Other product"
    assert product_label(Product.ONABOTULINUMTOXIN_A, "ignored") == "onabotulinumtoxinA (Botox)"
    assert product_label("abobotulinumtoxinA") == "abobotulinumtoxinA (Dysport)"


def test_hints_say_what_a_value_means_to_the_patient_and_nothing_by_default() -> None:
    hints = hints_of(Severity, reader="patient")
    assert list(hints) == list(Severity)
    assert hints[Severity.MILD] == "I notice it, but it does not get in my way"
    assert set(hints_of(Severity).values()) == {""}
    assert set(hints_of(Muscle, reader="patient").values()) == {""}
    with pytest.raises(TypeError, match="vocabulary must be a StrEnum class, but got 'Severity'"):
        hints_of("Severity")  # type: ignore[arg-type]


def test_patients_get_plain_words_where_clinicians_get_the_term() -> None:
    assert vocab_label(AdverseEffect.DIPLOPIA) == "Double vision (diplopia)"
    assert vocab_label(AdverseEffect.DIPLOPIA, reader="patient") == "Seeing double"
    assert vocab_label(Severity.MILD, reader="patient") == "Mild"  # the same words for both
    assert labels_of(AdverseEffect, reader="patient")[AdverseEffect.TEARING] == "Watery eye"


@pytest.mark.parametrize(
    ("value", "vocabulary", "words"),
    [
        (None, "", "—"),
        ([], "Vessel", "—"),
        (Sex.UNKNOWN, "", "Not recorded"),
        (["aica", "vein"], "Vessel", "AICA (anterior inferior cerebellar artery), A vein"),
        ("csf_leak", "SurgeryComplication", "Leak of cerebrospinal fluid (CSF)"),
        ("csf_leak", "", "csf leak"),
        ("carotid", "Vessel", "carotid"),
    ],
)
def test_vocab_label_names_members_stored_strings_and_lists(
    value: Any, vocabulary: str, words: str
) -> None:
    assert vocab_label(value, vocabulary) == words


def test_the_filter_is_registered_on_a_template_environment() -> None:
    env = Environment(autoescape=True)
    register_vocab_label(env)
    template = env.from_string(
        "{{ e | vocab_label }} / {{ e | vocab_label(reader='patient') }} / "
        "{{ v | vocab_label('Vessel') }}"
    )
    shown = template.render(e=AdverseEffect.TEARING, v=["none"])
    assert shown == "Watering eye (tearing) / Watery eye / No vessel"
