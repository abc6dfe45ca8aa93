"""Every code system, code and extension the FHIR exchange uses, in one table.

Standard codes are used where the project already holds them (SNOMED CT 13753008, ICD-10-CM
G51.3x) or where FHIR itself defines the value set (gender, observation category, adverse event
severity and outcome). Face-map sites, products, scales and HFS-specific findings carry no
standard code in the project, so they are codes of the project's own systems under
``https://hemispasm.org/fhir/`` (``docs/fhir.md`` lists them all, generated from this module).
"""

from __future__ import annotations

from dataclasses import dataclass

from hemispasm.clinic.domain.vocab import (
    SNOMED_HEMIFACIAL_SPASM,
    AdverseEffect,
    AffectedSide,
    InjectionSide,
    Muscle,
    Product,
    SurgeryOutcome,
)

BASE = "https://hemispasm.org/fhir"
SNOMED = "http://snomed.info/sct"
SNOMED_HFS = SNOMED_HEMIFACIAL_SPASM
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"

# The project's own code systems and identifier systems.
CS_PROCEDURE = f"{BASE}/CodeSystem/procedure"
CS_PRODUCT = f"{BASE}/CodeSystem/product"
CS_FACE_MAP_SITE = f"{BASE}/CodeSystem/face-map-site"
CS_SIDE = f"{BASE}/CodeSystem/side"
CS_ADVERSE_EFFECT = f"{BASE}/CodeSystem/adverse-effect"
CS_SCALE = f"{BASE}/CodeSystem/scale"
CS_VIDEO_MEASURE = f"{BASE}/CodeSystem/video-measure"
CS_DOCUMENT = f"{BASE}/CodeSystem/document"
CS_REPORT = f"{BASE}/CodeSystem/report"
CS_SURGERY_OUTCOME = f"{BASE}/CodeSystem/surgery-outcome"
SID_MRN = f"{BASE}/sid/mrn"
SID_VIDEO_SHA256 = f"{BASE}/sid/video-sha256"
EXT = f"{BASE}/StructureDefinition"

UNIT_CODE = "[iU]"
"""UCUM code of a toxin dose: the arbitrary international unit. Botulinum toxin units are
biological units of each product's own assay (not interchangeable between products); UCUM ``U``
is the enzyme unit (umol/min) and would be wrong."""
UNIT_TEXT = "U"

PROCEDURE_INJECTION = "botulinum-toxin-injection"
PROCEDURE_DECOMPRESSION = "microvascular-decompression"
DOCUMENT_VIDEO = "face-video"
REPORT_MRI = "mri-facial-nerve"
ASSESSMENT_PANEL = "clinic-assessment"
SELF_RATING = "self-rating"

ASSESSMENT_SCALES = {
    "jankovic_severity": ("jankovic-severity", "Jankovic rating scale: severity (0-4)"),
    "jankovic_frequency": ("jankovic-frequency", "Jankovic rating scale: frequency (0-4)"),
    "smc_grade": ("smc-grade", "Samsung Medical Center grade (0-4)"),
    "hfs7_total": ("hfs7-total", "HFS-7 questionnaire total"),
    "hfs30_total": ("hfs30-total", "HFS-30 questionnaire total"),
}
"""Assessment columns -> (code in ``CS_SCALE``, display). No LOINC code is used: the project
holds none for these scales."""
SCALE_RANGES = {
    "jankovic-severity": (0, 4),
    "jankovic-frequency": (0, 4),
    "smc-grade": (1, 4),
    "hfs7-total": (0, 28),
    "hfs30-total": (0, 120),
}
"""The values each scale takes (as the API accepts them)."""

VIDEO_MEASURES = {
    "duration_s": ("duration", "Length of the analysed video", "s", "s"),
    "spasms_per_min": ("spasms-per-min", "Spasms per minute", "/min", "/min"),
    "blinks_per_min": ("blinks-per-min", "Blinks per minute", "/min", "/min"),
    "pct_time_affected_eye_half_closed": (
        "pct-time-affected-eye-half-closed",
        "Time the affected eye is at least half closed",
        "%",
        "%",
    ),
    "jankovic_total_estimate": (
        "jankovic-total-estimate",
        "Jankovic total, video estimate",
        None,
        None,
    ),
    "smc_grade_estimate": ("smc-grade-estimate", "SMC grade, video estimate", None, None),
    "affected_side": ("affected-side", "Affected side found in the video", None, None),
}
"""VideoAnalysis columns -> (code in ``CS_VIDEO_MEASURE``, display, UCUM unit, UCUM code)."""


