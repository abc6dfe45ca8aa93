"""FHIR R4 resources -> the values of clinic records (the reverse of ``to_fhir``).

``parse_resource`` checks a resource against its R4B model, then reads the clinic's values out of
it; anything missing or unknown is a ``FhirFieldError`` naming the field (``dosage.site``,
``extension[lot]``...). References stay as resource ids for the caller to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    AnalysisSource,
    CompressionSite,
    ContactKind,
    Product,
    Severity,
    Sex,
    SurgeryOutcome,
)
from hemispasm.clinic.fhir import codes as C
from hemispasm.clinic.fhir.reading import (
    FhirFieldError,
    code_of,
    date_of,
    enum_of,
    extension,
    extensions,
    json_attachment,
    note_text,
    optional_date,
    reference_id,
    reporter,
    required,
    subject_link,
)

RESOURCE_TYPES = (
    "Organization",
    "Patient",
    "Condition",
    "Procedure",
    "MedicationAdministration",
    "AdverseEvent",
    "DocumentReference",
    "Observation",
    "DiagnosticReport",
)
"""The resource types of an export, in the order an import reads them (referenced first)."""


@dataclass(frozen=True)
class Parsed:
    """The clinic values of one resource.

    ``kind`` names the record (``patient``, ``session``, ``video_measure``...); ``links`` holds
    the ids of the resources it refers to (``patient``, ``clinic``, ``session``, ``video``).
    """

    kind: str
    resource_id: str
    values: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)


def check_resource(data: Any) -> Any:
    """The R4B model of ``data`` (a JSON object), or a ``FhirFieldError`` naming the field."""
    if not isinstance(data, dict):
        raise FhirFieldError("resourceType", "each line must hold one JSON object")
    kind = data.get("resourceType")
    if kind not in RESOURCE_TYPES:
        raise FhirFieldError(
            "resourceType", f"expected one of {', '.join(RESOURCE_TYPES)}, got {kind!r}"
        )
    try:
        return get_fhir_model_class(kind).model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if p != "__root__") or "resource"
        raise FhirFieldError(where, first["msg"]) from None


# --- per resource type ------------------------------------------------------------------------


def _organization(data: dict[str, Any]) -> Parsed:
    return Parsed("clinic", data["id"], {"name": str(required(data, "name"))})


def _patient(data: dict[str, Any]) -> Parsed:
    mrn = next(
        (i.get("value") for i in data.get("identifier", []) if i.get("system") == C.SID_MRN),
        None,
    )
    if not mrn:
        raise FhirFieldError("identifier", f"no record number (system {C.SID_MRN})")
    names = required(data, "name")
    name = (
        names[0].get("text")
        or " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
    )
    if not name:
        raise FhirFieldError("name[0].text", "missing")
    telecom = {t.get("system"): t.get("value") for t in data.get("telecom", [])}
    address = data.get("address") or [{}]
    return Parsed(
        "patient",
        data["id"],
        {
            "mrn": mrn,
            "name": name,
            "sex": enum_of(Sex, data.get("gender", "unknown"), "gender"),
            "birth_date": optional_date(data.get("birthDate"), "birthDate"),
            "phone": telecom.get("phone"),
            "email": telecom.get("email"),
            "address": address[0].get("text"),
        },
        {
            "clinic": reference_id(
                data.get("managingOrganization"), "Organization", "managingOrganization"
            )
        },
    )


def _condition(data: dict[str, Any]) -> Parsed:
    code = required(data, "code")
    snomed = code_of(code, C.SNOMED, "code")
    if snomed != C.SNOMED_HFS:
        raise FhirFieldError("code", f"expected SNOMED CT {C.SNOMED_HFS} (hemifacial spasm)")
    side = code_of((data.get("bodySite") or [{}])[0], C.CS_SIDE, "bodySite")
    idiopathic = extension(data, "idiopathic")
    return Parsed(
        "diagnosis",
        data["id"],
        {
            "affected_side": enum_of(AffectedSide, side, "bodySite"),
            "snomed": snomed,
            "icd10": code_of(code, C.ICD10CM, "code"),
            "onset_on": optional_date(data.get("onsetDateTime"), "onsetDateTime"),
            "diagnosed_on": optional_date(data.get("recordedDate"), "recordedDate"),
            "idiopathic": bool(idiopathic),
            "notes": note_text(data),
        },
        subject_link(data),
    )


def _product(concept: Any, name: str) -> dict[str, Any]:
    product = enum_of(Product, code_of(concept, C.CS_PRODUCT, name), name)
    return {"product": product, "product_name": (concept or {}).get("text")}


def _procedure(data: dict[str, Any]) -> Parsed:
    code = code_of(data.get("code"), C.CS_PROCEDURE, "code")
    performed = date_of(required(data, "performedDateTime"), "performedDateTime")
    if code == C.PROCEDURE_INJECTION:
        dilution = extension(data, "dilution-units-per-0-1-ml")
        if dilution is None:
            raise FhirFieldError("extension[dilution-units-per-0-1-ml]", "missing")
        return Parsed(
            "session",
            data["id"],
            {
                "session_on": performed,
                **_product((data.get("usedCode") or [None])[0], "usedCode"),
                "dilution_units_per_0_1_ml": float(dilution),
                "lot": extension(data, "lot"),
                "expiry_on": optional_date(
                    extension(data, "expiry-date"), "extension[expiry-date]"
                ),
                "early_reason": extension(data, "early-reason"),
                "effect_began_on": optional_date(
                    extension(data, "effect-began"), "extension[effect-began]"
                ),
                "effect_peak_on": optional_date(
                    extension(data, "effect-peak"), "extension[effect-peak]"
                ),
                "wore_off_on": optional_date(extension(data, "wore-off"), "extension[wore-off]"),
                "course_reported_by": reporter(data, "course-reported-by", required=False),
                "notes": note_text(data),
            },
            subject_link(data),
        )
    if code == C.PROCEDURE_DECOMPRESSION:
        side = code_of((data.get("bodySite") or [{}])[0], C.CS_SIDE, "bodySite")
        outcome = code_of(data.get("outcome"), C.CS_SURGERY_OUTCOME, "outcome")
        return Parsed(
            "surgery",
            data["id"],
            {
                "surgery_on": performed,
                "surgeon": extension(data, "surgeon"),
                "side": enum_of(AffectedSide, side, "bodySite"),
                "vessels": [str(v) for v in extensions(data, "vessel")],
                "findings": extension(data, "findings"),
                "monitoring": extension(data, "monitoring"),
                "outcome": enum_of(SurgeryOutcome, outcome, "outcome"),
                "recurrence_on": optional_date(
                    extension(data, "recurrence-date"), "extension[recurrence-date]"
                ),
                "complications": [
                    str(required(c, "text", f"complication[{i}]."))
                    for i, c in enumerate(data.get("complication", []))
                ],
                "notes": note_text(data),
            },
            subject_link(data),
        )
    raise FhirFieldError(
        "code", f"expected {C.PROCEDURE_INJECTION} or {C.PROCEDURE_DECOMPRESSION}, got {code!r}"
    )


def _medication_administration(data: dict[str, Any]) -> Parsed:
    dosage = required(data, "dosage")
    site = code_of(dosage.get("site"), C.CS_FACE_MAP_SITE, "dosage.site")
    try:
        side, muscle = C.parse_site_code(site)
    except ValueError as exc:
        raise FhirFieldError("dosage.site", str(exc)) from None
    dose = required(dosage, "dose", "dosage.")
    if dose.get("system") != C.UCUM or dose.get("code") != C.UNIT_CODE:
        raise FhirFieldError("dosage.dose", f"expected UCUM {C.UNIT_CODE} (toxin units)")
    units = required(dose, "value", "dosage.dose.")
    part_of = required(data, "partOf")
    return Parsed(
        "site",
        data["id"],
        {"muscle": muscle, "side": side, "units": float(units)},
        {**subject_link(data), "session": reference_id(part_of[0], "Procedure", "partOf[0]")},
    )


def _adverse_event(data: dict[str, Any]) -> Parsed:
    links = subject_link(data)
    suspects = data.get("suspectEntity") or []
    if suspects:
        links["session"] = reference_id(
            suspects[0].get("instance"), "Procedure", "suspectEntity[0].instance"
        )
    effect = code_of(data.get("event"), C.CS_ADVERSE_EFFECT, "event")
    severity = code_of(data.get("severity"), C.AE_SEVERITY, "severity")
    return Parsed(
        "adverse",
        data["id"],
        {
            "effect": enum_of(AdverseEffect, effect, "event"),
            "severity": enum_of(Severity, severity, "severity"),
            "onset_on": date_of(required(data, "date"), "date"),
            "resolved_on": optional_date(
                extension(data, "resolved-date"), "extension[resolved-date]"
            ),
            "reported_by": reporter(data, "reported-by"),
            "notes": extension(data, "note"),
        },
        links,
    )


def _integer(value: Any, name: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FhirFieldError(name, f"expected an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        raise FhirFieldError(
            name, f"must be {low} to {high if high is not None else 'more'}, got {value}"
        )
    return value


def _observation(data: dict[str, Any]) -> Parsed:
    concept = data.get("code")
    on = date_of(required(data, "effectiveDateTime"), "effectiveDateTime")
    codings = (concept or {}).get("coding", [])
    systems = {c.get("system") for c in codings}
    if C.CS_SCALE in systems:
        code = code_of(concept, C.CS_SCALE, "code")
        if code == C.SELF_RATING:
            return Parsed(
                "self_rating",
                data["id"],
                {
                    "rated_on": on,
                    "score": _integer(data.get("valueInteger"), "valueInteger", 0, 10),
                    "note": note_text(data),
                    "reported_by": reporter(data, "reported-by"),
                },
                subject_link(data),
            )
        if code == C.ASSESSMENT_PANEL:
            columns = {c: v[0] for c, v in C.ASSESSMENT_SCALES.items()}
            by_code = {v: c for c, v in columns.items()}
            values: dict[str, Any] = {"assessed_on": on, "notes": note_text(data)}
            values.update(dict.fromkeys(columns))
            for i, component in enumerate(data.get("component", [])):
                name = f"component[{i}]"
                scale = code_of(component.get("code"), C.CS_SCALE, f"{name}.code")
                if scale not in by_code:
                    raise FhirFieldError(f"{name}.code", f"unknown scale {scale!r}")
                low, high = C.SCALE_RANGES[scale]
                values[by_code[scale]] = _integer(
                    component.get("valueInteger"), f"{name}.valueInteger", low, high
                )
            return Parsed("assessment", data["id"], values, subject_link(data))
        raise FhirFieldError("code", f"unknown scale {code!r}")
    if C.CS_VIDEO_MEASURE in systems:
        code = code_of(concept, C.CS_VIDEO_MEASURE, "code")
        columns = {v[0]: c for c, v in C.VIDEO_MEASURES.items()}
        if code not in columns:
            raise FhirFieldError("code", f"unknown video measure {code!r}")
        column = columns[code]
        unit = C.VIDEO_MEASURES[column][3]
        value: Any
        if column == "affected_side":
            value = code_of(data.get("valueCodeableConcept"), C.CS_SIDE, "valueCodeableConcept")
        elif unit is None:
            value = _integer(data.get("valueInteger"), "valueInteger")
        else:
            quantity = required(data, "valueQuantity")
            if quantity.get("code") != unit:
                raise FhirFieldError("valueQuantity.code", f"expected UCUM {unit!r}")
            value = float(required(quantity, "value", "valueQuantity."))
        derived = required(data, "derivedFrom")
        return Parsed(
            "video_measure",
            data["id"],
            {column: value},
            {
                **subject_link(data),
                "video": reference_id(derived[0], "DocumentReference", "derivedFrom[0]"),
            },
        )
    raise FhirFieldError("code", f"no code of {C.CS_SCALE} or {C.CS_VIDEO_MEASURE}")


def _document_reference(data: dict[str, Any]) -> Parsed:
    sha256 = next(
        (
            i.get("value")
            for i in data.get("identifier", [])
            if i.get("system") == C.SID_VIDEO_SHA256
        ),
        None,
    )
    if not sha256 or len(sha256) != 64:
        raise FhirFieldError("identifier", f"no SHA-256 of the video (system {C.SID_VIDEO_SHA256})")
    content = required(data, "content")
    result = json_attachment(content, "result")
    if result is None:
        raise FhirFieldError("content", "no attachment titled 'result' (application/json)")
    corrected_at = extension(data, "corrected-at")
    try:
        corrected = None if corrected_at is None else datetime.fromisoformat(corrected_at)
    except ValueError:
        raise FhirFieldError("extension[corrected-at]", "expected a date and time") from None
    period = (data.get("context") or {}).get("period") or {}
    return Parsed(
        "video",
        data["id"],
        {
            "recorded_on": date_of(required(period, "start", "context.period."), "context.period"),
            "video_sha256": sha256,
            "result": result,
            "corrected_result": json_attachment(content, "corrected-result"),
            "corrected_at": corrected,
            "notes": data.get("description"),
            "reported_by": reporter(data, "reported-by"),
            "source": enum_of(
                AnalysisSource, extension(data, "analysis-source"), "extension[analysis-source]"
            ),
        },
        subject_link(data),
    )


def _diagnostic_report(data: dict[str, Any]) -> Parsed:
    code = code_of(data.get("code"), C.CS_REPORT, "code")
    if code != C.REPORT_MRI:
        raise FhirFieldError("code", f"expected {C.REPORT_MRI}, got {code!r}")
    site, contact = extension(data, "compression-site"), extension(data, "contact-kind")
    return Parsed(
        "mri",
        data["id"],
        {
            "study_on": date_of(required(data, "effectiveDateTime"), "effectiveDateTime"),
            "sequences": [str(s) for s in extensions(data, "mri-sequence")],
            "compression_found": extension(data, "compression-found"),
            "vessels": [str(v) for v in extensions(data, "vessel")],
            "site": None
            if site is None
            else enum_of(CompressionSite, site, "extension[compression-site]"),
            "contact": None
            if contact is None
            else enum_of(ContactKind, contact, "extension[contact-kind]"),
            "dolichoectasia": extension(data, "dolichoectasia"),
            "other_lesion": extension(data, "other-lesion"),
            "notes": data.get("conclusion"),
        },
        subject_link(data),
    )


_PARSERS = {
    "Organization": _organization,
    "Patient": _patient,
    "Condition": _condition,
    "Procedure": _procedure,
    "MedicationAdministration": _medication_administration,
    "AdverseEvent": _adverse_event,
    "Observation": _observation,
    "DocumentReference": _document_reference,
    "DiagnosticReport": _diagnostic_report,
}


def parse_resource(data: Any) -> Parsed:
    """The clinic values of one resource (a JSON object), checked against its R4B model."""
    check_resource(data)
    if not data.get("id"):
        raise FhirFieldError("id", "missing (references between files need it)")
    return _PARSERS[data["resourceType"]](data)
