"""What the clinician's record forms ask: the patient form and the five record-form descriptions.

Each is a ``forms.FormSpec`` (labels, hints, order) of an API Create model; a ``RecordForm`` adds
where the record lives under its patient. ``record_forms`` serves them as pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hemispasm.clinic.api.schemas import records as s
from hemispasm.clinic.api.schemas.people import PatientCreate, PatientUpdate
from hemispasm.clinic.domain.vocab import AdverseEffect, AffectedSide, icd10_code
from hemispasm.clinic.services.clinical import ASSESSMENTS, DIAGNOSES, MRI_STUDIES, SURGERIES
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS
from hemispasm.clinic.web.forms import Ask, FormSpec, Section, scale
from hemispasm.clinic.web.vocab_labels import NOTES_LABELS


@dataclass(frozen=True, kw_only=True)
class RecordForm(FormSpec):
    """The form of one kind of patient record, and where it lives."""

    kind: RecordKind
    slug: str
    """URL part under the patient (``adverse-events``)."""
    anchor: str
    """The section of the patient page to return to."""


def _urgent_effect(raw: Mapping[str, Any]) -> str:
    effect = raw.get("effect")
    if effect in {e.value for e in AdverseEffect if e.urgent}:
        return (
            "Difficulty swallowing or breathing after an injection can mean the toxin has spread "
            "beyond the injected muscles. The patient needs a medical assessment today; do not "
            "wait for the next visit."
        )
    return ""


NOTES = Ask("notes", NOTES_LABELS["clinician"], widget="textarea")
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
DIAGNOSIS_FORM = RecordForm(
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
ASSESSMENT_FORM = RecordForm(
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
                    options=scale(
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
                    options=scale(
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
                    options=scale(
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
ADVERSE_EVENT_FORM = RecordForm(
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
                Ask("effect", "Effect"),  # urgent effects say so in their label
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
MRI_FORM = RecordForm(
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
SURGERY_FORM = RecordForm(
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
