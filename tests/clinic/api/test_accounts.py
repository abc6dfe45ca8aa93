"""Logging in, sessions, CSRF, rate limits, account management and the audit log."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.models import AuditEvent, AuthSession
from hemispasm.clinic.services.accounts import LoginLimiter, LoginPolicy, log_in
from hemispasm.clinic.settings import Settings
from hemispasm.errors import AuthenticationError, RateLimitedError
from tests.clinic.api.conftest import PASSWORD, TODAY, World
from tests.clinic.conftest import session_on
from tests.clinic.jobs.helpers import REDIS_URL, skip_or_fail_without_redis


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


# --- login limits: per account and address, with a growing wait --------------------------------

TOKEN = "/api/v1/auth/token"
WRONG = {"email": "clinician_a@example.org", "password": "not the password"}


def from_address(client: TestClient, address: str) -> TestClient:
    """Another client of the same app, connecting from ``address``."""
    return TestClient(client.app, base_url="https://testserver", client=(address, 50000))


def test_it_slows_down_an_account_that_keeps_failing_from_one_address(
    client: TestClient, world: World
) -> None:
    free = LoginPolicy().free_failures
    codes = [client.post(TOKEN, json=WRONG).status_code for _ in range(free + 1)]
    assert codes == [401] * free + [429]
    waiting = client.post(TOKEN, json=WRONG | {"password": PASSWORD})
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1
    assert "failed to log in too often from this address" in waiting.json()["detail"]


def test_guessing_from_many_addresses_never_locks_the_owner_out(
    client: TestClient, world: World
) -> None:
    free = LoginPolicy().free_failures
    for n in range(12):  # more failures for the account than any limit would allow from one place
        attacker = from_address(client, f"203.0.113.{n + 1}")
        codes = [attacker.post(TOKEN, json=WRONG).status_code for _ in range(free + 1)]
        assert codes == [401] * free + [429]
    owner = {"email": "clinician_a@example.org", "password": PASSWORD}
    assert client.post(TOKEN, json=owner).status_code == 200  # at the owner's own address
    assert from_address(client, "198.51.100.7").post(TOKEN, json=owner).status_code == 200


def test_a_login_forgets_the_failures_of_its_account_and_address(
    client: TestClient, world: World
) -> None:
    free = LoginPolicy().free_failures
    owner = {"email": "clinician_a@example.org", "password": PASSWORD}
    for _ in range(2):  # twice the free failures in all, with a login between
        assert [client.post(TOKEN, json=WRONG).status_code for _ in range(free - 1)] == [401] * (
            free - 1
        )
        assert client.post(TOKEN, json=owner).status_code == 200


def test_one_address_trying_many_accounts_is_limited(client: TestClient, world: World) -> None:
    codes = [
        client.post(TOKEN, json={"email": f"guess{n}@example.org", "password": "x" * 10})
        for n in range(11)
    ]
    assert [r.status_code for r in codes] == [401] * 10 + [429]  # 10/minute, the default
    assert "too many login attempts from this address" in codes[-1].json()["detail"]
    other = from_address(client, "198.51.100.7")
    assert (
        other.post(
            TOKEN, json={"email": "clinician_a@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_every_refused_login_is_audited_rate_limited_ones_too(
    client: TestClient, world: World, db: Session
) -> None:
    free = LoginPolicy().free_failures
    for _ in range(free + 1):
        client.post(TOKEN, json=WRONG)
    client.post(TOKEN, json={"email": "nobody@example.org", "password": "not the password"})
    refusals = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("login_%")).order_by(AuditEvent.id)
    ).all()
    clinician = world["clinician_a"].user.id
    assert [(e.action, e.entity_id) for e in refusals] == [("login_failed", clinician)] * free + [
        ("login_limited", clinician),
        ("login_failed", None),
    ]
    assert {(e.client_address, e.request) for e in refusals} == {("testclient", f"POST {TOKEN}")}


def test_the_wait_doubles_with_each_further_failure_up_to_its_cap() -> None:
    policy = LoginPolicy(free_failures=3, first_delay_s=2, max_delay_s=20)
    assert [policy.delay_after_s(n) for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 20, 20]
    with pytest.raises(ValueError, match="max_delay_s"):
        LoginPolicy(first_delay_s=10, max_delay_s=5)


@pytest.fixture(params=["memory", "redis"])
def storage_url(request: pytest.FixtureRequest) -> str:
    """Where the limiter counts: in the process, or in Redis shared by several processes."""
    if request.param == "redis":
        skip_or_fail_without_redis()
        return REDIS_URL
    return "memory://"


def test_a_waiting_pair_is_admitted_once_its_wait_is_over(storage_url: str) -> None:
    limiter = LoginLimiter(
        "100/minute", storage_url, policy=LoginPolicy(free_failures=2, failure_memory_s=60)
    )
    email, address = f"{uuid.uuid4().hex}@example.org", "192.0.2.1"
    for _ in range(2):
        limiter.admit(email, address)
        limiter.failed(email, address)
    with pytest.raises(RateLimitedError, match="try again in 1 s") as refused:
        limiter.admit(email, address)
    assert refused.value.retry_after_s == 1
    limiter.admit(email, "192.0.2.2")  # the same account elsewhere does not wait
    time.sleep(1.1)
    limiter.admit(email, address)
    limiter.failed(email, address)
    with pytest.raises(RateLimitedError, match="try again in 2 s"):
        limiter.admit(email, address)
    limiter.succeeded(email, address)
    limiter.admit(email, address)


def test_server_processes_sharing_redis_share_the_counts() -> None:
    skip_or_fail_without_redis()
    policy = LoginPolicy(free_failures=2, failure_memory_s=60)
    first, second = (LoginLimiter("100/minute", REDIS_URL, policy=policy) for _ in range(2))
    email, address = f"{uuid.uuid4().hex}@example.org", "192.0.2.1"
    first.failed(email, address)
    second.failed(email, address)
    with pytest.raises(RateLimitedError):
        first.admit(email, address)
    second.succeeded(email, address)
    first.admit(email, address)


def test_two_server_processes_on_redis_slow_down_the_same_pair(
    connection: Connection, settings: Settings, world: World
) -> None:
    skip_or_fail_without_redis()
    shared = settings.model_copy(update={"rate_limit_storage_url": REDIS_URL})
    address = f"test-{uuid.uuid4().hex[:12]}"  # this run's own, in a Redis others share
    first, second = (
        TestClient(
            create_app(shared, session_factory=lambda: session_on(connection), clock=lambda: TODAY),
            base_url="https://testserver",
            client=(address, 50000),
        )
        for _ in range(2)
    )
    free = LoginPolicy().free_failures
    codes = [(first if n % 2 else second).post(TOKEN, json=WRONG).status_code for n in range(free)]
    assert codes == [401] * free
    assert first.post(TOKEN, json=WRONG).status_code == 429
    assert second.post(TOKEN, json=WRONG).status_code == 429


# --- an unknown e-mail costs as long as a wrong password ---------------------------------------


def test_an_unknown_email_takes_as_long_to_refuse_as_a_wrong_password(
    db: Session, world: World, settings: Settings
) -> None:
    # A cost that dominates the rest of a login (about 35 ms a check), unlike the tests' own.
    hasher = PasswordHasher(time_cost=1, memory_cost=16384, parallelism=1)
    user = world["clinician_a"].user
    user.password_hash = hasher.hash(PASSWORD)
    db.commit()
    limiter = LoginLimiter("1000/minute", policy=LoginPolicy(free_failures=1000))

    def refusal_s(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthenticationError):
            log_in(
                db,
                settings=settings,
                hasher=hasher,
                limiter=limiter,
                email=email,
                password="not the password",
                kind="bearer",
                client_address="192.0.2.1",
                request=None,
            )
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(9):  # interleaved, so that a busy moment slows both alike
        known.append(refusal_s(user.email))
        unknown.append(refusal_s("nobody@example.org"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2, f"known {known}, unknown {unknown}"


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


def test_a_refused_read_leaves_no_data_and_is_audited_as_refused(
    client: TestClient, world: World, db: Session
) -> None:
    pid = world.patients["P1"]
    r = client.get(f"/api/v1/patients/{pid}/timeline", headers=world["clinician_b"].headers)
    assert r.status_code == 404
    events = db.scalars(select(AuditEvent).where(AuditEvent.patient_id == pid)).all()
    assert [(e.action, e.entity, e.user_id) for e in events] == [
        ("refused", "timeline", world["clinician_b"].user.id)
    ]
    assert json.loads(events[0].detail or "{}") == {
        "attempted": "read",
        "status": 404,
        "reason": f"patient {pid} not found",
    }
