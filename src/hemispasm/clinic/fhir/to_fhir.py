"""Clinic records -> FHIR R4 resources (as JSON-ready dicts, checked by the R4B models).

Each function reads the attributes of one stored row and nothing else (no query, no clock), so
the mapping is pure and the same rows always give the same resources. Resource ids are
``<kind>-<row id>``; references point at them within one export.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hemispasm.clinic.domain.vocab import AdverseEffect, AffectedSide
from hemispasm.clinic.fhir import codes as C

if TYPE_CHECKING:
    from hemispasm.clinic.db.models import (
        AdverseEvent,
        Assessment,
        Clinic,
        Diagnosis,
        InjectionSession,
        InjectionSite,
        MriStudy,
        Patient,
        SelfRating,
        Surgery,
        VideoAnalysis,
    )

Resource = dict[str, Any]


def ref(kind: str, row_id: int) -> str:
    """The id of a row's resource."""
    return f"{kind}-{row_id}"


def _reference(resource_type: str, kind: str, row_id: int) -> dict[str, str]:
    return {"reference": f"{resource_type}/{ref(kind, row_id)}"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)]}


def _ext(name: str, kind: str, value: Any) -> dict[str, Any]:
    """A project extension (``value<kind>``), e.g. ``_ext("lot", "String", "A12")``."""
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return {"url": f"{C.EXT}/{name}", f"value{kind}": value}


def _exts(*items: tuple[str, str, Any]) -> list[dict[str, Any]]:
    """Extensions for the values that are set (None is left out; lists repeat the extension)."""
    out: list[dict[str, Any]] = []
    for name, kind, value in items:
        values = value if isinstance(value, list) else [value]
        out += [_ext(name, kind, v) for v in values if v is not None]
    return out


def _json_attachment(title: str, value: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "attachment": {
            "contentType": "application/json",
            "title": title,
            "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        }
    }


def _note(text: str | None) -> list[dict[str, str]] | None:
    return [{"text": text}] if text else None


def _clean(resource: Resource) -> Resource:
    """The resource without empty members (FHIR allows no empty arrays or objects)."""
    return {k: v for k, v in resource.items() if v not in (None, [], {}, "")}


def clinic_to_fhir(clinic: Clinic) -> Resource:
    """The clinic as an ``Organization``."""
    return {"resourceType": "Organization", "id": ref("clinic", clinic.id), "name": clinic.name}


def patient_to_fhir(patient: Patient) -> Resource:
    """The patient as a ``Patient`` (record number as identifier, clinic as managing org)."""
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", patient.phone), ("email", patient.email))
        if value
    ]
    return _clean(
        {
            "resourceType": "Patient",
            "id": ref("patient", patient.id),
            "identifier": [{"system": C.SID_MRN, "value": patient.mrn}],
            "name": [{"text": patient.name}],
            "gender": patient.sex.value,
            "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
            "telecom": telecom,
            "address": [{"text": patient.address}] if patient.address else None,
            "managingOrganization": _reference("Organization", "clinic", patient.clinic_id),
        }
    )


def _subject(row: Any) -> dict[str, str]:
    return _reference("Patient", "patient", row.patient_id)


