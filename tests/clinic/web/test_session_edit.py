"""Correcting and printing a stored injection session, and the defaults new forms start from."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, update

from hemispasm.clinic.db.models import AuditEvent, InjectionSession
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.web.conftest import log_in, text_of
from tests.clinic.web.test_session_form import (
    Controls,
    add_session,
    api_sessions,
    form_data,
    new_url,
    post_url,
    sites_of,
)

SITES = [
    {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5},
    {"muscle": "zygomaticus_major", "side": "left", "units": 1.25},
]


def stored(client: TestClient, world: World) -> dict[str, Any]:
    [session] = api_sessions(client, world)
    return session


def session_updates(connection: Connection, session_id: int) -> list[dict[str, Any]]:
    """The details of the session's update rows in the audit log, oldest first."""
    rows = connection.execute(
        select(AuditEvent.detail)
        .where(
            AuditEvent.action == "update",
            AuditEvent.entity == "injection_session",
            AuditEvent.entity_id == session_id,
        )
        .order_by(AuditEvent.id)
    ).scalars()
    return [json.loads(detail or "null") for detail in rows]


def edit_url(world: World, session_id: int) -> str:
    return f"{post_url(world)}/{session_id}/edit"


def test_the_correction_form_is_filled_with_the_stored_session(
    client: TestClient, world: World
) -> None:
    on = TODAY - timedelta(days=100)
    session_id = add_session(client, world, on, lot="LOT-7", notes="calm", sites=SITES)
    log_in(client, "clinician_a")
    page = client.get(edit_url(world, session_id))
    assert page.status_code == 200
    values = Controls(page.text).values
    assert values["session_on"] == on.isoformat()
    assert values["lot"] == "LOT-7" and ">calm</textarea>" in page.text
    assert values["dilution_units_per_0_1_ml"] == "2.5"
    assert sites_of(values) == [
        ("orbicularis_oculi_pretarsal_upper", "left", "2.5"),
        ("zygomaticus_major", "left", "1.25"),
    ]
    assert f'action="{edit_url(world, session_id)}"' in page.text
    assert "Correct the injection session of" in text_of(page.text)


def test_a_correction_is_saved_and_the_audit_keeps_the_values_before_it(
    client: TestClient, world: World, connection: Connection
) -> None:
    on = TODAY - timedelta(days=100)
    began = (on + timedelta(days=3)).isoformat()
    session_id = add_session(client, world, on, lot="LOT-7", effect_began_on=began, sites=SITES)
    token = log_in(client, "clinician_a")
    sites = [("orbicularis_oculi_pretarsal_upper", "left", "5"), ("corrugator", "left", "2.5")]
    data = form_data(token, sites, session_on=on.isoformat(), lot="LOT-8", doses_confirmed="yes")
    data["injector_id"] = str(world["clinician_a"].user.id)
    answer = client.post(edit_url(world, session_id), data=data)
    assert answer.status_code == 303, text_of(answer.text)
    assert answer.headers["location"] == f"{post_url(world)}/{session_id}"

    session = stored(client, world)
    assert session["lot"] == "LOT-8"
    assert [(s["muscle"], s["units"]) for s in session["sites"]] == [
        ("orbicularis_oculi_pretarsal_upper", 5.0),
        ("corrugator", 2.5),
    ]
    assert session["effect_began_on"] == began  # not on the form: left as it was

    [*_, audit] = session_updates(connection, session_id)
    assert audit["changes"]["lot"] == {"before": "LOT-7", "after": "LOT-8"}
    assert audit["changes"]["sites"]["before"] == [
        {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5},
        {"muscle": "zygomaticus_major", "side": "left", "units": 1.25},
    ]
    assert audit["changes"]["sites"]["after"][1] == {
        "muscle": "corrugator",
        "side": "left",
        "units": 2.5,
    }
    assert "effect_began_on" not in audit["changes"]


def test_a_session_without_a_recorded_injector_keeps_none_when_corrected(
    client: TestClient, world: World, connection: Connection
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100), lot="LOT-7")
    connection.execute(
        update(InjectionSession).where(InjectionSession.id == session_id).values(injector_id=None)
    )
    token = log_in(client, "clinician_a")
    page = client.get(edit_url(world, session_id))
    assert Controls(page.text).values["injector_id"] == ""
    assert '<option value="" selected>Not recorded</option>' in page.text
    data = Controls(page.text).values | {"csrf_token": token, "lot": "LOT-8"}
    assert client.post(edit_url(world, session_id), data=data).status_code == 303
    session = stored(client, world)
    assert session["lot"] == "LOT-8" and session["injector_id"] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"dilution_units_per_0_1_ml": "2,5"}, "dilution_units_per_0_1_ml", "use a point"),
        ({"session_on": (TODAY + timedelta(days=2)).isoformat()}, "session_on", "future"),
        ({"product": "snake oil"}, "product", "choose one of the listed values"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field_and_nothing_changes(
    client: TestClient,
    world: World,
    connection: Connection,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100), lot="LOT-7")
    before = stored(client, world)
    token = log_in(client, "clinician_a")
    data = form_data(token, session_on=before["session_on"], lot="LOT-8") | fields
    answer = client.post(edit_url(world, session_id), data=data)
    assert answer.status_code == 422
    assert re.search(rf'<p class="field-error" id="{field}-error">.*{message}', answer.text)
    assert "Nothing was saved" in text_of(answer.text)
    assert stored(client, world) == before
    assert session_updates(connection, session_id) == []