@dataclass(frozen=True)
class CodeUse:
    """One row of the code table: a code, its system and display, and where it is used."""

    system: str
    code: str
    display: str
    used_in: str


def label(value: str) -> str:
    """A display from an enum value: ``orbicularis_oculi_preseptal`` -> ``orbicularis oculi
    preseptal``."""
    return value.replace("_", " ")


def site_code(side: InjectionSide, muscle: Muscle) -> str:
    """The face-map site code of one injected site: ``<side>.<muscle>``."""
    return f"{side.value}.{muscle.value}"


def parse_site_code(code: str) -> tuple[InjectionSide, Muscle]:
    """Side and muscle of a face-map site code (``ValueError`` naming the code if unknown)."""
    side, _, muscle = code.partition(".")
    try:
        return InjectionSide(side), Muscle(muscle)
    except ValueError:
        raise ValueError(f"unknown face-map site {code!r}: expected <side>.<muscle>") from None


def code_table() -> list[CodeUse]:
    """Every code the exchange writes, with where it is used (the table of ``docs/fhir.md``)."""
    rows = [
        CodeUse(SNOMED, SNOMED_HEMIFACIAL_SPASM, "Hemifacial spasm", "Condition.code"),
        CodeUse(ICD10CM, "G51.31", "Clonic hemifacial spasm, right", "Condition.code"),
        CodeUse(ICD10CM, "G51.32", "Clonic hemifacial spasm, left", "Condition.code"),
        CodeUse(ICD10CM, "G51.33", "Clonic hemifacial spasm, bilateral", "Condition.code"),
        CodeUse(ICD10CM, "G51.39", "Clonic hemifacial spasm, unspecified", "Condition.code"),
        CodeUse(CONDITION_CLINICAL, "active", "Active", "Condition.clinicalStatus"),
        CodeUse(CONDITION_VERIFICATION, "confirmed", "Confirmed", "Condition.verificationStatus"),
        CodeUse(
            UCUM,
            UNIT_CODE,
            "toxin units (product-specific)",
            "MedicationAdministration.dosage.dose",
        ),
        CodeUse(UCUM, "s", "second", "Observation.valueQuantity (video)"),
        CodeUse(UCUM, "/min", "per minute", "Observation.valueQuantity (video)"),
        CodeUse(UCUM, "%", "percent", "Observation.valueQuantity (video)"),
        CodeUse(
            OBSERVATION_CATEGORY, "survey", "Survey", "Observation.category (scales, self-rating)"
        ),
        CodeUse(OBSERVATION_CATEGORY, "exam", "Exam", "Observation.category (video measures)"),
        CodeUse(DIAGNOSTIC_SERVICE, "RAD", "Radiology", "DiagnosticReport.category (MRI)"),
        CodeUse(
            CS_PROCEDURE, PROCEDURE_INJECTION, "Botulinum toxin injection session", "Procedure.code"
        ),
        CodeUse(
            CS_PROCEDURE, PROCEDURE_DECOMPRESSION, "Microvascular decompression", "Procedure.code"
        ),
        CodeUse(
            CS_DOCUMENT,
            DOCUMENT_VIDEO,
            "Face video (described, not included)",
            "DocumentReference.type",
        ),
        CodeUse(CS_REPORT, REPORT_MRI, "MRI of the facial nerve's course", "DiagnosticReport.code"),
        CodeUse(CS_SCALE, ASSESSMENT_PANEL, "Clinic assessment of HFS", "Observation.code"),
        CodeUse(CS_SCALE, SELF_RATING, "Self-rating of the spasms (0-10)", "Observation.code"),
    ]
    rows += [
        CodeUse(CS_SCALE, code, display, "Observation.component.code")
        for code, display in ASSESSMENT_SCALES.values()
    ]
    rows += [
        CodeUse(CS_VIDEO_MEASURE, code, display, "Observation.code (video)")
        for code, display, _, _ in VIDEO_MEASURES.values()
    ]
    rows += [
        CodeUse(
            CS_PRODUCT,
            p.value,
            p.value,
            "Procedure.usedCode, MedicationAdministration.medicationCodeableConcept",
        )
        for p in Product
    ]
    rows += [
        CodeUse(
            CS_FACE_MAP_SITE,
            site_code(s, m),
            f"{s.value} {label(m.value)}",
            "MedicationAdministration.dosage.site",
        )
        for m in Muscle
        for s in InjectionSide
    ]
    rows += [
        CodeUse(
            CS_SIDE,
            s.value,
            s.value,
            "Condition.bodySite, Procedure.bodySite (surgery), Observation (video side)",
        )
        for s in AffectedSide
    ]
    rows += [
        CodeUse(CS_ADVERSE_EFFECT, e.value, label(e.value), "AdverseEvent.event")
        for e in AdverseEffect
    ]
    rows += [
        CodeUse(AE_SEVERITY, s, s.capitalize(), "AdverseEvent.severity")
        for s in ("mild", "moderate", "severe")
    ]
    rows += [
        CodeUse(AE_OUTCOME, o, d, "AdverseEvent.outcome")
        for o, d in (("resolved", "Resolved"), ("ongoing", "Ongoing"))
    ]
    rows += [
        CodeUse(CS_SURGERY_OUTCOME, o.value, o.value, "Procedure.outcome (surgery)")
        for o in SurgeryOutcome
    ]
    return rows