def diagnosis_to_fhir(row: Diagnosis) -> Resource:
    """The diagnosis as a ``Condition`` coded in SNOMED CT and ICD-10-CM."""
    side = AffectedSide(row.affected_side)
    return _clean(
        {
            "resourceType": "Condition",
            "id": ref("diagnosis", row.id),
            "extension": _exts(("idiopathic", "Boolean", row.idiopathic)),
            "clinicalStatus": _concept(C.CONDITION_CLINICAL, "active", "Active"),
            "verificationStatus": _concept(C.CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "code": {
                "coding": [
                    _coding(C.SNOMED, row.snomed, "Hemifacial spasm"),
                    _coding(C.ICD10CM, row.icd10),
                ],
                "text": "Hemifacial spasm",
            },
            "bodySite": [_concept(C.CS_SIDE, side.value, side.value)],
            "subject": _subject(row),
            "onsetDateTime": row.onset_on.isoformat() if row.onset_on else None,
            "recordedDate": row.diagnosed_on.isoformat() if row.diagnosed_on else None,
            "note": _note(row.notes),
        }
    )


def _product(row: InjectionSession) -> dict[str, Any]:
    concept = _concept(C.CS_PRODUCT, row.product.value, row.product.value)
    if row.product_name:
        concept["text"] = row.product_name
    return concept


def session_to_fhir(row: InjectionSession) -> Resource:
    """An injection session as a ``Procedure``; the course of its cycle as extensions."""
    return _clean(
        {
            "resourceType": "Procedure",
            "id": ref("session", row.id),
            "extension": _exts(
                ("dilution-units-per-0-1-ml", "Decimal", row.dilution_units_per_0_1_ml),
                ("lot", "String", row.lot),
                ("expiry-date", "Date", row.expiry_on),
                ("early-reason", "String", row.early_reason),
                ("effect-began", "Date", row.effect_began_on),
                ("effect-peak", "Date", row.effect_peak_on),
                ("wore-off", "Date", row.wore_off_on),
                (
                    "course-reported-by",
                    "Code",
                    row.course_reported_by.value if row.course_reported_by else None,
                ),
            ),
            "status": "completed",
            "code": _concept(C.CS_PROCEDURE, C.PROCEDURE_INJECTION, "Botulinum toxin injection"),
            "subject": _subject(row),
            "performedDateTime": row.session_on.isoformat(),
            "usedCode": [_product(row)],
            "note": _note(row.notes),
        }
    )


def site_to_fhir(session: InjectionSession, site: InjectionSite) -> Resource:
    """One injected site as a ``MedicationAdministration``, part of its session's Procedure."""
    code = C.site_code(site.side, site.muscle)
    return {
        "resourceType": "MedicationAdministration",
        "id": ref("site", site.id),
        "status": "completed",
        "medicationCodeableConcept": _product(session),
        "subject": _subject(session),
        "partOf": [_reference("Procedure", "session", session.id)],
        "effectiveDateTime": session.session_on.isoformat(),
        "dosage": {
            "site": {
                "coding": [
                    _coding(C.CS_FACE_MAP_SITE, code, code.replace(".", " ").replace("_", " "))
                ]
            },
            "dose": {
                "value": site.units,
                "unit": C.UNIT_TEXT,
                "system": C.UCUM,
                "code": C.UNIT_CODE,
            },
        },
    }


def adverse_to_fhir(row: AdverseEvent, *, sessions: frozenset[int] | None = None) -> Resource:
    """A side effect as an ``AdverseEvent``; the session it followed as the suspect entity
    (left out when ``sessions``, the ids of the sessions exported beside it, lacks it)."""
    linked = row.session_id is not None and (sessions is None or row.session_id in sessions)
    effect = AdverseEffect(row.effect)
    return _clean(
        {
            "resourceType": "AdverseEvent",
            "id": ref("adverse", row.id),
            "extension": _exts(
                ("resolved-date", "Date", row.resolved_on),
                ("reported-by", "Code", row.reported_by.value),
                ("note", "String", row.notes),
            ),
            "actuality": "actual",
            "event": _concept(C.CS_ADVERSE_EFFECT, effect.value, C.label(effect.value)),
            "subject": _subject(row),
            "date": row.onset_on.isoformat(),
            "severity": _concept(
                C.AE_SEVERITY, row.severity.value, row.severity.value.capitalize()
            ),
            "outcome": _concept(
                C.AE_OUTCOME,
                "resolved" if row.resolved_on else "ongoing",
                "Resolved" if row.resolved_on else "Ongoing",
            ),
            "suspectEntity": (
                [{"instance": _reference("Procedure", "session", row.session_id)}]
                if linked and row.session_id is not None
                else None
            ),
        }
    )


def _category(code: str) -> list[dict[str, Any]]:
    return [_concept(C.OBSERVATION_CATEGORY, code, code.capitalize())]


def assessment_to_fhir(row: Assessment) -> Resource:
    """A clinic assessment as one ``Observation`` with a component per scale recorded."""
    components = [
        {
            "code": _concept(C.CS_SCALE, code, display),
            "valueInteger": getattr(row, column),
        }
        for column, (code, display) in C.ASSESSMENT_SCALES.items()
        if getattr(row, column) is not None
    ]
    return _clean(
        {
            "resourceType": "Observation",
            "id": ref("assessment", row.id),
            "status": "final",
            "category": _category("survey"),
            "code": _concept(C.CS_SCALE, C.ASSESSMENT_PANEL, "Clinic assessment of HFS"),
            "subject": _subject(row),
            "effectiveDateTime": row.assessed_on.isoformat(),
            "note": _note(row.notes),
            "component": components,
        }
    )


def self_rating_to_fhir(row: SelfRating) -> Resource:
    """A self-rating (0-10) as an ``Observation``."""
    return _clean(
        {
            "resourceType": "Observation",
            "id": ref("self-rating", row.id),
            "extension": _exts(("reported-by", "Code", row.reported_by.value)),
            "status": "final",
            "category": _category("survey"),
            "code": _concept(C.CS_SCALE, C.SELF_RATING, "Self-rating of the spasms (0-10)"),
            "subject": _subject(row),
            "effectiveDateTime": row.rated_on.isoformat(),
            "valueInteger": row.score,
            "note": _note(row.note),
        }
    )


def video_to_fhir(row: VideoAnalysis) -> list[Resource]:
    """A video analysis: a ``DocumentReference`` describing the video (its SHA-256, never the
    file) and carrying the stored result, and one ``Observation`` per measure derived from it."""
    content = [
        {"attachment": {"title": "face video (not included; identified by its SHA-256)"}},
        _json_attachment("result", row.result),
    ]
    if row.corrected_result is not None:
        content.append(_json_attachment("corrected-result", row.corrected_result))
    document = _clean(
        {
            "resourceType": "DocumentReference",
            "id": ref("video", row.id),
            "extension": _exts(
                ("reported-by", "Code", row.reported_by.value),
                ("analysis-source", "Code", row.source.value),
                ("corrected-at", "DateTime", row.corrected_at),
            ),
            "identifier": [{"system": C.SID_VIDEO_SHA256, "value": row.video_sha256}],
            "status": "current",
            "type": _concept(C.CS_DOCUMENT, C.DOCUMENT_VIDEO, "Face video"),
            "subject": _subject(row),
            "description": row.notes,
            "content": content,
            "context": {"period": {"start": row.recorded_on.isoformat()}},
        }
    )
    observations: list[Resource] = []
    for column, (code, display, unit, ucum) in C.VIDEO_MEASURES.items():
        value = getattr(row, column)
        if value is None:
            continue
        observation: Resource = {
            "resourceType": "Observation",
            "id": ref(f"video-{row.id}", len(observations) + 1),
            "status": "final",
            "category": _category("exam"),
            "code": _concept(C.CS_VIDEO_MEASURE, code, display),
            "subject": _subject(row),
            "effectiveDateTime": row.recorded_on.isoformat(),
            "derivedFrom": [_reference("DocumentReference", "video", row.id)],
        }
        if column == "affected_side":
            observation["valueCodeableConcept"] = _concept(C.CS_SIDE, value, value)
        elif unit is None:
            observation["valueInteger"] = value
        else:
            observation["valueQuantity"] = {
                "value": value,
                "unit": unit,
                "system": C.UCUM,
                "code": ucum,
            }
        observations.append(observation)
    return [document, *observations]


def mri_to_fhir(row: MriStudy) -> Resource:
    """An MRI study as a ``DiagnosticReport``; its findings as extensions, notes as conclusion."""
    return _clean(
        {
            "resourceType": "DiagnosticReport",
            "id": ref("mri", row.id),
            "extension": _exts(
                ("mri-sequence", "String", list(row.sequences)),
                ("compression-found", "Boolean", row.compression_found),
                ("vessel", "Code", list(row.vessels)),
                ("compression-site", "Code", row.site.value if row.site else None),
                ("contact-kind", "Code", row.contact.value if row.contact else None),
                ("dolichoectasia", "Boolean", row.dolichoectasia),
                ("other-lesion", "String", row.other_lesion),
            ),
            "status": "final",
            "category": [_concept(C.DIAGNOSTIC_SERVICE, "RAD", "Radiology")],
            "code": _concept(C.CS_REPORT, C.REPORT_MRI, "MRI of the facial nerve's course"),
            "subject": _subject(row),
            "effectiveDateTime": row.study_on.isoformat(),
            "conclusion": row.notes,
        }
    )


def surgery_to_fhir(row: Surgery) -> Resource:
    """A microvascular decompression as a ``Procedure``."""
    side = AffectedSide(row.side)
    return _clean(
        {
            "resourceType": "Procedure",
            "id": ref("surgery", row.id),
            "extension": _exts(
                ("surgeon", "String", row.surgeon),
                ("vessel", "Code", list(row.vessels)),
                ("findings", "String", row.findings),
                ("monitoring", "String", row.monitoring),
                ("recurrence-date", "Date", row.recurrence_on),
            ),
            "status": "completed",
            "code": _concept(
                C.CS_PROCEDURE, C.PROCEDURE_DECOMPRESSION, "Microvascular decompression"
            ),
            "subject": _subject(row),
            "performedDateTime": row.surgery_on.isoformat(),
            "bodySite": [_concept(C.CS_SIDE, side.value, side.value)],
            "outcome": _concept(C.CS_SURGERY_OUTCOME, row.outcome.value, row.outcome.value),
            "complication": [{"text": c} for c in row.complications],
            "note": _note(row.notes),
        }
    )


def patient_record_to_fhir(
    patient: Patient,
    *,
    diagnoses: Iterable[Diagnosis] = (),
    sessions: Iterable[InjectionSession] = (),
    adverse_events: Iterable[AdverseEvent] = (),
    assessments: Iterable[Assessment] = (),
    self_ratings: Iterable[SelfRating] = (),
    videos: Iterable[VideoAnalysis] = (),
    mri_studies: Iterable[MriStudy] = (),
    surgeries: Iterable[Surgery] = (),
) -> list[Resource]:
    """Every resource of one patient's record, the Patient first, in a fixed order."""
    out = [patient_to_fhir(patient)]
    out += [diagnosis_to_fhir(d) for d in diagnoses]
    exported: set[int] = set()
    for session in sessions:
        out.append(session_to_fhir(session))
        out += [site_to_fhir(session, site) for site in session.sites]
        exported.add(session.id)
    out += [adverse_to_fhir(a, sessions=frozenset(exported)) for a in adverse_events]
    out += [assessment_to_fhir(a) for a in assessments]
    out += [self_rating_to_fhir(r) for r in self_ratings]
    for video in videos:
        out += video_to_fhir(video)
    out += [mri_to_fhir(m) for m in mri_studies]
    out += [surgery_to_fhir(s) for s in surgeries]
    return out


def collection_bundle(resources: Sequence[Resource], *, bundle_id: str) -> Resource:
    """A ``Bundle`` of type ``collection`` holding ``resources``."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
