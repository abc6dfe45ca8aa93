"""The admin's clinic settings page: the phone number and the time zone, both or neither saved."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.clinic.web.conftest import log_in, text_of


def settings_of(client: TestClient, world: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.get(
        "/api/v1/clinic", headers=world["admin_a"].headers
    ).json()
    return answer


def test_an_admin_sets_the_phone_and_the_time_zone(client: TestClient, world: Any) -> None:
    token = log_in(client, "admin_a")
    assert 'href="/admin/clinic"' in client.get("/").text
    form = client.get("/admin/clinic")
    assert form.status_code == 200 and 'value="UTC"' in form.text
    saved = client.post(
        "/admin/clinic",
        data={"csrf_token": token, "phone": "+34 910 000 000", "time_zone": "Europe/Madrid"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/clinic?saved=true"
    assert "The clinic settings are saved." in text_of(client.get("/admin/clinic?saved=true").text)
    clinic = settings_of(client, world)
    assert (clinic["phone"], clinic["time_zone"]) == ("+34 910 000 000", "Europe/Madrid")


@pytest.mark.parametrize(
    ("phone", "time_zone", "field", "message"),
    [
        ("+34 910 000 000", "Madrid", "Time zone", "'Madrid' is not a known time zone"),
        ("+34 910 000 000", "", "Time zone", "Enter a time zone name, such as Europe/Madrid."),
        ("call reception", "Europe/Madrid", "Telephone patients call", "Enter digits"),
    ],
)
def test_a_refused_value_is_named_and_nothing_is_saved(
    client: TestClient, world: Any, phone: str, time_zone: str, field: str, message: str
) -> None:
    token = log_in(client, "admin_a")
    refused = client.post(
        "/admin/clinic", data={"csrf_token": token, "phone": phone, "time_zone": time_zone}
    )
    assert refused.status_code == 422
    text = text_of(refused.text)
    assert f"Nothing was saved. Please check: {field}: {message}" in text
    assert 'aria-invalid="true"' in refused.text
    clinic = settings_of(client, world)
    assert (clinic["phone"], clinic["time_zone"]) == (None, "UTC")


@pytest.mark.parametrize("name", ["clinician_a", "patient_p1"])
def test_only_an_admin_may_open_or_post_the_settings(
    client: TestClient, world: Any, name: str
) -> None:
    token = log_in(client, name)
    assert client.get("/admin/clinic").status_code == 403
    posted = client.post("/admin/clinic", data={"csrf_token": token, "time_zone": "Asia/Tokyo"})
    assert posted.status_code == 403
    assert settings_of(client, world)["time_zone"] == "UTC"


def test_a_form_without_the_session_token_is_refused(client: TestClient, world: Any) -> None:
    log_in(client, "admin_a")
    refused = client.post("/admin/clinic", data={"time_zone": "Asia/Tokyo"})
    assert refused.status_code == 403
    assert settings_of(client, world)["time_zone"] == "UTC"