def test_a_correction_with_an_unknown_row_muscle_names_the_row(
    client: TestClient, world: World
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    before = stored(client, world)
    token = log_in(client, "clinician_a")
    data = form_data(token, [("earlobe", "left", "2")], session_on=before["session_on"])
    answer = client.post(edit_url(world, session_id), data=data)
    assert answer.status_code == 422
    assert "Site row 1, muscle: unknown muscle" in text_of(answer.text)
    assert stored(client, world) == before


@pytest.mark.parametrize("persona", ["patient_p1", "admin_a"])
def test_patients_and_admins_are_refused_the_correction(
    client: TestClient, world: World, connection: Connection, persona: str
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100), lot="LOT-7")
    before = stored(client, world)
    token = log_in(client, persona)
    assert client.get(edit_url(world, session_id)).status_code == 403
    data = form_data(token, session_on=before["session_on"], lot="LOT-8")
    assert client.post(edit_url(world, session_id), data=data).status_code == 403
    assert stored(client, world) == before
    assert session_updates(connection, session_id) == []


def test_another_clinics_clinician_cannot_find_the_session_to_correct(
    client: TestClient, world: World
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    token = log_in(client, "clinician_b")
    assert client.get(edit_url(world, session_id)).status_code == 404
    assert client.post(edit_url(world, session_id), data=form_data(token)).status_code == 404


def test_the_print_view_shows_the_whole_record_with_the_print_stylesheet(
    client: TestClient, world: World
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100), lot="LOT-7", sites=SITES)
    log_in(client, "clinician_a")
    view = client.get(f"{post_url(world)}/{session_id}")
    assert f'href="{post_url(world)}/{session_id}/print"' in view.text
    assert f'href="{edit_url(world, session_id)}"' in view.text
    page = client.get(f"{post_url(world)}/{session_id}/print")
    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/static/print.css">' in page.text
    text = text_of(page.text)
    assert "LOT-7" in text and "A-001" in text
    assert "Left zygomaticus major: 1.25 units" in text
    assert "Correct this session" not in text


def test_a_patient_may_not_print_the_clinics_session_record(
    client: TestClient, world: World
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    log_in(client, "patient_p1")
    assert client.get(f"{post_url(world)}/{session_id}/print").status_code == 403


# --- defaults -----------------------------------------------------------------------------------


def test_a_new_session_starts_with_the_last_sessions_product_and_dilution_but_no_sites(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=300), dilution_units_per_0_1_ml=5.0)
    add_session(
        client,
        world,
        TODAY - timedelta(days=100),
        product="incobotulinumtoxinA",
        dilution_units_per_0_1_ml=4.0,
        lot="OLD-LOT",
    )
    log_in(client, "clinician_a")
    page = client.get(new_url(world))
    values = Controls(page.text).values
    assert values["product"] == "incobotulinumtoxinA"
    assert values["dilution_units_per_0_1_ml"] == "4"
    assert values["lot"] == "" and sites_of(values) == []
    assert "Product and dilution are those of the last session" in text_of(page.text)


def test_a_first_session_starts_with_no_product(client: TestClient, world: World) -> None:
    log_in(client, "clinician_a")
    values = Controls(client.get(new_url(world)).text).values
    assert values["product"] == "" and values["dilution_units_per_0_1_ml"] == ""


def effects_url(world: World) -> str:
    return f"/patients/{world.patients['P1']}/adverse-events"


def post_effect(client: TestClient, world: World, token: str, **fields: str) -> Any:
    data = {"csrf_token": token, "effect": "ptosis", "severity": "mild"} | fields
    return client.post(f"{effects_url(world)}/new", data=data)


def stored_effect(client: TestClient, world: World) -> dict[str, Any]:
    answer = client.get(f"/api/v1{effects_url(world)}", headers=world["clinician_a"].headers)
    [effect] = answer.json()["items"]
    return dict(effect)


def test_a_new_side_effect_follows_the_latest_session_on_or_before_its_onset_by_default(
    client: TestClient, world: World
) -> None:
    older = add_session(client, world, TODAY - timedelta(days=200))
    add_session(client, world, TODAY - timedelta(days=20))
    token = log_in(client, "clinician_a")
    page = client.get(f"{effects_url(world)}/new")
    assert Controls(page.text).values["session_id"] == "followed"
    assert "The latest session on or before the day it began" in text_of(page.text)
    onset = (TODAY - timedelta(days=150)).isoformat()  # after the older session only
    answer = post_effect(client, world, token, onset_on=onset, session_id="followed")
    assert answer.status_code == 303, text_of(answer.text)
    assert stored_effect(client, world)["session_id"] == older


def test_a_side_effect_that_began_before_every_session_is_not_linked(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=20))
    token = log_in(client, "clinician_a")
    onset = (TODAY - timedelta(days=30)).isoformat()
    answer = post_effect(client, world, token, onset_on=onset, session_id="followed")
    assert answer.status_code == 303, text_of(answer.text)
    assert stored_effect(client, world)["session_id"] is None


def test_a_side_effect_left_unlinked_on_purpose_stays_unlinked(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=20))
    token = log_in(client, "clinician_a")
    answer = post_effect(client, world, token, onset_on=TODAY.isoformat(), session_id="")
    assert answer.status_code == 303, text_of(answer.text)
    assert stored_effect(client, world)["session_id"] is None


def test_a_side_effect_with_a_bad_onset_is_refused_naming_it_and_nothing_is_stored(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=20))
    token = log_in(client, "clinician_a")
    answer = post_effect(client, world, token, onset_on="4 May", session_id="followed")
    assert answer.status_code == 422
    assert "Enter a real date" in text_of(answer.text)
    listed = client.get(f"/api/v1{effects_url(world)}", headers=world["clinician_a"].headers)
    assert listed.json()["total"] == 0


def test_the_side_effect_form_of_a_patient_without_sessions_offers_no_link(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    page = client.get(f"{effects_url(world)}/new")
    assert Controls(page.text).values["session_id"] == ""
    assert 'value="followed"' not in page.text
