"""The vials and consent on a session's page, and the dose history page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import SessionConsent, SessionVial
from tests.clinic.api.conftest import World
from tests.clinic.api.test_audit import audit_rows, detail_of
from tests.clinic.bodies import session_body, site
from tests.clinic.web.conftest import PASSWORD, csrf_token, log_in, post_login, text_of

VIAL = {
    "lot": "C1234",
    "expiry_on": "2027-01-31",
    "vial_units": "100",
    "diluent_ml": "2.5",
    "units_drawn_up": "10",
}


def a_session(client: TestClient, world: World, on: str = "2026-05-01", **changes: object) -> str:
    """The page of a new session of P1 (two sites, 5 U in all, unless changed)."""
    pid = world.patients["P1"]
    r = client.post(
        f"/api/v1/patients/{pid}/sessions",
        json=session_body(on, **changes),
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text
    return f"/patients/{pid}/sessions/{r.json()['id']}"


def patient_token(client: TestClient) -> str:
    """Log patient_p1 in; the CSRF token of their session (read from the diary page)."""
    r = post_login(client, {"email": "patient_p1@example.org", "password": PASSWORD})
    assert r.status_code == 303, r.text
    return csrf_token(client.get("/me/diary").text)


def stored(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None))) or 0


def test_a_clinician_adds_a_vial_and_sees_its_concentration_and_the_wastage(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")

    r = client.post(f"{page}/vials", data=VIAL | {"csrf_token": token})

    assert r.status_code == 303 and r.headers["location"] == f"{page}#vials-h"
    text = text_of(client.get(page).text)
    assert "C1234 31 Jan 2027 100 U 2.5 mL 4 U per 0.1 mL 10 U" in text
    assert "Drawn up 10 U Injected (the sites above) 5 U Wasted 5 U" in text
    (row,) = audit_rows(db, action="update", entity="session_records")
    assert detail_of(row)["changes"]["vials"]["before"] == []
    assert row.user_id == world["clinician_a"].user.id


def test_the_printed_session_shows_the_vials_and_consent_without_the_forms(
    client: TestClient, world: World
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    client.post(f"{page}/vials", data=VIAL | {"csrf_token": token})
    client.post(
        f"{page}/consent",
        data={"consented_on": "2026-05-01", "kind": "written", "csrf_token": token},
    )
    printed = client.get(f"{page}/print")
    assert printed.status_code == 200
    text = text_of(printed.text)
    assert "C1234" in text and "Written, signed today" in text
    assert "Add the vial" not in text and "Record the consent" not in text


def test_more_injected_than_drawn_up_shows_a_warning(client: TestClient, world: World) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    client.post(f"{page}/vials", data=VIAL | {"units_drawn_up": "4", "csrf_token": token})
    text = text_of(client.get(page).text)
    assert "Wasted -1 U" in text
    assert "Does not add up: 5 U were injected but only 4 U drawn up" in text


def test_an_expired_vial_is_refused_next_to_its_field_and_nothing_is_stored(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")

    r = client.post(f"{page}/vials", data=VIAL | {"expiry_on": "2026-04-30", "csrf_token": token})

    assert r.status_code == 422
    error = re.search(r'id="vial-expiry_on-error">(.*?)</p>', r.text)
    assert error and "2026-04-30 is before the session's date 2026-05-01" in text_of(error[1])
    assert 'value="C1234"' in r.text  # the values typed stay in the form
    assert stored(db, SessionVial) == 0
    assert not audit_rows(db, action="update", entity="session_records")


def test_a_missing_or_non_numeric_amount_is_named(client: TestClient, world: World) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    r = client.post(
        f"{page}/vials",
        data=VIAL | {"diluent_ml": "two", "lot": "", "csrf_token": token},
    )
    assert r.status_code == 422
    assert 'id="vial-diluent_ml-error"' in r.text and 'id="vial-lot-error"' in r.text
    assert "Enter the saline added, in mL as a number" in text_of(r.text)


def test_a_vial_can_be_removed_and_stays_in_the_database(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    client.post(f"{page}/vials", data=VIAL | {"csrf_token": token})
    (vial_id,) = db.scalars(select(SessionVial.id)).all()

    r = client.post(f"{page}/vials/{vial_id}/remove", data={"csrf_token": token})

    assert r.status_code == 303
    assert "No vial is recorded for this session." in text_of(client.get(page).text)
    assert stored(db, SessionVial) == 0
    assert db.scalar(select(func.count()).select_from(SessionVial)) == 1


def test_a_clinician_records_the_consent_with_its_kind_and_who_recorded_it(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")

    r = client.post(
        f"{page}/consent",
        data={"consented_on": "2026-04-20", "kind": "on_file", "notes": "", "csrf_token": token},
    )

    assert r.status_code == 303
    text = text_of(client.get(page).text)
    assert "Given on 20 Apr 2026 Kind On file from an earlier visit Recorded by You" in text
    (row,) = db.scalars(select(SessionConsent)).all()
    assert row.recorded_by == world["clinician_a"].user.id


def test_a_consent_after_the_session_is_refused_naming_the_date(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    r = client.post(
        f"{page}/consent",
        data={"consented_on": "2026-05-02", "kind": "written", "csrf_token": token},
    )
    assert r.status_code == 422
    assert 'id="consent-consented_on-error"' in r.text
    assert "consent comes before the injection" in text_of(r.text)
    assert stored(db, SessionConsent) == 0


def test_a_patient_cannot_post_a_vial(client: TestClient, world: World, db: Session) -> None:
    page = a_session(client, world)
    token = patient_token(client)
    r = client.post(f"{page}/vials", data=VIAL | {"csrf_token": token})
    assert r.status_code == 403
    assert stored(db, SessionVial) == 0


def test_the_dose_history_page_draws_each_product_with_a_table_of_every_value(
    client: TestClient, world: World
) -> None:
    a_session(client, world, "2024-05-01")
    a_session(client, world, "2026-01-10", early_reason="test")
    a_session(
        client,
        world,
        "2026-04-01",
        early_reason="test",
        product="incobotulinumtoxinA",
        sites=[site("procerus", "right", 7.5)],
    )
    log_in(client, "clinician_a")
    pid = world.patients["P1"]
    assert f'href="/patients/{pid}/dose-history"' in client.get(f"/patients/{pid}").text

    r = client.get(f"/patients/{pid}/dose-history")

    assert r.status_code == 200
    text = text_of(r.text)
    assert text.index("incobotulinumtoxinA") < text.index("onabotulinumtoxinA")  # latest first
    assert "Left upper lid, pretarsal (orbicularis oculi)" in text
    assert "2024 1 2.5 2.5 5 2025 0 · · 0 2026 1 2.5 2.5 5 All years 2 5 5 10" in text
    assert r.text.count("<svg viewBox") == 2  # one chart per product
    assert r.text.count('<rect x="') == 2 * 2 + 1  # a segment per site and year with units


def test_a_patient_cannot_open_the_dose_history_page(client: TestClient, world: World) -> None:
    patient_token(client)
    r = client.get(f"/patients/{world.patients['P1']}/dose-history")
    assert r.status_code == 403
