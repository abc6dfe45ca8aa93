"""The pure mapping: records to resources and back, one resource at a time."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    InjectionSide,
    Muscle,
    Reporter,
    Severity,
)
from hemispasm.clinic.fhir import codes as C
from hemispasm.clinic.fhir.from_fhir import parse_resource
from hemispasm.clinic.fhir.reading import FhirFieldError
from hemispasm.clinic.fhir.to_fhir import adverse_to_fhir


def _adverse(**changes: Any) -> Any:
    values = {
        "id": 3,
        "patient_id": 1,
        "session_id": 7,
        "effect": AdverseEffect.PTOSIS,
        "severity": Severity.MILD,
        "onset_on": date(2026, 3, 2),
        "resolved_on": None,
        "reported_by": Reporter.PATIENT,
        "notes": None,
    }
    return SimpleNamespace(**(values | changes))


def test_every_face_map_site_code_reads_back_as_its_side_and_muscle() -> None:
    for muscle in Muscle:
        for side in InjectionSide:
            assert C.parse_site_code(C.site_code(side, muscle)) == (side, muscle)


def test_an_unknown_face_map_site_is_refused_with_the_code() -> None:
    with pytest.raises(ValueError, match=r"unknown face-map site 'left\.nose'"):
        C.parse_site_code("left.nose")


def test_a_side_effect_names_its_session_only_when_that_session_is_exported_too() -> None:
    linked = adverse_to_fhir(_adverse(), sessions=frozenset({7}))
    assert linked["suspectEntity"] == [{"instance": {"reference": "Procedure/session-7"}}]
    assert "suspectEntity" not in adverse_to_fhir(_adverse(), sessions=frozenset({8}))


def test_a_side_effect_reads_back_as_it_was_written() -> None:
    parsed = parse_resource(adverse_to_fhir(_adverse(resolved_on=date(2026, 3, 20))))
    assert parsed.kind == "adverse"
    assert parsed.links == {"patient": "patient-1", "session": "session-7"}
    assert parsed.values["resolved_on"] == date(2026, 3, 20)
    assert parsed.values["effect"] is AdverseEffect.PTOSIS


def test_a_resource_of_a_type_the_clinic_does_not_keep_is_refused() -> None:
    with pytest.raises(FhirFieldError, match=r"resourceType: expected one of .*got 'Encounter'"):
        parse_resource({"resourceType": "Encounter", "id": "e1", "status": "finished"})


def test_a_dose_in_another_unit_is_refused() -> None:
    resource = {
        "resourceType": "MedicationAdministration",
        "id": "site-1",
        "status": "completed",
        "medicationCodeableConcept": {"text": "toxin"},
        "subject": {"reference": "Patient/patient-1"},
        "effectiveDateTime": "2026-01-05",
        "partOf": [{"reference": "Procedure/session-1"}],
        "dosage": {
            "site": {"coding": [{"system": C.CS_FACE_MAP_SITE, "code": "left.frontalis"}]},
            "dose": {"value": 0.1, "system": C.UCUM, "code": "mL"},
        },
    }
    with pytest.raises(FhirFieldError, match=r"dosage.dose: expected UCUM \[iU\]"):
        parse_resource(resource)
