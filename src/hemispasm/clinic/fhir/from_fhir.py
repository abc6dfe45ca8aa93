"""FHIR R4 resources -> the values of clinic records (the reverse of ``to_fhir``).

``parse_resource`` checks a resource against its R4B model, then reads the clinic's values out of
it; anything missing or unknown is a ``FhirFieldError`` naming the field (``dosage.site``,
``extension[lot]``...). References stay as resource ids for the caller to resolve.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
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
    Reporter,
    Severity,
    Sex,
    SurgeryOutcome,
)
from hemispasm.clinic.fhir import codes as C

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


class FhirFieldError(ValueError):
    """A resource lacks a value the clinic needs, or holds one it cannot take; names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


# --- reading helpers --------------------------------------------------------------------------


def _required(data: dict[str, Any], name: str, where: str = "") -> Any:
    value = data.get(name)
    if value in (None, "", [], {}):
        raise FhirFieldError(f"{where}{name}", "missing")
    return value


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FhirFieldError(name, f"expected a date YYYY-MM-DD, got {value!r}") from None


def _optional_date(value: Any, name: str) -> date | None:
    return None if value is None else _date(value, name)


def _code(concept: Any, system: str, name: str) -> str:
    """The code of ``system`` in a CodeableConcept."""
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    raise FhirFieldError(name, f"no code of {system}")


def _enum(enum_cls: Any, value: Any, name: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise FhirFieldError(name, f"expected one of {allowed}, got {value!r}") from None


def _exts(data: dict[str, Any], name: str) -> list[Any]:
    """The values of every project extension ``name``."""
    url = f"{C.EXT}/{name}"
    values = []
    for ext in data.get("extension", []):
        if ext.get("url") == url:
            found = [v for k, v in ext.items() if k.startswith("value")]
            if len(found) != 1:
                raise FhirFieldError(f"extension[{name}]", "needs exactly one value[x]")
            values.append(found[0])
    return values


def _ext(data: dict[str, Any], name: str) -> Any:
    values = _exts(data, name)
    if len(values) > 1:
        raise FhirFieldError(f"extension[{name}]", "given more than once")
    return values[0] if values else None


def _reference_id(reference: Any, resource_type: str, name: str) -> str:
    text = (reference or {}).get("reference")
    prefix = f"{resource_type}/"
    if not isinstance(text, str) or not text.startswith(prefix) or len(text) == len(prefix):
        raise FhirFieldError(name, f"expected a reference {prefix}<id>, got {text!r}")
    return text[len(prefix) :]


def _subject(data: dict[str, Any]) -> dict[str, str]:
    return {"patient": _reference_id(data.get("subject"), "Patient", "subject")}


def _note(data: dict[str, Any]) -> str | None:
    notes = data.get("note") or []
    return "\n".join(n.get("text", "") for n in notes) or None


def _reporter(data: dict[str, Any], name: str, *, required: bool = True) -> Reporter | None:
    value = _ext(data, name)
    if value is None:
        if required:
            raise FhirFieldError(f"extension[{name}]", "missing")
        return None
    return _enum(Reporter, value, f"extension[{name}]")


def _json_attachment(content: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    for item in content:
        attachment = item.get("attachment", {})
        if attachment.get("title") == title and attachment.get("contentType") == "application/json":
            where = f"content[{title}].attachment.data"
            try:
                value = json.loads(base64.b64decode(attachment.get("data", ""), validate=True))
            except (binascii.Error, ValueError):
                raise FhirFieldError(where, "not base64-encoded JSON") from None
            if not isinstance(value, dict):
                raise FhirFieldError(where, "expected a JSON object")
            return value
    return None


# --- per resource type ------------------------------------------------------------------------


def _organization(data: dict[str, Any]) -> Parsed:
    return Parsed("clinic", data["id"], {"name": str(_required(data, "name"))})


def _patient(data: dict[str, Any]) -> Parsed:
    mrn = next(
        (i.get("value") for i in data.get("identifier", []) if i.get("system") == C.SID_MRN),
        None,
    )
    if not mrn:
        raise FhirFieldError("identifier", f"no record number (system {C.SID_MRN})")
    names = _required(data, "name")
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
            "sex": _enum(Sex, data.get("gender", "unknown"), "gender"),
            "birth_date": _optional_date(data.get("birthDate"), "birthDate"),
            "phone": telecom.get("phone"),
            "email": telecom.get("email"),
            "address": address[0].get("text"),
        },
        {
            "clinic": _reference_id(
                data.get("managingOrganization"), "Organization", "managingOrganization"
            )
        },
    )


