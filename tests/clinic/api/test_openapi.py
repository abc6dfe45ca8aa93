"""The OpenAPI document: readable operation ids, the app's own error body, every error status an
operation can answer, and the two ways of logging in. (Whether the answers agree with it is
checked by ``test_openapi_conformance``.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient

from hemispasm.clinic.api.deps import SESSION_COOKIE
from hemispasm.clinic.app import create_app
from hemispasm.clinic.services.accounts import LoginPolicy
from tests.clinic.api.conftest import World, make_test_settings

API = "/api/v1"
SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z]+)*$")
PUBLIC = {"check_health", "log_in", "create_token"}
"""Operations that need no login."""


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The app's OpenAPI document (built without a database: it needs none)."""
    app = create_app(make_test_settings(), session_factory=lambda: None)
    return app.openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each operation as ("METHOD /path", operation)."""
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def statuses(operation: dict[str, Any]) -> set[int]:
    """The statuses an operation documents."""
    return {int(code) for code in operation["responses"]}


def test_operation_ids_are_unique_snake_case_and_free_of_path_fragments(
    document: dict[str, Any],
) -> None:
    ids = [operation["operationId"] for _, operation in operations(document)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not SNAKE_CASE.match(i)] == []
    fragments = ("api_v1", "patient_id", "record_id", "user_id", "_get", "_post", "_patch")
    assert [i for i in ids if any(f in i for f in fragments)] == []
    assert "list_patient_diagnoses" in ids and "read_patient_diagnosis" in ids


def test_every_error_answer_is_documented_as_the_apps_error_body(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ErrorBody"]["required"] == ["detail", "errors"]
    wrong = []
    for label, operation in operations(document):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                schema = response["content"]["application/json"]["schema"]
                if schema != {"$ref": "#/components/schemas/ErrorBody"}:
                    wrong.append(f"{label} {code}: {schema}")
    assert wrong == []


def test_logged_in_operations_name_both_schemes_and_answer_401_and_public_ones_neither(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == schemes["bearer"] | {"type": "http", "scheme": "bearer"}
    assert (
        schemes["session_cookie"] | {"in": "cookie", "name": SESSION_COOKIE}
        == (schemes["session_cookie"])
    )
    for label, operation in operations(document):
        if operation["operationId"] in PUBLIC:
            assert "security" not in operation, label
        else:
            assert operation["security"] == [{"bearer": []}, {"session_cookie": []}], label
            assert 401 in statuses(operation), label


@pytest.mark.parametrize(
    ("operation_id", "documented", "not_documented"),
    [
        ("log_in", {200, 400, 401, 413, 422, 429}, {403, 404, 409}),
        ("read_me", {200, 401}, {403, 404, 422}),
        ("log_out", {204, 401, 403}, {404, 422}),
        ("create_patient", {201, 400, 401, 403, 409, 413, 422}, {404, 429}),
        ("read_patient_diagnosis", {200, 401, 403, 404, 422}, {409, 413}),
        ("delete_patient_injection_session", {204, 401, 403, 404, 422}, {409, 413}),
        ("upload_video", {202, 400, 401, 403, 404, 413, 422}, {409}),
        ("list_users", {200, 401, 403}, {404, 422}),
    ],
)
def test_each_operation_documents_the_statuses_it_can_answer(
    document: dict[str, Any], operation_id: str, documented: set[int], not_documented: set[int]
) -> None:
    (operation,) = [op for _, op in operations(document) if op["operationId"] == operation_id]
    assert documented <= statuses(operation)
    assert not (not_documented & statuses(operation))


def test_a_refused_body_is_answered_with_the_documented_error_body(
    client: TestClient, world: World
) -> None:
    r = client.post(f"{API}/patients", json={"mrn": 5}, headers=world["clinician_a"].headers)
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"detail", "errors"}
    assert {"field": "mrn", "message": "Input should be a valid string"} in body["errors"]


def test_refused_logins_carry_the_documented_headers_and_body(
    client: TestClient, world: World, document: dict[str, Any]
) -> None:
    operation = schemathesis.openapi.from_dict(document)[f"{API}/auth/token"]["POST"]
    wrong: dict[str, Any] = {"email": "clinician_a@example.org", "password": "not the password"}
    answers = [
        client.post(f"{API}/auth/token", json=wrong) for _ in range(LoginPolicy().free_failures + 1)
    ]
    assert [r.status_code for r in answers[-2:]] == [401, 429]
    for answer in answers[-2:]:
        operation.Case(body=wrong).validate_response(
            answer,
            checks=[
                schemathesis.checks.status_code_conformance,
                schemathesis.checks.response_schema_conformance,
                schemathesis.checks.response_headers_conformance,
            ],
        )
    assert answers[-2].headers["WWW-Authenticate"] == "Bearer"
    assert int(answers[-1].headers["Retry-After"]) >= 1
