"""Logging in, sessions, CSRF, rate limits, account management and the audit log."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent, AuthSession
from tests.clinic.api.conftest import PASSWORD, World


def _login(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return client


def test_a_browser_login_sets_a_secure_httponly_strict_cookie(
    client: TestClient, world: World
) -> None:
    r = client.post(
        "/api/v1/auth/login", json={"email": "clinician_a@example.org", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert r.json()["user"]["role"] == "clinician"
    assert client.get("/api/v1/auth/me").json()["email"] == "clinician_a@example.org"


def test_it_refuses_a_cookie_write_without_the_csrf_token(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/auth/login", json={"email": "clinician_a@example.org", "password": PASSWORD}
    )
    csrf = r.json()["csrf_token"]
    body = {"mrn": "C-1", "name": "Demo Patient C"}
    refused = client.post("/api/v1/patients", json=body)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert (
        client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": csrf}).status_code
        == 201
    )


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/auth/token", json={"email": "clinician_a@example.org", "password": PASSWORD}
    )
    token = r.json()["access_token"]
    made = client.post(
        "/api/v1/patients",
        json={"mrn": "T-1", "name": "Demo T"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.status_code == 201


def test_it_refuses_a_wrong_password_and_an_unknown_address_alike(
    client: TestClient, world: World
) -> None:
    wrong = client.post(
        "/api/v1/auth/token",
        json={"email": "clinician_a@example.org", "password": "not the password"},
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_it_limits_login_attempts(client: TestClient, world: World) -> None:
    bad = {"email": "clinician_a@example.org", "password": "not the password"}
    codes = [client.post("/api/v1/auth/token", json=bad).status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    r = client.post("/api/v1/auth/token", json=bad | {"password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_logging_out_ends_the_token(client: TestClient, world: World) -> None:
    h = world["clinician_a"].headers
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_an_expired_token_is_refused(client: TestClient, world: World, db: Session) -> None:
    for row in db.scalars(select(AuthSession)):
        row.expires_at = row.created_at - timedelta(seconds=1)
    db.commit()
    r = client.get("/api/v1/auth/me", headers=world["clinician_a"].headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_an_admin_adds_and_deactivates_accounts_of_their_clinic(
    client: TestClient, world: World
) -> None:
    admin = world["admin_a"].headers
    made = client.post(
        "/api/v1/users",
        json={
            "email": "new@example.org",
            "password": "a long enough one",
            "role": "patient",
            "patient_id": world.patients["P2"],
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    other_clinic_patient = client.post(
        "/api/v1/users",
        json={
            "email": "x@example.org",
            "password": "a long enough one",
            "role": "patient",
            "patient_id": world.patients["Q1"],
        },
        headers=admin,
    )
    assert other_clinic_patient.status_code == 422
    token = client.post(
        "/api/v1/auth/token", json={"email": "new@example.org", "password": "a long enough one"}
    )
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    off = client.patch(f"/api/v1/users/{made.json()['id']}", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_every_read_of_patient_data_is_audited_with_who_and_where(
    client: TestClient, world: World, db: Session
) -> None:
    pid = world.patients["P1"]
    client.get(f"/api/v1/patients/{pid}/timeline", headers=world["clinician_a"].headers)
    events = db.scalars(select(AuditEvent).where(AuditEvent.patient_id == pid)).all()
    assert [(e.action, e.entity) for e in events] == [("read", "timeline")]
    event = events[0]
    assert event.user_id == world["clinician_a"].user.id
    assert event.client_address == "testclient"
    assert event.request == f"GET /api/v1/patients/{pid}/timeline"
    log = client.get(
        "/api/v1/audit-events", params={"patient_id": pid}, headers=world["admin_a"].headers
    ).json()
    assert log["total"] == 1 and log["items"][0]["entity"] == "timeline"
    other = client.get(
        "/api/v1/audit-events", params={"patient_id": pid}, headers=world["admin_b"].headers
    )
    assert other.json()["total"] == 0


def test_a_refused_read_leaves_no_data_and_no_audit_of_success(
    client: TestClient, world: World, db: Session
) -> None:
    pid = world.patients["P1"]
    r = client.get(f"/api/v1/patients/{pid}/timeline", headers=world["clinician_b"].headers)
    assert r.status_code == 404
    assert db.scalars(select(AuditEvent).where(AuditEvent.patient_id == pid)).all() == []
