"""A session's vials and consent, and the dose history, through the API and its services."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import SessionConsent, SessionVial
from tests.clinic.api.conftest import World
from tests.clinic.api.test_audit import audit_rows, detail_of
from tests.clinic.bodies import session_body, site

API = "/api/v1"
VIAL = {
    "vial_units": 100,
    "lot": "C1234",
    "expiry_on": "2027-01-31",
    "diluent_ml": 2.5,
    "units_drawn_up": 10,
}
CONSENT = {"consented_on": "2026-05-01", "kind": "written"}


def a_session(client: TestClient, world: World, patient: str = "P1") -> str:
    """The records URL of a new session of ``patient`` on 2026-05-01 (2 sites, 5 U)."""
    base = f"{API}/patients/{world.patients[patient]}"
    r = client.post(
        f"{base}/sessions", json=session_body("2026-05-01"), headers=world["clinician_a"].headers
    )
    assert r.status_code == 201, r.text
    return f"{base}/sessions/{r.json()['id']}/records"


def stored(db: Session, model: Any) -> int:
    """Rows of ``model`` not marked deleted."""
    return db.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None))) or 0


def test_it_records_vials_and_consent_and_computes_the_wastage(
    client: TestClient, world: World
) -> None:
    url = a_session(client, world)
    h = world["clinician_a"].headers
    body = {"vials": [VIAL, VIAL | {"lot": "C1235", "units_drawn_up": 2.5}], "consent": CONSENT}

    r = client.put(url, json=body, headers=h)

    assert r.status_code == 200, r.text
    out = r.json()
    assert [v["lot"] for v in out["vials"]] == ["C1234", "C1235"]
    assert out["vials"][0]["units_per_0_1_ml"] == 4.0
    assert (out["drawn_up_units"], out["injected_units"], out["wasted_units"]) == (12.5, 5.0, 7.5)
    assert out["warning"] is None
    assert out["consent"]["kind"] == "written"
    assert out["consent"]["recorded_by"] == world["clinician_a"].user.id
    assert client.get(url, headers=h).json() == out


def test_more_injected_than_drawn_up_answers_a_negative_wastage_and_a_warning(
    client: TestClient, world: World
) -> None:
    url = a_session(client, world)
    r = client.put(
        url,
        json={"vials": [VIAL | {"units_drawn_up": 4}]},
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["wasted_units"] == -1.0
    assert "5 U were injected but only 4 U drawn up" in r.json()["warning"]


def test_a_change_is_audited_with_the_values_before(
    client: TestClient, world: World, db: Session
) -> None:
    url = a_session(client, world)
    h = world["clinician_a"].headers
    client.put(url, json={"vials": [VIAL], "consent": CONSENT}, headers=h)

    r = client.put(
        url, json={"vials": [VIAL | {"units_drawn_up": 7.5}], "consent": CONSENT}, headers=h
    )

    assert r.status_code == 200, r.text
    session_id = int(url.split("/")[-2])
    first, second = audit_rows(db, action="update", entity="session_records", entity_id=session_id)
    assert detail_of(first)["changes"]["consent"]["before"] is None
    changes = detail_of(second)["changes"]
    assert list(changes) == ["vials"]  # the consent did not change
    assert changes["vials"]["before"][0]["units_drawn_up"] == 10
    assert changes["vials"]["after"][0]["units_drawn_up"] == 7.5
    assert second.user_id == world["clinician_a"].user.id
    assert stored(db, SessionVial) == 1
    assert db.scalar(select(func.count()).select_from(SessionVial)) == 2  # the old one kept


def test_an_expired_vial_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, world: World, db: Session
) -> None:
    url = a_session(client, world)
    body = {"vials": [VIAL, VIAL | {"expiry_on": "2026-04-30"}], "consent": CONSENT}

    r = client.put(url, json=body, headers=world["clinician_a"].headers)

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "vials[1].expiry_on"
    assert "before the session's date 2026-05-01" in r.text
    assert stored(db, SessionVial) == 0 and stored(db, SessionConsent) == 0
    assert not audit_rows(db, action="update", entity="session_records")


def test_bad_input_is_refused_naming_the_field(client: TestClient, world: World) -> None:
    url = a_session(client, world)
    h = world["clinician_a"].headers
    cases = [
        ({"vials": [VIAL | {"diluent_ml": 0}]}, "diluent_ml"),
        ({"vials": [VIAL | {"units_drawn_up": 101}]}, "vials[0].units_drawn_up"),
        ({"vials": [VIAL | {"lot": ""}]}, "lot"),
        ({"consent": CONSENT | {"consented_on": "2026-05-02"}}, "consented_on"),
        ({"consent": CONSENT | {"kind": "telepathic"}}, "kind"),
    ]
    for body, field in cases:
        r = client.put(url, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["errors"][0]["field"], (body, r.json())
    assert client.get(url, headers=h).json()["vials"] == []


def test_a_patient_may_neither_read_nor_change_the_session_records(
    client: TestClient, world: World, db: Session
) -> None:
    url = a_session(client, world)
    h = world["patient_p1"].headers
    assert client.get(url, headers=h).status_code == 403
    assert client.put(url, json={"vials": [VIAL]}, headers=h).status_code == 403
    dose = url.split("/sessions/")[0] + "/dose-history"
    assert client.get(dose, headers=h).status_code == 403
    assert stored(db, SessionVial) == 0


def test_another_patients_session_is_not_found_under_this_patient(
    client: TestClient, world: World
) -> None:
    url = a_session(client, world, "P2")
    under_p1 = url.replace(
        f"/patients/{world.patients['P2']}/", f"/patients/{world.patients['P1']}/"
    )
    r = client.put(under_p1, json={"vials": [VIAL]}, headers=world["clinician_a"].headers)
    assert r.status_code == 404, r.text


def test_the_dose_history_sums_each_product_per_year_and_site(
    client: TestClient, world: World
) -> None:
    h = world["clinician_a"].headers
    base = f"{API}/patients/{world.patients['P1']}"
    for on in ("2024-11-02", "2025-03-01", "2026-05-01"):
        client.post(f"{base}/sessions", json=session_body(on, early_reason="test"), headers=h)
    abo = session_body(
        "2026-06-01",
        product="abobotulinumtoxinA",
        early_reason="test",
        sites=[site("procerus", "right", 10)],
    )
    assert client.post(f"{base}/sessions", json=abo, headers=h).status_code == 201

    r = client.get(f"{base}/dose-history", headers=h)

    assert r.status_code == 200, r.text
    abo_history, ona = r.json()["products"]
    assert abo_history["product"] == "abobotulinumtoxinA" and abo_history["total_units"] == 10
    assert [(y["year"], y["units_by_site"], y["total_units"]) for y in ona["years"]] == [
        (2024, [2.5, 2.5], 5.0),
        (2025, [2.5, 2.5], 5.0),
        (2026, [2.5, 2.5], 5.0),
    ]
    assert ona["sites"][0] == {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left"}
