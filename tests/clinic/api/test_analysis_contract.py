"""The API speaks the typed contract of an analysis result: typed in the OpenAPI document, a bad
result refused with 422 naming the field, and results stored by earlier versions still read."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import VideoAnalysis
from hemispasm.report.contract import parse_result
from tests.clinic.api.conftest import World
from tests.clinic.api.refusals import API, assert_refused
from tests.clinic.web.conftest import log_in

DATA = Path(__file__).parents[2] / "data"
EARLIER = json.loads((DATA / "result_synthetic_left.json").read_text(encoding="utf-8"))
"""A result of the first clinic version (no event types, reasons or evidence)."""
CURRENT = json.loads((DATA / "result_before_contract.json").read_text(encoding="utf-8"))
"""A result of the version just before the contract."""


def _post(client: TestClient, world: World, result: Any) -> Any:
    return client.post(
        f"{API}/patients/{world.patients['P1']}/video-analyses",
        json={"recorded_on": "2026-06-01", "result": result},
        headers=world["clinician_a"].headers,
    )


def test_the_openapi_document_types_the_result_instead_of_an_open_object(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def target(ref: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = schemas[ref["$ref"].rsplit("/", 1)[-1]]
        return found

    sent = target(schemas["VideoAnalysisCreate"]["properties"]["result"])
    assert {"schema", "source", "events", "metrics", "grades"} <= set(sent["required"])
    answered = target(schemas["VideoAnalysisPublic"]["properties"]["result"])
    event = target(answered["properties"]["events"]["items"])
    assert {"type", "confidence", "evidence", "reason"} <= set(event["properties"])
    assert event["properties"]["side"]["enum"] == ["left", "right", "both"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda r: r["events"][1].update(side="top"), "result.events[1].side"),
        (lambda r: r["metrics"].pop("spasm_count"), "result.metrics.spasm_count"),
        (lambda r: r.update(schema="hemispasm.analysis/2"), "result.schema"),
        (lambda r: r["source"].update(frames="600"), "result.source.frames"),
        (lambda r: r["events"][0].update(end_s=0.0), "result.events[0].end_s"),
        (lambda r: r["source"].update(file="a\u0000.mp4"), "result.source.file"),
    ],
)
def test_a_bad_result_is_refused_with_422_naming_the_field(
    client: TestClient, world: World, edit: Any, field: str
) -> None:
    result = copy.deepcopy(CURRENT)
    edit(result)

    r = _post(client, world, result)

    body = assert_refused(r, 422)
    assert {e["field"] for e in body["errors"]} == {field}, body


def test_a_result_of_an_earlier_version_is_accepted_and_given_the_contracts_defaults(
    client: TestClient, world: World
) -> None:
    r = _post(client, world, EARLIER)

    assert r.status_code == 201, r.text
    stored = r.json()["result"]
    assert stored["affected_side_reason"] == ""
    assert stored["metrics"]["spasms_countable"] is True
    assert [e["type"] for e in stored["events"]] == [None] * len(EARLIER["events"])
    assert parse_result(stored) == parse_result(EARLIER)


def test_a_result_stored_by_an_earlier_version_reads_through_the_api_and_the_report_page(
    client: TestClient, world: World, db: Session
) -> None:
    aid = _post(client, world, CURRENT).json()["id"]
    # as an earlier version stored it: without the fields added since
    db.execute(update(VideoAnalysis).where(VideoAnalysis.id == aid).values(result=EARLIER))
    db.commit()
    pid = world.patients["P1"]

    r = client.get(
        f"{API}/patients/{pid}/video-analyses/{aid}", headers=world["clinician_a"].headers
    )

    assert r.status_code == 200, r.text
    assert r.json()["result"]["events"][0]["start_s"] == EARLIER["events"][0]["start_s"]
    assert r.json()["result"]["affected_side_reason"] == ""
    client.follow_redirects = False  # the login form answers 303
    log_in(client, "clinician_a")
    page = client.get(f"/patients/{pid}/videos/{aid}")
    assert page.status_code == 200, page.text[:500]
    assert "Spasms per minute" in page.text


def test_sending_back_the_result_read_from_the_api_changes_nothing(
    client: TestClient, world: World
) -> None:
    created = _post(client, world, CURRENT).json()
    url = f"{API}/patients/{world.patients['P1']}/video-analyses/{created['id']}"

    r = client.patch(url, json={"result": created["result"]}, headers=world["clinician_a"].headers)

    assert r.status_code == 200, r.text
    assert r.json()["result"] == created["result"]
