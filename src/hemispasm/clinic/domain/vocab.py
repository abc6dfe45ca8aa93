"""Fixed vocabularies of HFS care: toxin products, injectable facial muscles, adverse effects.

Muscle names carry no standard code (none was found for individual facial muscles); they are a
local code system. Products are never interchangeable: their units differ in potency.
"""

from __future__ import annotations

from enum import StrEnum


class Product(StrEnum):
    """Botulinum toxin type A products (international non-proprietary names)."""

    ONABOTULINUMTOXIN_A = "onabotulinumtoxinA"
    ABOBOTULINUMTOXIN_A = "abobotulinumtoxinA"
    INCOBOTULINUMTOXIN_A = "incobotulinumtoxinA"
    OTHER = "other"


class InjectionSide(StrEnum):
    """The subject's side of one injected site."""

    LEFT = "left"
    RIGHT = "right"


class Muscle(StrEnum):
    """Facial muscles (and neck/jaw muscles) injected for hemifacial spasm, upper face first."""

    ORBICULARIS_OCULI_PRETARSAL_UPPER = "orbicularis_oculi_pretarsal_upper"
    ORBICULARIS_OCULI_PRETARSAL_LOWER = "orbicularis_oculi_pretarsal_lower"
    ORBICULARIS_OCULI_PRESEPTAL = "orbicularis_oculi_preseptal"
    ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS = "orbicularis_oculi_orbital_lateral_canthus"
    CORRUGATOR = "corrugator"
    PROCERUS = "procerus"
    FRONTALIS = "frontalis"
    ZYGOMATICUS_MAJOR = "zygomaticus_major"
    ZYGOMATICUS_MINOR = "zygomaticus_minor"
    RISORIUS = "risorius"
    LEVATOR_LABII_SUPERIORIS = "levator_labii_superioris"
    ORBICULARIS_ORIS = "orbicularis_oris"
    DEPRESSOR_ANGULI_ORIS = "depressor_anguli_oris"
    MENTALIS = "mentalis"
    BUCCINATOR = "buccinator"
    PLATYSMA = "platysma"
    MASSETER = "masseter"

    @property
    def is_lower_face(self) -> bool:
        """Below the eye: doses here are kept small, since lip weakness is the common harm."""
        return self not in _UPPER_FACE


_UPPER_FACE = frozenset(
    {
        Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER,
        Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER,
        Muscle.ORBICULARIS_OCULI_PRESEPTAL,
        Muscle.ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS,
        Muscle.CORRUGATOR,
        Muscle.PROCERUS,
        Muscle.FRONTALIS,
    }
)


class AdverseEffect(StrEnum):
    """Side effects recorded after an injection cycle."""

    PTOSIS = "ptosis"
    LIP_OR_LOWER_FACE_WEAKNESS = "lip_or_lower_face_weakness"
    DIPLOPIA = "diplopia"
    INCOMPLETE_LID_CLOSURE_DRY_EYE = "incomplete_lid_closure_dry_eye"
    TEARING = "tearing"
    BRUISING = "bruising"
    BROW_ASYMMETRY = "brow_asymmetry"
    SWALLOWING_DIFFICULTY = "swallowing_difficulty"
    BREATHING_DIFFICULTY = "breathing_difficulty"
    OTHER = "other"

    @property
    def urgent(self) -> bool:
        """Signs of distant spread of the toxin: need medical attention at once."""
        return self in (AdverseEffect.SWALLOWING_DIFFICULTY, AdverseEffect.BREATHING_DIFFICULTY)
