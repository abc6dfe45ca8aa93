"""schemathesis sends every operation of the OpenAPI document requests generated from it, as a
clinician and as a patient, to the app in-process, and checks each answer against the document:
no server error, a documented status, a body that fits the documented schema, the documented
content type and the documented headers.

Each operation runs on the authorization matrix's scene (every patient with a record of each
kind), inside a savepoint rolled back after it, so a delete or a logout leaves the next operation
its records and its token. Path ids are drawn from the scene's records (so that answers besides
404 are checked too) or generated; bodies and queries are generated valid and invalid.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import PatientFilter, list_patients
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.api.test_authorization import (  # noqa: F401 (fixtures used by name)
    API,
    Scene,
    client,
    scene,
    settings,
)

EXAMPLES_PER_OPERATION = int(os.environ.get("HEMISPASM_OPENAPI_EXAMPLES", "8"))
"""Per operation and caller (about 550 requests per caller at 8; set the variable higher for a
longer search)."""
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
SEEN = {
    "clinician_a": {200, 201, 204, 400, 401, 403, 404, 422},
    "patient_p1": {200, 201, 400, 401, 403, 404, 422},
}
"""Statuses each caller must have met, so that more than refusals were checked."""
CALLERS = tuple(SEEN)


def path_choices(stage: Scene, operation: APIOperation) -> st.SearchStrategy[dict[str, Any]]:
    """Path parameters aimed at the scene's records (P1's, the clinic's entry of P1's, P2's and
    another clinic's Q1's), or none given (schemathesis generates them all)."""
    names = {parameter.name for parameter in operation.path_parameters}
    parts = operation.path.removeprefix(API).split("/")
    kind = parts[3] if len(parts) > 3 else ""
    world = stage.world
    choices = []
    for owner in ("P1", "P1 by clinic", "P2", "Q1"):
        patient = owner.split()[0]
        values: dict[str, Any] = {}
        if "patient_id" in names:
            values["patient_id"] = world.patients[patient]
        if "record_id" in names and (kind, owner) in stage.records:
            values["record_id"] = stage.records[kind, owner]
        if "key" in names:
            values["key"] = "e1"
        choices.append(values)
    if "user_id" in names:
        choices = [{"user_id": world[name].user.id} for name in ("admin_a", "patient_p1")]
    return st.one_of(st.sampled_from(choices), st.just({}))


def run_operation(
    operation: APIOperation, stage: Scene, call: Callable[[Any], None], examples: int
) -> None:
    """Send ``examples`` generated requests to ``operation`` through ``call``."""

    @given(data=st.data())
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
        path = data.draw(path_choices(stage, operation))
        case = data.draw(operation.as_strategy(mode, path_parameters=path or None))
        call(case)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("caller", CALLERS)
def test_every_answer_is_one_the_openapi_document_describes(
    client: TestClient,  # noqa: F811
    scene: Scene,  # noqa: F811
    connection: Connection,
    caller: str,
) -> None:
    document = client.app.openapi()  # type: ignore[attr-defined]
    schema = schemathesis.openapi.from_dict(document)
    headers = scene.world[caller].headers
    app = client.app

    seen: Counter[int] = Counter()

    def call(case: Any) -> None:
        response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
        seen[response.status_code] += 1

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"schemathesis cannot read an operation: {result.err()}"
        operation = result.ok()
        operations += 1
        savepoint = connection.begin_nested()
        try:
            run_operation(operation, scene, call, EXAMPLES_PER_OPERATION)
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all are listed
            failures.append(f"{operation.label} as {caller}:\n{exc}")
        finally:
            savepoint.rollback()
    assert operations == sum(len(methods) for methods in document["paths"].values())
    assert not failures, f"{len(failures)} operations disagree with the document:\n\n" + (
        "\n\n".join(failures)
    )
    assert sum(seen.values()) >= operations * EXAMPLES_PER_OPERATION // 2, seen
    assert SEEN[caller] <= set(seen), f"statuses met: {dict(seen)}"


# --- what the conformance run found, kept as examples -------------------------------------------


@pytest.mark.parametrize("units", [-1.7976931348623157e308, 1e307])
def test_a_dose_limit_too_large_to_count_in_steps_is_refused_naming_the_field(
    client: TestClient,  # noqa: F811
    world: World,
    units: float,
) -> None:
    limit = {
        "product": "onabotulinumtoxinA",
        "max_units_per_site": 5,
        "max_units_per_session": 50,
        "max_units_per_lower_face_site": units,
    }
    r = client.patch(
        f"{API}/clinic", json={"dose_limits": [limit]}, headers=world["admin_a"].headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "dose_limits[0].max_units_per_lower_face_site"


def test_a_search_with_a_control_character_is_refused_naming_q(
    client: TestClient,  # noqa: F811
    world: World,
) -> None:
    r = client.get(
        f"{API}/patients", params={"q": "Demo\x00"}, headers=world["clinician_a"].headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "q"


def test_a_search_with_a_nul_finds_no_patient_on_either_database(db: Session, world: World) -> None:
    clinician = world["clinician_a"].user
    actor = Actor(
        user_id=clinician.id,
        clinic_id=clinician.clinic_id,
        role=Role.CLINICIAN,
        patient_id=None,
        request="worklist search (test)",
        today=TODAY,
    )
    found = list_patients(db, actor, PatientFilter(q="Demo\x00"), page=1, page_size=10)
    assert found.total == 0 and list(found.items) == []
    assert list_patients(db, actor, PatientFilter(q="Demo"), page=1, page_size=10).total == 2
