"""Too many attempts on the login form are refused on the form, like the API refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import PASSWORD, World, make_test_settings
from tests.clinic.web.conftest import post_login, text_of


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Two attempts a minute."""
    return make_test_settings(data_dir=tmp_path / "data", login_rate_limit="2/minute")


def test_it_refuses_the_third_attempt_in_a_minute(client: TestClient, world: World) -> None:
    creds = {"email": "clinician_a@example.org", "password": "wrong password!"}
    for _ in range(2):
        assert post_login(client, creds).status_code == 400
    refused = post_login(client, creds | {"password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many login attempts" in text_of(refused.text)


def test_a_refused_address_does_not_keep_the_owner_out_at_theirs(
    client: TestClient, world: World, db: Session
) -> None:
    attacker = TestClient(client.app, base_url="https://testserver", client=("203.0.113.9", 50000))
    creds = {"email": "clinician_a@example.org", "password": "wrong password!"}
    codes = [post_login(attacker, creds).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    owner = post_login(client, creds | {"password": PASSWORD})
    assert owner.status_code == 303 and owner.headers["location"] == "/worklist"
    refusals = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("login_%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.client_address) for e in refusals] == [
        ("login_failed", "203.0.113.9"),
        ("login_failed", "203.0.113.9"),
        ("login_limited", "203.0.113.9"),
    ]
    assert {e.request for e in refusals} == {"POST /login"}


def test_a_login_form_that_expired_is_refused_and_audited(
    client: TestClient, world: World, db: Session
) -> None:
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": "clinician_a@example.org", "password": PASSWORD, "login_token": "stale"},
    )
    assert r.status_code == 403 and "expired" in text_of(r.text)
    refused = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_refused")).one()
    assert refused.entity_id == world["clinician_a"].user.id
