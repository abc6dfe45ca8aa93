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
from hemispasm.clinic.web.i18n import N_

E = TypeVar("E", bound=StrEnum)
Reader = Literal["clinician", "patient"]
NOT_RECORDED = "—"
"""What stands for a value that was not recorded."""
NOTES_LABELS: dict[Reader, str] = {"clinician": N_("Notes"), "patient": N_("Note")}
"""The name of a record's free-text field for each reader (the "other" choices point to it)."""

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Sex: {
        "female": N_("Female"),
        "male": N_("Male"),
        "other": N_("Other"),
        "unknown": N_("Not recorded"),
    },
    AffectedSide: {
        "left": N_("Left"),
        "right": N_("Right"),
        "bilateral": N_("Both sides (bilateral)"),
    },
    InjectionSide: {"left": N_("Left"), "right": N_("Right")},
    Severity: {"mild": N_("Mild"), "moderate": N_("Moderate"), "severe": N_("Severe")},
    Reporter: {"patient": N_("the patient"), "clinician": N_("a clinician")},
    AnalysisSource: {
        "analysis": N_("Analysed by the clinic's server"),
        "imported": N_("Imported result (not analysed by the clinic's server)"),
    },
    Role: {"admin": N_("Administrator"), "clinician": N_("Clinician"), "patient": N_("Patient")},
    Product: {
        # The generic name first (units differ between products), the brand name to recognise it.
        "onabotulinumtoxinA": N_("onabotulinumtoxinA (Botox)"),
        "abobotulinumtoxinA": N_("abobotulinumtoxinA (Dysport)"),
        "incobotulinumtoxinA": N_("incobotulinumtoxinA (Xeomin)"),
        "other": N_("Other product"),
    },
    Muscle: {
        # The part of the orbicularis oculi first: a narrow select still tells the rows apart.
        "orbicularis_oculi_pretarsal_upper": N_("Upper lid, pretarsal (orbicularis oculi)"),
        "orbicularis_oculi_pretarsal_lower": N_("Lower lid, pretarsal (orbicularis oculi)"),
        "orbicularis_oculi_preseptal": N_("Preseptal (orbicularis oculi)"),
        "orbicularis_oculi_orbital_lateral_canthus": N_(
            "Lateral canthus, orbital (orbicularis oculi)"
        ),
        "corrugator": N_("Corrugator"),
        "procerus": N_("Procerus"),
        "frontalis": N_("Frontalis"),
        "zygomaticus_major": N_("Zygomaticus major"),
        "zygomaticus_minor": N_("Zygomaticus minor"),
        "risorius": N_("Risorius"),
        "levator_labii_superioris": N_("Levator labii superioris"),
        "orbicularis_oris": N_("Orbicularis oris"),
        "depressor_anguli_oris": N_("Depressor anguli oris"),
        "mentalis": N_("Mentalis"),
        "buccinator": N_("Buccinator"),
        "platysma": N_("Platysma"),
        "masseter": N_("Masseter"),
    },
    AdverseEffect: {
        "ptosis": N_("Drooping upper eyelid (ptosis)"),
        "lip_or_lower_face_weakness": N_("Weakness of the lip or lower face"),
        "diplopia": N_("Double vision (diplopia)"),
        "incomplete_lid_closure_dry_eye": N_("Eyelid does not close fully, dry eye"),
        "tearing": N_("Watering eye (tearing)"),
        "bruising": N_("Bruising where injected"),
        "brow_asymmetry": N_("Uneven eyebrows"),
        "swallowing_difficulty": N_("Difficulty swallowing (urgent)"),
        "breathing_difficulty": N_("Difficulty breathing (urgent)"),
        "other": N_("Other (describe it in the notes)"),
    },
    Vessel: {
        "aica": N_("AICA (anterior inferior cerebellar artery)"),
        "pica": N_("PICA (posterior inferior cerebellar artery)"),
        "vertebral": N_("Vertebral artery"),
        "basilar": N_("Basilar artery"),
        "vein": N_("A vein"),
        "several": N_("Several vessels"),
        "none": N_("No vessel"),
    },
    CompressionSite: {
        "root_exit_zone": N_("Root exit zone"),
        "other": N_("Elsewhere along the nerve"),
    },
    ContactKind: {
        "contact": N_("Contact: the vessel touches the nerve"),
        "compression": N_("Compression: the vessel dents or displaces the nerve"),
    },
    SurgeryOutcome: {
        "complete": N_("Spasms gone"),
        "partial": N_("Spasms fewer or milder"),
        "none": N_("No change"),
        "pending": N_("Too early to judge"),
    },
    SurgeryComplication: {
        "hearing_loss": N_("Hearing loss"),
        "facial_palsy": N_("Facial weakness (palsy)"),
        "csf_leak": N_("Leak of cerebrospinal fluid (CSF)"),
        "other": N_("Other (describe it in the notes)"),
    },
}
"""Clinicians' words for every value of every vocabulary."""

PATIENT_LABELS: dict[type[StrEnum], dict[str, str]] = {
    AdverseEffect: {
        "ptosis": N_("Drooping eyelid"),
        "lip_or_lower_face_weakness": N_("Weak lip or lower face (drooling, uneven smile)"),
        "diplopia": N_("Seeing double"),
        "incomplete_lid_closure_dry_eye": N_("Eye does not close all the way, or dry eye"),
        "tearing": N_("Watery eye"),
        "bruising": N_("Bruise where the needle went in"),
        "brow_asymmetry": N_("Eyebrows at different heights"),
        "swallowing_difficulty": N_("Trouble swallowing (urgent)"),
        "breathing_difficulty": N_("Trouble breathing (urgent)"),
        "other": N_("Something else (say what in the note)"),
    },
}
"""Patients' words where they differ from the clinicians' (a whole vocabulary at a time)."""

PATIENT_HINTS: dict[type[StrEnum], dict[str, str]] = {
    Severity: {
        "mild": N_("I notice it, but it does not get in my way"),
        "moderate": N_("It gets in the way of some things I do"),
        "severe": N_("It stops me doing things"),
    },
}
"""What a value means, as a patient would say it (shown beside a choice)."""

NAMED_BELOW: dict[type[StrEnum], dict[str, str]] = {
    Product: {"other": N_("Other product (name it below)")},
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
