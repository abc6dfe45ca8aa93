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
from hemispasm.clinic.web.i18n import N_
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
        return N_(
            "Difficulty swallowing or breathing after an injection can mean the toxin has spread "
            "beyond the injected muscles. The patient needs a medical assessment today; do not "
            "wait for the next visit."
        )
    return ""


NOTES = Ask("notes", NOTES_LABELS["clinician"], widget="textarea")
PATIENT_FORM = FormSpec(
    new_title=N_("Register a patient"),
    edit_title=N_("Correct the patient's details"),
    submit=N_("Register"),
    create=PatientCreate,
    update=PatientUpdate,
    sections=(
        Section(
            N_("Identity"),
            (
                Ask(
                    "mrn",
                    N_("Record number"),
                    N_("The clinic's own number; no two patients share one."),
                ),
                Ask("name", N_("Name")),
                Ask("birth_date", N_("Date of birth")),
                Ask("sex", N_("Sex"), N_("As recorded by the clinic.")),
            ),
        ),
        Section(
            N_("Contact"),
            (
                Ask("phone", N_("Telephone"), widget="tel"),
                Ask("email", N_("E-mail address"), widget="email"),
                Ask("address", N_("Postal address"), widget="textarea"),
            ),
        ),
    ),
)
DIAGNOSIS_FORM = RecordForm(
    new_title=N_("Record the diagnosis"),
    edit_title=N_("Correct the diagnosis"),
    create=s.DiagnosisCreate,
    update=s.DiagnosisUpdate,
    slug="diagnoses",
    kind=DIAGNOSES,
    anchor="diagnoses",
    intro=N_(
        "Hemifacial spasm. The ICD-10-CM code follows from the side; SNOMED CT 13753008 "
        "applies to every side."
    ),
    sections=(
        Section(
            N_("Diagnosis"),
            (
                Ask(
                    "affected_side",
                    N_("Affected side"),
                    N_("The patient's own side."),
                    option_hints={
                        side.value: f"ICD-10-CM {icd10_code(side)}" for side in AffectedSide
                    },
                ),
                Ask("onset_on", N_("First spasms noticed"), N_("An approximate date is fine.")),
                Ask("diagnosed_on", N_("Date of diagnosis")),
                Ask(
                    "idiopathic",
                    N_("Idiopathic"),
                    N_("No other disease (such as a tumour) explains it."),
                ),
                NOTES,
            ),
        ),
    ),
    shown=(("icd10", N_("ICD-10-CM code")), ("snomed", N_("SNOMED CT code"))),
)
ASSESSMENT_FORM = RecordForm(
    new_title=N_("Record an assessment"),
    edit_title=N_("Correct an assessment"),
    create=s.AssessmentCreate,
    update=s.AssessmentUpdate,
    slug="assessments",
    kind=ASSESSMENTS,
    anchor="assessments-h",
    sections=(
        Section(
            N_("When"), (Ask("assessed_on", N_("Date of the assessment"), today_by_default=True),)
        ),
        Section(
            N_("Jankovic rating scale"),
            (
                Ask(
                    "jankovic_severity",
                    N_("Severity"),
                    widget="radio",
                    in_total=True,
                    options=scale(
                        (N_("None"), N_("No spasms.")),
                        (
                            N_("Minimal"),
                            N_(
                                "More blinking, but only when provoked (bright light, wind, "
                                "stress)."
                            ),
                        ),
                        (
                            N_("Mild"),
                            N_("Twitching that others can see, without true spasm; not disabling."),
                        ),
                        (
                            N_("Moderate"),
                            N_("Spasms that are clearly visible and hinder daily life a little."),
                        ),
                        (
                            N_("Severe"),
                            N_("Spasms that disable (reading or driving become impossible)."),
                        ),
                    ),
                ),
                Ask(
                    "jankovic_frequency",
                    N_("Frequency"),
                    widget="radio",
                    in_total=True,
                    options=scale(
                        (N_("None"), N_("No spasms.")),
                        (N_("Slight"), N_("Blinks a little more often than usual.")),
                        (N_("Fluttering"), N_("Twitches that last under a second.")),
                        (
                            N_("Spasms"),
                            N_(
                                "Closures longer than a second; the eye is open more than half "
                                "of the waking day."
                            ),
                        ),
                        (
                            N_("Eye shut"),
                            N_(
                                "Spasms keep the eye closed more than half of the waking day "
                                "(functionally blind on that side)."
                            ),
                        ),
                    ),
                ),
            ),
            hint=N_("Rate severity and frequency from 0 to 4 each; the total runs from 0 to 8."),
            total=N_(
                "Jankovic total (severity + frequency, 0–8)",
            ),
        ),
        Section(
            N_("SMC grade"),
            (
                Ask(
                    "smc_grade",
                    N_("Samsung Medical Center grade"),
                    widget="radio",
                    options=scale(
                        (N_("Eye only"), N_("Spasms stay around the eye.")),
                        (
                            N_("Spread"),
                            N_(
                                "Spasms reach other muscles of the same side (cheek, mouth, "
                                "forehead, neck)."
                            ),
                        ),
                        (
                            N_("Tonic"),
                            N_("Frequent sustained spasms that get in the way of seeing."),
                        ),
                        (N_("Asymmetry"), N_("The face is visibly distorted on that side.")),
                        first=1,
                        numerals=("I", "II", "III", "IV"),
                    ),
                ),
            ),
        ),
        Section(
            N_("Questionnaire totals"),
            (
                Ask("hfs7_total", N_("HFS-7 total"), N_("The sum of the completed form, 0 to 28.")),
                Ask(
                    "hfs30_total",
                    N_("HFS-30 total"),
                    N_("The sum of the completed form, 0 to 120."),
                ),
            ),
            hint=N_("Totals only: the questionnaires' items are licensed and are not kept here."),
        ),
        Section("", (NOTES,)),
    ),
)
ADVERSE_EVENT_FORM = RecordForm(
    new_title=N_("Record a side effect"),
    edit_title=N_("Update a side effect"),
    create=s.AdverseEventCreate,
    update=s.AdverseEventUpdate,
    slug="adverse-events",
    kind=ADVERSE_EVENTS,
    anchor="adverse-events-h",
    notice=N_(
        "Difficulty swallowing or breathing after an injection is urgent: it can mean the "
        "toxin has spread. Record it, and make sure the patient is seen by a doctor today."
    ),
    alert=_urgent_effect,
    sections=(
        Section(
            N_("Side effect"),
            (
                Ask("effect", N_("Effect")),  # urgent effects say so in their label
                Ask("severity", N_("Severity")),
                Ask("onset_on", N_("Began on")),
                Ask("resolved_on", N_("Resolved on"), N_("Leave empty while the effect lasts.")),
                Ask(
                    "session_id",
                    N_("After the injection session of"),
                    N_("The session the effect followed, if known."),
                    widget="select",
                ),
                NOTES,
            ),
        ),
    ),
    shown=(("reported_by", N_("Reported by")),),
)
MRI_FORM = RecordForm(
    new_title=N_("Record an MRI study"),
    edit_title=N_("Correct an MRI study"),
    create=s.MriCreate,
    update=s.MriUpdate,
    slug="mri-studies",
    kind=MRI_STUDIES,
    anchor="mri-h",
    intro=N_(
        "Vessel contact is also seen in about one in five facial nerves of people without "
        "spasms: a finding supports, and does not prove, the cause."
    ),
    sections=(
        Section(
            N_("Study"),
            (
                Ask("study_on", N_("Date of the study")),
                Ask(
                    "sequences",
                    N_("Sequences"),
                    N_("Separate them with commas, for example: 3D-TOF, 3D-CISS."),
                ),
            ),
        ),
        Section(
            N_("Findings"),
            (
                Ask("compression_found", N_("Vessel found at the facial nerve")),
                Ask("vessels", N_("Vessels"), N_("Choose every vessel seen.")),
                Ask("site", N_("Where along the nerve")),
                Ask("contact", N_("Contact or compression")),
                Ask("dolichoectasia", N_("Dolichoectasia (elongated, widened artery)")),
                Ask(
                    "other_lesion",
                    N_("Other lesion"),
                    N_("A tumour or other cause, if one was seen."),
                ),
                NOTES,
            ),
        ),
    ),
)
SURGERY_FORM = RecordForm(
    new_title=N_("Record a microvascular decompression"),
    edit_title=N_("Correct a microvascular decompression"),
    create=s.SurgeryCreate,
    update=s.SurgeryUpdate,
    slug="surgeries",
    kind=SURGERIES,
    anchor="surgeries-h",
    intro=N_("Microvascular decompression of the facial nerve."),
    sections=(
        Section(
            N_("Operation"),
            (
                Ask("surgery_on", N_("Date of the operation")),
                Ask("surgeon", N_("Surgeon")),
                Ask("side", N_("Side")),
                Ask("vessels", N_("Vessels found"), N_("Choose every vessel decompressed.")),
                Ask("findings", N_("Findings")),
                Ask(
                    "monitoring",
                    N_("Monitoring during the operation"),
                    N_("For example, whether the lateral spread response went away."),
                ),
            ),
        ),
        Section(
            N_("Result"),
            (
                Ask("outcome", N_("Outcome")),
                Ask(
                    "recurrence_on", N_("Spasms came back on"), N_("Leave empty if they have not.")
                ),
                Ask("complications", N_("Complications")),
                NOTES,
            ),
        ),
    ),
)
RECORD_FORMS = (DIAGNOSIS_FORM, ASSESSMENT_FORM, ADVERSE_EVENT_FORM, MRI_FORM, SURGERY_FORM)
