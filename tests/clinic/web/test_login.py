"""Logging in and out through the HTML form, and where each role lands."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.api.deps import SESSION_COOKIE
from tests.clinic.api.conftest import PASSWORD, World
from tests.clinic.web.conftest import csrf_token, log_in, post_login, text_of


def test_the_login_form_labels_its_fields_and_asks_the_browser_to_fill_them(
    client: TestClient,
) -> None:
    html = client.get("/login").text
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert '<html lang="en">' in html and 'href="#main"' in html


@pytest.mark.parametrize(
    ("name", "home"),
    [("clinician_a", "/worklist"), ("patient_p1", "/me"), ("admin_a", "/")],
)
def test_it_sends_each_role_to_its_start_page(
    client: TestClient, world: World, name: str, home: str
) -> None:
    response = post_login(client, {"email": f"{name}@example.org", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == home
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()


def test_the_page_cookie_also_works_for_the_api(client: TestClient, world: World) -> None:
    log_in(client, "clinician_a")
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["email"] == "clinician_a@example.org"


@pytest.mark.parametrize(
    ("email", "password"),
    [("clinician_a@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)],
)
def test_it_shows_the_same_error_for_a_wrong_password_or_address(
    client: TestClient, world: World, email: str, password: str
) -> None:
    response = post_login(client, {"email": email, "password": password})
    assert response.status_code == 400
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert "Wrong e-mail address or password." in text_of(response.text)
    assert f'value="{email}"' in response.text  # the address is kept, the password is not
    assert password not in response.text


def test_it_returns_to_the_page_asked_for_but_never_to_another_site(
    client: TestClient, world: World
) -> None:
    pid = world.patients["P1"]
    asked = client.get(f"/patients/{pid}")
    assert asked.status_code == 303 and asked.headers["location"] == f"/login?next=/patients/{pid}"
    assert f'name="next" value="/patients/{pid}"' in client.get(asked.headers["location"]).text
    creds = {"email": "clinician_a@example.org", "password": PASSWORD}
    back = post_login(client, creds | {"next": f"/patients/{pid}"})
    assert back.headers["location"] == f"/patients/{pid}"
    away = post_login(client, creds | {"next": "//evil.example/x"})
    assert away.headers["location"] == "/worklist"


@pytest.mark.parametrize("path", ["/", "/worklist", "/me", "/patients/1"])
def test_it_sends_anonymous_visitors_to_the_login_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_log_out_ends_the_session(client: TestClient, world: World) -> None:
    token = log_in(client, "clinician_a")
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/worklist").headers["location"].startswith("/login")


def test_a_form_posted_with_the_cookie_needs_the_csrf_token(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post("/logout", data=data)
        assert refused.status_code == 403
        assert "expired" in text_of(refused.text)
    assert client.get("/worklist").status_code == 200  # still logged in
    assert csrf_token(client.get("/worklist").text) == token


def test_it_keeps_the_query_when_sending_a_visitor_to_log_in(client: TestClient) -> None:
    response = client.get("/worklist?due=due_soon")
    assert response.headers["location"] == "/login?next=/worklist%3Fdue%3Ddue_soon"
    assert (
        'name="next" value="/worklist?due=due_soon"'
        in client.get(response.headers["location"]).text
    )


def test_a_login_posted_without_the_forms_token_is_refused(
    client: TestClient, world: World
) -> None:
    creds = {"email": "clinician_a@example.org", "password": PASSWORD}
    refused = client.post("/login", data=creds)
    assert refused.status_code == 403
    assert "came from another site" in refused.text
    assert "hemispasm_session" not in refused.headers.get("set-cookie", "")
    client.get("/login")  # a token cookie of this browser, but a forged field
    assert client.post("/login", data=creds | {"login_token": "forged"}).status_code == 403
