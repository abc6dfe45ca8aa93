"""Too many attempts on the login form are refused on the form, like the API refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

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