def _condition(data: dict[str, Any]) -> Parsed:
    code = _required(data, "code")
    snomed = _code(code, C.SNOMED, "code")
    if snomed != C.SNOMED_HFS:
        raise FhirFieldError("code", f"expected SNOMED CT {C.SNOMED_HFS} (hemifacial spasm)")
    side = _code((data.get("bodySite") or [{}])[0], C.CS_SIDE, "bodySite")
    idiopathic = _ext(data, "idiopathic")
    return Parsed(
        "diagnosis",
        data["id"],
        {
            "affected_side": _enum(AffectedSide, side, "bodySite"),
            "snomed": snomed,
            "icd10": _code(code, C.ICD10CM, "code"),
            "onset_on": _optional_date(data.get("onsetDateTime"), "onsetDateTime"),
            "diagnosed_on": _optional_date(data.get("recordedDate"), "recordedDate"),
            "idiopathic": bool(idiopathic),
            "notes": _note(data),
        },
        _subject(data),
    )


def _product(concept: Any, name: str) -> dict[str, Any]:
    product = _enum(Product, _code(concept, C.CS_PRODUCT, name), name)
    return {"product": product, "product_name": (concept or {}).get("text")}


def _procedure(data: dict[str, Any]) -> Parsed:
    code = _code(data.get("code"), C.CS_PROCEDURE, "code")
    performed = _date(_required(data, "performedDateTime"), "performedDateTime")
    if code == C.PROCEDURE_INJECTION:
        dilution = _ext(data, "dilution-units-per-0-1-ml")
        if dilution is None:
            raise FhirFieldError("extension[dilution-units-per-0-1-ml]", "missing")
        return Parsed(
            "session",
            data["id"],
            {
                "session_on": performed,
                **_product((data.get("usedCode") or [None])[0], "usedCode"),
                "dilution_units_per_0_1_ml": float(dilution),
                "lot": _ext(data, "lot"),
                "expiry_on": _optional_date(_ext(data, "expiry-date"), "extension[expiry-date]"),
                "early_reason": _ext(data, "early-reason"),
                "effect_began_on": _optional_date(
                    _ext(data, "effect-began"), "extension[effect-began]"
                ),
                "effect_peak_on": _optional_date(
                    _ext(data, "effect-peak"), "extension[effect-peak]"
                ),
                "wore_off_on": _optional_date(_ext(data, "wore-off"), "extension[wore-off]"),
                "course_reported_by": _reporter(data, "course-reported-by", required=False),
                "notes": _note(data),
            },
            _subject(data),
        )
    if code == C.PROCEDURE_DECOMPRESSION:
        side = _code((data.get("bodySite") or [{}])[0], C.CS_SIDE, "bodySite")
        outcome = _code(data.get("outcome"), C.CS_SURGERY_OUTCOME, "outcome")
        return Parsed(
            "surgery",
            data["id"],
            {
                "surgery_on": performed,
                "surgeon": _ext(data, "surgeon"),
                "side": _enum(AffectedSide, side, "bodySite"),
                "vessels": [str(v) for v in _exts(data, "vessel")],
                "findings": _ext(data, "findings"),
                "monitoring": _ext(data, "monitoring"),
                "outcome": _enum(SurgeryOutcome, outcome, "outcome"),
                "recurrence_on": _optional_date(
                    _ext(data, "recurrence-date"), "extension[recurrence-date]"
                ),
                "complications": [
                    str(_required(c, "text", f"complication[{i}]."))
                    for i, c in enumerate(data.get("complication", []))
                ],
                "notes": _note(data),
            },
            _subject(data),
        )
    raise FhirFieldError(
        "code", f"expected {C.PROCEDURE_INJECTION} or {C.PROCEDURE_DECOMPRESSION}, got {code!r}"
    )


def _medication_administration(data: dict[str, Any]) -> Parsed:
    dosage = _required(data, "dosage")
    site = _code(dosage.get("site"), C.CS_FACE_MAP_SITE, "dosage.site")
    try:
        side, muscle = C.parse_site_code(site)
    except ValueError as exc:
        raise FhirFieldError("dosage.site", str(exc)) from None
    dose = _required(dosage, "dose", "dosage.")
    if dose.get("system") != C.UCUM or dose.get("code") != C.UNIT_CODE:
        raise FhirFieldError("dosage.dose", f"expected UCUM {C.UNIT_CODE} (toxin units)")
    units = _required(dose, "value", "dosage.dose.")
    part_of = _required(data, "partOf")
    return Parsed(
        "site",
        data["id"],
        {"muscle": muscle, "side": side, "units": float(units)},
        {**_subject(data), "session": _reference_id(part_of[0], "Procedure", "partOf[0]")},
    )