EXTENSIONS = (
    ("idiopathic", "Boolean", "Condition", "no cause found for the spasm"),
    ("dilution-units-per-0-1-ml", "Decimal", "Procedure (session)", "toxin units per 0.1 mL"),
    ("lot", "String", "Procedure (session)", "product lot"),
    ("expiry-date", "Date", "Procedure (session)", "lot expiry"),
    ("early-reason", "String", "Procedure (session)", "why injected before the usual interval"),
    ("effect-began", "Date", "Procedure (session)", "the cycle's effect began"),
    ("effect-peak", "Date", "Procedure (session)", "the cycle's effect peaked"),
    ("wore-off", "Date", "Procedure (session)", "the cycle's effect wore off"),
    ("course-reported-by", "Code", "Procedure (session)", "patient or clinician"),
    ("resolved-date", "Date", "AdverseEvent", "the side effect resolved"),
    ("reported-by", "Code", "AdverseEvent, Observation, DocumentReference", "patient or clinician"),
    ("note", "String", "AdverseEvent", "free-text note"),
    ("analysis-source", "Code", "DocumentReference", "analysis (made here) or imported"),
    ("corrected-at", "DateTime", "DocumentReference", "when a clinician last corrected events"),
    ("mri-sequence", "String", "DiagnosticReport", "an MRI sequence (repeats)"),
    ("compression-found", "Boolean", "DiagnosticReport", "a vessel compresses the nerve"),
    ("vessel", "Code", "DiagnosticReport, Procedure (surgery)", "vessel found (repeats)"),
    ("compression-site", "Code", "DiagnosticReport", "root_exit_zone or other"),
    ("contact-kind", "Code", "DiagnosticReport", "contact or compression"),
    ("dolichoectasia", "Boolean", "DiagnosticReport", "elongated, widened vessels"),
    ("other-lesion", "String", "DiagnosticReport", "another lesion found"),
    ("surgeon", "String", "Procedure (surgery)", "surgeon's name"),
    ("findings", "String", "Procedure (surgery)", "operative findings"),
    ("monitoring", "String", "Procedure (surgery)", "intra-operative monitoring"),
    ("recurrence-date", "Date", "Procedure (surgery)", "spasm came back"),
)
"""Project extensions under ``EXT``: (name, value type, resource, meaning)."""


def markdown_tables() -> str:
    """The code table and the extension table of ``docs/fhir.md``, as Markdown."""
    lines = ["| system | code | display | where used |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.system} | `{r.code}` | {r.display} | {r.used_in} |" for r in code_table()]
    lines += ["", f"Extensions (URL `{EXT}/<name>`):", ""]
    lines += ["| name | value | resource | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{n}` | value{t} | {where} | {meaning} |" for n, t, where, meaning in EXTENSIONS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_tables())
