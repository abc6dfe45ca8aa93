"""Names with bidirectional controls or zero-width characters are refused, with the field named;
names are stored in Unicode normal form C."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas import common, corrections, people, records
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic, password_hasher
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError
from tests.clinic.api.conftest import PASSWORD, World
from tests.clinic.api.refusals import API, assert_refused, mrn_count, patient_of

RLO = "\u202e"
"""RIGHT-TO-LEFT OVERRIDE: what follows it is shown reversed."""
NAME_FIELDS = {"name", "display_name", "product_name", "surgeon", "mrn", "lot"}
"""The fields that name someone or something (people read them, lists and searches show them)."""


def input_models() -> list[type[common.Input]]:
    """Every request model of the API and the forms."""
    return sorted(
        {
            model
            for module in (common, corrections, people, records)
            for _, model in inspect.getmembers(module, inspect.isclass)
            if issubclass(model, common.Input) and model.model_fields
        },
        key=lambda model: model.__name__,
    )


def name_fields() -> list[tuple[str, str, Any]]:
    """(model, field, the field's type with its limits) of every name field of every model."""
    return [
        (model.__name__, field, Annotated[(info.annotation, *info.metadata)])
        for model in input_models()
        for field, info in model.model_fields.items()
        if field in NAME_FIELDS
    ]


def test_every_name_field_refuses_an_override_and_stores_normal_form_c() -> None:
    fields = name_fields()
    assert {field for _, field, _ in fields} == NAME_FIELDS
    for model, field, kind in fields:
        adapter = TypeAdapter(kind)
        with pytest.raises(ValidationError, match="U\\+202E"):
            adapter.validate_python(f"Ann{RLO}a")
        assert adapter.validate_python("Jose\u0301") == "Jos\u00e9", (model, field)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/patients", {"mrn": "A-500", "name": f"{RLO}Demo Patient"}, "name"),
        ("/patients", {"mrn": f"A-500{RLO}", "name": "Demo Patient"}, "mrn"),
        ("/patients", {"mrn": "A-500", "name": "Demo\u200bPatient"}, "name"),
        ("/patients", {"mrn": "A-500", "name": "Demo\ufeffPatient"}, "name"),
    ],
)
def test_it_refuses_a_patient_whose_name_hides_characters(
    client: TestClient, world: World, path: str, body: dict[str, Any], field: str
) -> None:
    r = client.post(f"{API}{path}", json=body, headers=world["clinician_a"].headers)
    assert "invisible formatting characters" in assert_refused(r, 422, field)["detail"]
    assert mrn_count(client, world, "A-500") == 0


def test_a_patient_name_is_stored_in_normal_form_c_and_found_as_typed(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    made = client.post(
        f"{API}/patients", json={"mrn": "A-501", "name": "Jose\u0301 Demo"}, headers=h
    )
    assert made.status_code == 201 and made.json()["name"] == "Jos\u00e9 Demo"
    found = client.get(f"{API}/patients", params={"q": "Jos\u00e9"}, headers=h).json()
    assert [p["mrn"] for p in found["items"]] == ["A-501"]


def test_it_refuses_a_renaming_that_hides_characters(client: TestClient, world: World) -> None:
    pid = world.patients["P1"]
    r = client.patch(
        f"{API}/patients/{pid}",
        json={"name": "Demo\u2066 Patient"},
        headers=world["clinician_a"].headers,
    )
    assert_refused(r, 422, "name")
    assert patient_of(client, world)["name"] == "Demo Patient P1"
    user = world["clinician_a"].user.id
    r = client.patch(
        f"{API}/users/{user}",
        json={"display_name": "Dr\u200d Who"},
        headers=world["admin_a"].headers,
    )
    assert_refused(r, 422, "display_name")


def test_the_services_refuse_a_clinic_or_user_name_that_hides_characters(
    db: Session, settings: Settings
) -> None:
    with pytest.raises(ClinicalDataError, match=r"^clinic: must not contain invisible"):
        get_or_create_clinic(db, f"Clinic{RLO} A")
    clinic = get_or_create_clinic(db, "Clinic Cafe\u0301")
    assert clinic.name == "Clinic Caf\u00e9"
    with pytest.raises(ClinicalDataError, match=r"^display_name: must not contain invisible"):
        create_user(
            db,
            hasher=password_hasher(settings),
            clinic=clinic,
            email="new@example.org",
            password=PASSWORD,
            role=Role.CLINICIAN,
            display_name="Dr\u2060 New",
        )
