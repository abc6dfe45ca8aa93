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


class AffectedSide(StrEnum):
    """The side of the face with spasms (bilateral HFS is rare)."""

    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


SNOMED_HEMIFACIAL_SPASM = "13753008"
_ICD10_BY_SIDE = {
    AffectedSide.RIGHT: "G51.31",
    AffectedSide.LEFT: "G51.32",
    AffectedSide.BILATERAL: "G51.33",
}


def icd10_code(side: AffectedSide | None) -> str:
    """The ICD-10-CM code of clonic hemifacial spasm for the affected side (G51.39 if unknown).

    Examples
    --------
    >>> icd10_code(AffectedSide.LEFT)
    'G51.32'
    """
    return _ICD10_BY_SIDE.get(side, "G51.39") if side is not None else "G51.39"


class Sex(StrEnum):
    """Administrative sex as recorded by the clinic."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Vessel(StrEnum):
    """The vessel found pressing on the facial nerve."""

    AICA = "aica"
    PICA = "pica"
    VERTEBRAL = "vertebral"
    BASILAR = "basilar"
    VEIN = "vein"
    SEVERAL = "several"
    NONE = "none"


class CompressionSite(StrEnum):
    """Where along the nerve the vessel touches it."""

    ROOT_EXIT_ZONE = "root_exit_zone"
    OTHER = "other"


class ContactKind(StrEnum):
    """Whether the vessel only touches the nerve or deforms it."""

    CONTACT = "contact"
    COMPRESSION = "compression"


class Severity(StrEnum):
    """Severity of an adverse effect."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Reporter(StrEnum):
    """Who reported a date or an effect."""

    PATIENT = "patient"
    CLINICIAN = "clinician"


class AnalysisSource(StrEnum):
    """Where a stored video analysis came from."""

    ANALYSIS = "analysis"
    """The server's own analysis of an uploaded video."""
    IMPORTED = "imported"
    """A result sent by a clinician (made elsewhere, or by hand)."""


class SurgeryOutcome(StrEnum):
    """Result of microvascular decompression."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"
    PENDING = "pending"


class SurgeryComplication(StrEnum):
    """Complications recorded after microvascular decompression."""

    HEARING_LOSS = "hearing_loss"
    FACIAL_PALSY = "facial_palsy"
    CSF_LEAK = "csf_leak"
    OTHER = "other"


class Role(StrEnum):
    """What a user account may do; every user belongs to one clinic."""

    ADMIN = "admin"
    CLINICIAN = "clinician"
    PATIENT = "patient"
