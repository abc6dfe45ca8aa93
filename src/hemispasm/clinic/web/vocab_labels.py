"""The words the pages show for the values of the fixed vocabularies (``clinic/domain/vocab.py``).

Stored values stay the vocabulary's own (``lip_or_lower_face_weakness``); every page names them
from here. Two readers: clinicians get the clinical term with a short gloss, patients get plain
words (``PATIENT_LABELS``, falling back to the clinicians' words where plain words are the same).
Labels start with a capital, like a line of a list (not a generic product name, nor the reporters,
read mid-sentence); a page that puts a word before one ("Left corrugator") lower-cases it there.
An urgent value says "urgent" in its label for both readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, TypeVar

from jinja2 import Environment

from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    AnalysisSource,
    CompressionSite,
    ContactKind,
    InjectionSide,
    Muscle,
    Product,
    Reporter,
    Role,
    Severity,
    Sex,
    SurgeryComplication,
    SurgeryOutcome,
    Vessel,
)

E = TypeVar("E", bound=StrEnum)
Reader = Literal["clinician", "patient"]
NOT_RECORDED = "—"
"""What stands for a value that was not recorded."""
NOTES_LABELS: dict[Reader, str] = {"clinician": "Notes", "patient": "Note"}
"""The name of a record's free-text field for each reader (the "other" choices point to it)."""

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Sex: {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not recorded"},
    AffectedSide: {"left": "Left", "right": "Right", "bilateral": "Both sides (bilateral)"},
    InjectionSide: {"left": "Left", "right": "Right"},
    Severity: {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"},
    Reporter: {"patient": "the patient", "clinician": "a clinician"},
    AnalysisSource: {
        "analysis": "Analysed by the clinic's server",
        "imported": "Imported result (not analysed by the clinic's server)",
    },
    Role: {"admin": "Administrator", "clinician": "Clinician", "patient": "Patient"},
    Product: {
        # The generic name first (units differ between products), the brand name to recognise it.
        "onabotulinumtoxinA": "onabotulinumtoxinA (Botox)",
        "abobotulinumtoxinA": "abobotulinumtoxinA (Dysport)",
        "incobotulinumtoxinA": "incobotulinumtoxinA (Xeomin)",
        "other": "Other product",
    },
    Muscle: {
        # The part of the orbicularis oculi first: a narrow select still tells the rows apart.
        "orbicularis_oculi_pretarsal_upper": "Upper lid, pretarsal (orbicularis oculi)",
        "orbicularis_oculi_pretarsal_lower": "Lower lid, pretarsal (orbicularis oculi)",
        "orbicularis_oculi_preseptal": "Preseptal (orbicularis oculi)",
        "orbicularis_oculi_orbital_lateral_canthus": "Lateral canthus, orbital (orbicularis oculi)",
        "corrugator": "Corrugator",
        "procerus": "Procerus",
        "frontalis": "Frontalis",
        "zygomaticus_major": "Zygomaticus major",
        "zygomaticus_minor": "Zygomaticus minor",
        "risorius": "Risorius",
        "levator_labii_superioris": "Levator labii superioris",
        "orbicularis_oris": "Orbicularis oris",
        "depressor_anguli_oris": "Depressor anguli oris",
        "mentalis": "Mentalis",
        "buccinator": "Buccinator",
        "platysma": "Platysma",
        "masseter": "Masseter",
    },
    AdverseEffect: {
        "ptosis": "Drooping upper eyelid (ptosis)",
        "lip_or_lower_face_weakness": "Weakness of the lip or lower face",
        "diplopia": "Double vision (diplopia)",
        "incomplete_lid_closure_dry_eye": "Eyelid does not close fully, dry eye",
        "tearing": "Watering eye (tearing)",
        "bruising": "Bruising where injected",
        "brow_asymmetry": "Uneven eyebrows",
        "swallowing_difficulty": "Difficulty swallowing (urgent)",
        "breathing_difficulty": "Difficulty breathing (urgent)",
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
}
"""Clinicians' words for every value of every vocabulary."""

PATIENT_LABELS: dict[type[StrEnum], dict[str, str]] = {
    AdverseEffect: {
        "ptosis": "Drooping eyelid",
        "lip_or_lower_face_weakness": "Weak lip or lower face (drooling, uneven smile)",
        "diplopia": "Seeing double",
        "incomplete_lid_closure_dry_eye": "Eye does not close all the way, or dry eye",
        "tearing": "Watery eye",
        "bruising": "Bruise where the needle went in",
        "brow_asymmetry": "Eyebrows at different heights",
        "swallowing_difficulty": "Trouble swallowing (urgent)",
        "breathing_difficulty": "Trouble breathing (urgent)",
        "other": "Something else (say what in the note)",
    },
}
"""Patients' words where they differ from the clinicians' (a whole vocabulary at a time)."""

PATIENT_HINTS: dict[type[StrEnum], dict[str, str]] = {
    Severity: {
        "mild": "I notice it, but it does not get in my way",
        "moderate": "It gets in the way of some things I do",
        "severe": "It stops me doing things",
    },
}
"""What a value means, as a patient would say it (shown beside a choice)."""

NAMED_BELOW: dict[type[StrEnum], dict[str, str]] = {
    Product: {"other": "Other product (name it below)"},
}
"""Words of a choice on a form where a field to name it follows (``labels_of(name_below=True)``)."""

_BY_NAME = {vocabulary.__name__: vocabulary for vocabulary in LABELS}


def _words(vocabulary: type[StrEnum], reader: Reader) -> Mapping[str, str]:
    if reader == "patient" and vocabulary in PATIENT_LABELS:
        return PATIENT_LABELS[vocabulary]
    return LABELS.get(vocabulary, {})


def _check_vocabulary(vocabulary: Any) -> None:
    if not (isinstance(vocabulary, type) and issubclass(vocabulary, StrEnum)):
        raise TypeError(f"vocabulary must be a StrEnum class, but got {vocabulary!r}")


def labels_of(
    vocabulary: type[E], *, reader: Reader = "clinician", name_below: bool = False
) -> dict[E, str]:
    """The words for each value of ``vocabulary``, keyed by its members, in the enum's order.

    ``name_below``: the words of a form's choices where a field to name an "other" value follows.
    """
    _check_vocabulary(vocabulary)
    words = dict(_words(vocabulary, reader))
    if name_below:
        words |= NAMED_BELOW.get(vocabulary, {})
    return {member: words.get(member.value, member.value) for member in vocabulary}


def hints_of(vocabulary: type[E], *, reader: Reader = "clinician") -> dict[E, str]:
    """What each value of ``vocabulary`` means to ``reader`` ("" where it needs no hint)."""
    _check_vocabulary(vocabulary)
    hints = PATIENT_HINTS.get(vocabulary, {}) if reader == "patient" else {}
    return {member: hints.get(member.value, "") for member in vocabulary}


def vocab_label(value: Any, vocabulary: str = "", *, reader: Reader = "clinician") -> str:
    """The words for a vocabulary value: an enum member, or a stored string of the enum named
    ``vocabulary`` (lists of vessels are stored as strings); a list gives its items' words."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, list | tuple):
        return ", ".join(vocab_label(v, vocabulary, reader=reader) for v in value) or NOT_RECORDED
    for enum_cls in LABELS:
        if isinstance(value, enum_cls):
            return _words(enum_cls, reader).get(value.value, value.value)
    named = _BY_NAME.get(vocabulary)
    words = _words(named, reader) if named else {}
    return words.get(str(value), str(value).replace("_", " "))


def product_label(product: Product | str, name: str | None = None) -> str:
    """A session's product in words: for "other", the name recorded with it where there is one."""
    if product == Product.OTHER and name:
        return name
    return vocab_label(product, "Product")


def register_vocab_label(env: Environment) -> None:
    """Make ``{{ value | vocab_label }}`` (and ``vocab_label("Vessel", reader="patient")``) work
    in the templates of ``env``."""
    env.filters["vocab_label"] = vocab_label
