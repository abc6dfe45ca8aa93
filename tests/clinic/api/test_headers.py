"""Headers of every answer: patient data is never cached nor sniffed, HTTPS is pinned when the
cookies are Secure, and the server's timing is told in development only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from hemispasm.clinic.api.headers import HSTS
from hemispasm.clinic.app import create_app
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.conftest import session_on


def client_with(connection: Connection, settings: Settings, **changes: Any) -> TestClient:
    """A client of an app with ``changes`` to the test settings."""
    app = create_app(
        settings.model_copy(update=changes),
        session_factory=lambda: session_on(connection),
        clock=lambda: TODAY,
    )
    return TestClient(app, base_url="https://testserver")


@pytest.fixture
def answers(client: TestClient, world: World) -> dict[str, Any]:
    """API answers of every kind: success, not logged in, not found, bad input, too large,
    unknown route, wrong method, too many logins."""
    h = world["clinician_a"].headers
    wrong = {"email": "nobody@example.org", "password": "not the password"}
    limited = [client.post("/api/v1/auth/token", json=wrong) for _ in range(11)][-1]
    return {
        "200": client.get("/api/v1/patients", headers=h),
        "401": client.get("/api/v1/patients"),
        "404": client.get("/api/v1/patients/987654", headers=h),
        "422": client.get("/api/v1/patients/abc", headers=h),
        "413": client.post("/api/v1/patients", content=b" " * 2_000_000, headers=h),
        "unknown route": client.get("/api/v1/no-such-thing", headers=h),
        "405": client.put("/api/v1/patients", headers=h),
        "429": limited,
    }


def test_every_api_answer_is_neither_cached_nor_sniffed(answers: dict[str, Any]) -> None:
    for kind, answer in answers.items():
        headers = answer.headers
        assert headers["cache-control"] == "no-store", kind
        assert headers["x-content-type-options"] == "nosniff", kind
    assert answers["429"].status_code == 429
    assert answers["413"].status_code == 413


def test_pages_are_not_sniffed_and_static_files_may_be_cached(client: TestClient) -> None:
    page = client.get("/login")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    script = client.get("/static/record.js")
    assert script.status_code == 200
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in script.headers


def test_https_is_pinned_only_when_the_session_cookies_are_secure(
    client: TestClient, connection: Connection, settings: Settings
) -> None:
    assert settings.cookie_secure
    for path in ("/api/v1/health", "/login", "/static/site.css"):
        assert client.get(path).headers["strict-transport-security"] == HSTS, path
    with client_with(connection, settings, cookie_secure=False) as plain:
        for path in ("/api/v1/health", "/login"):
            assert "strict-transport-security" not in plain.get(path).headers, path


def test_only_a_development_server_says_how_long_it_took(
    client: TestClient, connection: Connection, settings: Settings
) -> None:
    assert "server-timing" not in client.get("/api/v1/health").headers
    with client_with(connection, settings, environment="development") as dev:
        timing = dev.get("/api/v1/health").headers["server-timing"]
    name, _, duration = timing.partition(";dur=")
    assert name == "app" and 0 <= float(duration) < 60_000
