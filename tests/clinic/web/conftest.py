"""A client of the app with the pages installed, and helpers to log in through the login form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from hemispasm.clinic.app import create_app
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import PASSWORD, TODAY, settings, world
from tests.clinic.conftest import session_on

__all__ = ["settings", "world"]


@pytest.fixture
def client(connection: Connection, settings: Settings) -> Iterator[TestClient]:
    """A client of the API and the pages, every request inside the test's transaction."""
    app = create_app(settings, session_factory=lambda: session_on(connection), clock=lambda: TODAY)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


def log_in(client: TestClient, name: str) -> str:
    """Log ``name`` in through the form; the client keeps the cookie. Returns the CSRF token."""
    response = post_login(client, {"email": f"{name}@example.org", "password": PASSWORD})
    assert response.status_code == 303, response.text
    return csrf_token(client.get(response.headers["location"]).text)


def post_login(client: TestClient, data: dict[str, str]) -> Any:
    """Open the login form (for its login token and cookie) and post ``data`` with the token."""
    match = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
    assert match, "no login_token field on the login form"
    return client.post("/login", data=data | {"login_token": match.group(1)})


def csrf_token(html: str) -> str:
    """The CSRF token of the page's log-out form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


class TextOf(HTMLParser):
    """The visible text of a page, whitespace collapsed (script and style left out)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def text_of(html: str) -> str:
    """The visible text of ``html``."""
    return TextOf(html).text
