"""The words the pages show for the values of the fixed vocabularies (``clinic/domain/vocab.py``).

Stored values stay the vocabulary's own (``lip_or_lower_face_weakness``); every page names them
from here. Two readers: clinicians get the clinical term with a short gloss, patients get plain
words (``PATIENT_LABELS``, falling back to the clinicians' words where plain words are the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, TypeVar

from jinja2 import Environment

from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
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

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Sex: {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not recorded"},
    AffectedSide: {"left": "Left", "right": "Right", "bilateral": "Both sides (bilateral)"},
    InjectionSide: {"left": "Left", "right": "Right"},
    Severity: {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"},
    Reporter: {"patient": "the patient", "clinician": "a clinician"},
    Role: {"admin": "Administrator", "clinician": "Clinician", "patient": "Patient"},
    Product: {
        "onabotulinumtoxinA": "onabotulinumtoxinA",
        "abobotulinumtoxinA": "abobotulinumtoxinA",
        "incobotulinumtoxinA": "incobotulinumtoxinA",
        "other": "Other product",
    },
    Muscle: {
        # Lower case: pages put the side first ("Left corrugator"); capitalise at a line's start.
        # The part of the orbicularis oculi first: a narrow select still tells the rows apart.
        "orbicularis_oculi_pretarsal_upper": "upper lid, pretarsal (orbicularis oculi)",
        "orbicularis_oculi_pretarsal_lower": "lower lid, pretarsal (orbicularis oculi)",
        "orbicularis_oculi_preseptal": "preseptal (orbicularis oculi)",
        "orbicularis_oculi_orbital_lateral_canthus": "lateral canthus, orbital (orbicularis oculi)",
        "corrugator": "corrugator",
        "procerus": "procerus",
        "frontalis": "frontalis",
        "zygomaticus_major": "zygomaticus major",
        "zygomaticus_minor": "zygomaticus minor",
        "risorius": "risorius",
        "levator_labii_superioris": "levator labii superioris",
        "orbicularis_oris": "orbicularis oris",
        "depressor_anguli_oris": "depressor anguli oris",
        "mentalis": "mentalis",
        "buccinator": "buccinator",
        "platysma": "platysma",
        "masseter": "masseter",
    },
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

_BY_NAME = {vocabulary.__name__: vocabulary for vocabulary in LABELS}


def _words(vocabulary: type[StrEnum], reader: Reader) -> Mapping[str, str]:
    if reader == "patient" and vocabulary in PATIENT_LABELS:
        return PATIENT_LABELS[vocabulary]
    return LABELS.get(vocabulary, {})


def labels_of(vocabulary: type[E], *, reader: Reader = "clinician") -> dict[E, str]:
    """The words for each value of ``vocabulary``, keyed by its members, in the enum's order."""
    if not (isinstance(vocabulary, type) and issubclass(vocabulary, StrEnum)):
        raise TypeError(f"vocabulary must be a StrEnum class, but got {vocabulary!r}")
    words = _words(vocabulary, reader)
    return {member: words.get(member.value, member.value) for member in vocabulary}


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


def register_vocab_label(env: Environment) -> None:
    """Make ``{{ value | vocab_label }}`` (and ``vocab_label("Vessel", reader="patient")``) work
    in the templates of ``env``."""
    env.filters["vocab_label"] = vocab_label
