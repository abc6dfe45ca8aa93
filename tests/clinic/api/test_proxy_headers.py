"""Behind a TLS proxy: the client's address comes from X-Forwarded-For only when the connection
comes from a proxy named in HEMISPASM_FORWARDED_ALLOW_IPS; otherwise the header is ignored.

The app is wrapped exactly as ``hemispasm serve`` has uvicorn wrap it (``uvicorn_options``), and
the login's audit row and session show which address the server believed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from hemispasm.clinic.app import create_app
from hemispasm.clinic.commands import uvicorn_options
from hemispasm.clinic.db.models import AuditEvent, AuthSession
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import PASSWORD, TODAY, World, make_test_settings
from tests.clinic.conftest import session_on

PROXY = "127.0.0.1"
CLIENT = "203.0.113.9"  # an address of the documentation range, as a browser's would be
LogIn = Callable[..., tuple[str | None, str | None]]


def _served(connection: Connection, settings: Settings) -> Any:
    """The app as uvicorn would run it under ``settings``."""
    app = create_app(settings, session_factory=lambda: session_on(connection), clock=lambda: TODAY)
    config = uvicorn.Config(
        app, **uvicorn_options(settings, host="127.0.0.1", port=8000, workers=1), log_config=None
    )
    config.load()
    return config.loaded_app


@pytest.fixture
def log_in(connection: Connection, db: Session, world: World) -> Iterator[LogIn]:
    """Log clinician A in through a server with the given proxies, connecting from ``peer``
    with ``X-Forwarded-For: 203.0.113.9``; returns the address the login was recorded from."""

    def go(trusted: str | None, peer: str = PROXY) -> tuple[str | None, str | None]:
        settings = make_test_settings(forwarded_allow_ips=trusted)
        app = _served(connection, settings)
        with TestClient(app, base_url="https://testserver", client=(peer, 40000)) as client:
            answer = client.post(
                "/api/v1/auth/token",
                json={"email": "clinician_a@example.org", "password": PASSWORD},
                headers={"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"},
            )
        assert answer.status_code == 200, answer.text
        audit = db.scalar(
            select(AuditEvent.client_address)
            .where(AuditEvent.action == "login")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        session = db.scalar(
            select(AuthSession.client_address).order_by(AuthSession.id.desc()).limit(1)
        )
        return audit, session

    yield go


def test_a_login_through_a_trusted_proxy_is_recorded_from_the_forwarded_address(
    log_in: LogIn,
) -> None:
    assert log_in(PROXY) == (CLIENT, CLIENT)


def test_a_trusted_network_covers_the_proxy(log_in: LogIn) -> None:
    assert log_in("10.0.0.0/8, 127.0.0.0/24") == (CLIENT, CLIENT)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(log_in: LogIn) -> None:
    assert log_in(None) == (PROXY, PROXY)


def test_a_connection_from_another_address_than_the_proxy_cannot_choose_its_address(
    log_in: LogIn,
) -> None:
    peer = "198.51.100.4"
    assert log_in(PROXY, peer) == (peer, peer)


def test_uvicorn_is_never_left_to_its_own_default_of_trusting_the_loopback_address() -> None:
    options = uvicorn_options(make_test_settings(), host="127.0.0.1", port=1, workers=1)
    assert options["proxy_headers"] is False and options["forwarded_allow_ips"] == ""
