"""Helpers of the bad-input tests: valid bodies to spoil, and one way to check a refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.clinic.api.conftest import World
from tests.clinic.bodies import session_body, site

__all__ = ["session_body", "site"]  # re-exported for the bad-input tests

API = "/api/v1"
RESULT_FILE = Path(__file__).parents[2] / "data" / "result_synthetic_left.json"
MISSING_ID = 987_654


def assert_refused(r: httpx2.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """``r`` has ``status``, the error body (``detail``, ``errors``) and names ``field``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert isinstance(body.get("detail"), str), body
    assert isinstance(body.get("errors"), list), body
    if field is not None:
        named = {e["field"] for e in body["errors"]}
        assert field in named or body["detail"].startswith(f"{field}:"), body
    return body


def case(value: Any) -> str:
    """A short test id for one parameter (a site shows only how it differs from ``site()``)."""
    if isinstance(value, dict) and value.keys() == site().keys():
        return ",".join(f"{k}={case(v)}" for k, v in value.items() if v != site()[k]) or "ok"
    if isinstance(value, dict):
        return ",".join(f"{k}={case(v)}" for k, v in value.items())
    if isinstance(value, list):
        return f"[{len(value)} items]" if len(value) > 3 else f"[{','.join(map(case, value))}]"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 28 else text[:25] + "..."


def add_session(client: TestClient, world: World, patient: str = "P1", **changes: Any) -> int:
    """Record a session through the API; its id."""
    pid = world.patients[patient]
    r = client.post(
        f"{API}/patients/{pid}/sessions",
        json=session_body(**changes),
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def listed(client: TestClient, world: World, path: str, patient: str = "P1") -> list[Any]:
    """The items of a record list of the patient."""
    pid = world.patients[patient]
    r = client.get(f"{API}/patients/{pid}/{path}", headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def patient_of(client: TestClient, world: World, patient: str = "P1") -> dict[str, Any]:
    """The patient as the API shows it."""
    url = f"{API}/patients/{world.patients[patient]}"
    r = client.get(url, headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def mrn_count(client: TestClient, world: World, mrn: str) -> int:
    """How many patients of clinic A match ``mrn``."""
    r = client.get(f"{API}/patients", params={"q": mrn}, headers=world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])