def _adverse_event(data: dict[str, Any]) -> Parsed:
    links = _subject(data)
    suspects = data.get("suspectEntity") or []
    if suspects:
        links["session"] = _reference_id(
            suspects[0].get("instance"), "Procedure", "suspectEntity[0].instance"
        )
    effect = _code(data.get("event"), C.CS_ADVERSE_EFFECT, "event")
    severity = _code(data.get("severity"), C.AE_SEVERITY, "severity")
    return Parsed(
        "adverse",
        data["id"],
        {
            "effect": _enum(AdverseEffect, effect, "event"),
            "severity": _enum(Severity, severity, "severity"),
            "onset_on": _date(_required(data, "date"), "date"),
            "resolved_on": _optional_date(_ext(data, "resolved-date"), "extension[resolved-date]"),
            "reported_by": _reporter(data, "reported-by"),
            "notes": _ext(data, "note"),
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
    on = _date(_required(data, "effectiveDateTime"), "effectiveDateTime")
    codings = (concept or {}).get("coding", [])
    systems = {c.get("system") for c in codings}
    if C.CS_SCALE in systems:
        code = _code(concept, C.CS_SCALE, "code")
        if code == C.SELF_RATING:
            return Parsed(
                "self_rating",
                data["id"],
                {
                    "rated_on": on,
                    "score": _integer(data.get("valueInteger"), "valueInteger", 0, 10),
                    "note": _note(data),
                    "reported_by": _reporter(data, "reported-by"),
                },
                _subject(data),
            )
        if code == C.ASSESSMENT_PANEL:
            columns = {c: v[0] for c, v in C.ASSESSMENT_SCALES.items()}
            by_code = {v: c for c, v in columns.items()}
            values: dict[str, Any] = {"assessed_on": on, "notes": _note(data)}
            values.update(dict.fromkeys(columns))
            for i, component in enumerate(data.get("component", [])):
                name = f"component[{i}]"
                scale = _code(component.get("code"), C.CS_SCALE, f"{name}.code")
                if scale not in by_code:
                    raise FhirFieldError(f"{name}.code", f"unknown scale {scale!r}")
                low, high = C.SCALE_RANGES[scale]
                values[by_code[scale]] = _integer(
                    component.get("valueInteger"), f"{name}.valueInteger", low, high
                )
            return Parsed("assessment", data["id"], values, _subject(data))
        raise FhirFieldError("code", f"unknown scale {code!r}")
    if C.CS_VIDEO_MEASURE in systems:
        code = _code(concept, C.CS_VIDEO_MEASURE, "code")
        columns = {v[0]: c for c, v in C.VIDEO_MEASURES.items()}
        if code not in columns:
            raise FhirFieldError("code", f"unknown video measure {code!r}")
        column = columns[code]
        unit = C.VIDEO_MEASURES[column][3]
        value: Any
        if column == "affected_side":
            value = _code(data.get("valueCodeableConcept"), C.CS_SIDE, "valueCodeableConcept")
        elif unit is None:
            value = _integer(data.get("valueInteger"), "valueInteger")
        else:
            quantity = _required(data, "valueQuantity")
            if quantity.get("code") != unit:
                raise FhirFieldError("valueQuantity.code", f"expected UCUM {unit!r}")
            value = float(_required(quantity, "value", "valueQuantity."))
        derived = _required(data, "derivedFrom")
        return Parsed(
            "video_measure",
            data["id"],
            {column: value},
            {
                **_subject(data),
                "video": _reference_id(derived[0], "DocumentReference", "derivedFrom[0]"),
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
    content = _required(data, "content")
    result = _json_attachment(content, "result")
    if result is None:
        raise FhirFieldError("content", "no attachment titled 'result' (application/json)")
    corrected_at = _ext(data, "corrected-at")
    try:
        corrected = None if corrected_at is None else datetime.fromisoformat(corrected_at)
    except ValueError:
        raise FhirFieldError("extension[corrected-at]", "expected a date and time") from None
    period = (data.get("context") or {}).get("period") or {}
    return Parsed(
        "video",
        data["id"],
        {
            "recorded_on": _date(_required(period, "start", "context.period."), "context.period"),
            "video_sha256": sha256,
            "result": result,
            "corrected_result": _json_attachment(content, "corrected-result"),
            "corrected_at": corrected,
            "notes": data.get("description"),
            "reported_by": _reporter(data, "reported-by"),
            "source": _enum(
                AnalysisSource, _ext(data, "analysis-source"), "extension[analysis-source]"
            ),
        },
        _subject(data),
    )


def _diagnostic_report(data: dict[str, Any]) -> Parsed:
    code = _code(data.get("code"), C.CS_REPORT, "code")
    if code != C.REPORT_MRI:
        raise FhirFieldError("code", f"expected {C.REPORT_MRI}, got {code!r}")
    site, contact = _ext(data, "compression-site"), _ext(data, "contact-kind")
    return Parsed(
        "mri",
        data["id"],
        {
            "study_on": _date(_required(data, "effectiveDateTime"), "effectiveDateTime"),
            "sequences": [str(s) for s in _exts(data, "mri-sequence")],
            "compression_found": _ext(data, "compression-found"),
            "vessels": [str(v) for v in _exts(data, "vessel")],
            "site": None
            if site is None
            else _enum(CompressionSite, site, "extension[compression-site]"),
            "contact": None
            if contact is None
            else _enum(ContactKind, contact, "extension[contact-kind]"),
            "dolichoectasia": _ext(data, "dolichoectasia"),
            "other_lesion": _ext(data, "other-lesion"),
            "notes": data.get("conclusion"),
        },
        _subject(data),
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
