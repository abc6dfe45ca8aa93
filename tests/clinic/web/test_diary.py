"""The patient's diary (/me/diary): ratings, the effect's start and wear-off, side effects.

Every change is read back through the JSON API; refused input must leave nothing behind.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.web.i18n import format_day
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.bodies import session_body, site
from tests.clinic.web.conftest import csrf_token, log_in, text_of

URGENT_ALERT = '<div class="urgent-alert" role="alert"'
LATEST = TODAY - timedelta(days=40)
EARLIER = LATEST - timedelta(days=100)


def _session(on: date, **course: date) -> dict[str, Any]:
    """A session with one site, and its course dates."""
    return session_body(on, sites=[site()], **course)


def _api(client: TestClient, world: World, patient: str, kind: str) -> list[dict[str, Any]]:
    """The patient's records of ``kind`` as a clinician of the clinic reads them, newest first."""
    response = client.get(
        f"/api/v1/patients/{world.patients[patient]}/{kind}",
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def sessions(client: TestClient, world: World) -> World:
    """P1 was injected 140 and 40 days ago; P2 once, 30 days ago. Nothing marked yet."""
    for patient, on in (("P1", EARLIER), ("P1", LATEST), ("P2", TODAY - timedelta(days=30))):
        response = client.post(
            f"/api/v1/patients/{world.patients[patient]}/sessions",
            json=_session(on),
            headers=world["clinician_a"].headers,
        )
        assert response.status_code == 201, response.text
    return world


@pytest.fixture
def p1(client: TestClient, sessions: World) -> str:
    """P1 logged in; the CSRF token of their session."""
    return log_in(client, "patient_p1")


def _post(client: TestClient, path: str, token: str | None, **fields: str) -> Any:
    data = dict(fields)
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/me/diary/{path}", data=data)


def _follow(client: TestClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/me/diary?saved=")
    return str(client.get(location).text)


def _field_error(html: str, field: str) -> str:
    """The message beside ``field``; the field must point at it with aria-describedby."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown beside {field}"
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error\b', html), f"{field} not linked"
    return text_of(match.group(1))


# --- the page ----------------------------------------------------------------------------------


def test_the_diary_opens_with_todays_date_and_the_last_injection(
    client: TestClient, p1: str
) -> None:
    response = client.get("/me/diary")
    assert response.status_code == 200
    html = response.text
    assert html.count('value="2026-06-15"') >= 4  # rating, started, wore off, side effect
    assert html.count('name="csrf_token"') == 5  # four forms and the log-out form
    assert all(f'id="score-{n}"' in html for n in range(11))
    text = text_of(html)
    assert f"Injection {format_day(LATEST, 'en')}" in text and "not marked yet" in text
    assert "Trouble swallowing or breathing?" in text and URGENT_ALERT not in html
    for label in ("Seeing double", "Drooping eyelid", "Trouble breathing (urgent)"):
        assert label in text
    assert "style=" not in html and "<script>" not in html


def test_the_side_effect_form_offers_plain_words_and_what_each_severity_means(
    client: TestClient, p1: str
) -> None:
    html = client.get("/me/diary").text
    assert '<option value="other">Something else (say what in the note)</option>' in html
    assert '<option value="swallowing_difficulty">Trouble swallowing (urgent)</option>' in html
    assert "Double vision" not in html  # the clinicians' term
    text = text_of(html)
    assert "Mild I notice it, but it does not get in my way" in text
    assert "Severe It stops me doing things" in text
    assert text.count("Note (if you like)") == 2 and "Notes" not in text


def test_every_id_on_the_diary_is_unique(client: TestClient, p1: str) -> None:
    response = _post(client, "rating", p1, score="12", note="x")  # with its error messages
    ids = re.findall(r'\sid="([^"]+)"', response.text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert "score-error" in ids


def test_without_an_injection_there_is_nothing_to_mark(client: TestClient, world: World) -> None:
    token = log_in(client, "patient_p2")
    text = text_of(client.get("/me/diary").text)
    assert "No injection is recorded yet" in text
    response = _post(client, "effect-began", token, effect_began_on=str(TODAY))
    assert response.status_code == 422
    assert "Day it started working: no injection is recorded yet" in text_of(response.text)


# --- ratings -----------------------------------------------------------------------------------


def test_a_rating_is_saved_for_today_and_read_back(
    client: TestClient, sessions: World, p1: str
) -> None:
    response = _post(client, "rating", p1, score="7", rated_on=str(TODAY), note=" worse today ")
    page = _follow(client, response)
    assert "Your rating is saved" in text_of(page)
    (rating,) = _api(client, sessions, "P1", "self-ratings")
    assert (rating["score"], rating["rated_on"], rating["note"]) == (7, "2026-06-15", "worse today")
    assert "15 Jun 2026 7 of 10" in text_of(page)


def test_a_rating_can_be_for_an_earlier_day_and_without_a_note(
    client: TestClient, sessions: World, p1: str
) -> None:
    _follow(client, _post(client, "rating", p1, score="0", rated_on="2026-06-01"))
    (rating,) = _api(client, sessions, "P1", "self-ratings")
    assert (rating["score"], rating["rated_on"], rating["note"]) == (0, "2026-06-01", None)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"score": "11"}, "score", "Choose a number from 0"),
        ({"score": "-1"}, "score", "Choose a number from 0"),
        ({"score": ""}, "score", "Choose a number from 0"),
        ({"score": "seven"}, "score", "Choose a number from 0"),
        ({"score": "5", "rated_on": "2026-06-16"}, "rated_on", "2026-06-16 is in the future"),
        ({"score": "5", "rated_on": "yesterday"}, "rated_on", "Enter a date, such as 15 Jun 2026"),
        ({"score": "5", "rated_on": "1959-12-31"}, "rated_on", "before your birth date"),
        ({"score": "5", "note": "x" * 5001}, "note", "at most 5000 characters"),
    ],
)
def test_a_bad_rating_is_refused_beside_its_field_and_nothing_is_saved(
    client: TestClient,
    sessions: World,
    p1: str,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = _post(client, "rating", p1, **({"rated_on": str(TODAY)} | fields))
    assert response.status_code == 422
    assert message in _field_error(response.text, field)
    assert "Nothing was saved" in text_of(response.text)
    assert _api(client, sessions, "P1", "self-ratings") == []


def test_a_refused_rating_keeps_what_was_entered(client: TestClient, p1: str) -> None:
    response = _post(client, "rating", p1, score="4", rated_on="2026-06-20", note="after work")
    assert response.status_code == 422
    html = response.text
    assert 'id="score-4" name="score" value="4" checked' in html
    assert 'value="2026-06-20"' in html and ">after work</textarea>" in html


# --- the effect of the current injection -------------------------------------------------------


def test_the_start_and_the_wear_off_are_set_on_the_latest_injection(
    client: TestClient, sessions: World, p1: str
) -> None:
    began = LATEST + timedelta(days=5)
    page = _follow(client, _post(client, "effect-began", p1, effect_began_on=str(began)))
    assert "started working" in text_of(page)
    page = _follow(client, _post(client, "wore-off", p1, wore_off_on=str(TODAY)))
    assert "the effect wore off" in text_of(page)
    latest, earlier = _api(client, sessions, "P1", "cycles")
    assert latest["session_on"] == LATEST.isoformat()
    assert (latest["effect_began_on"], latest["wore_off_on"]) == (began.isoformat(), "2026-06-15")
    assert latest["course_reported_by"] == "patient" and latest["effect_days"] == 35
    assert earlier["effect_began_on"] is None and earlier["wore_off_on"] is None
    assert "Wore off 15 Jun 2026 (35 days)" in text_of(page)


def test_marking_a_day_again_corrects_it(client: TestClient, sessions: World, p1: str) -> None:
    _follow(client, _post(client, "effect-began", p1, effect_began_on=str(LATEST)))
    _follow(client, _post(client, "effect-began", p1, effect_began_on=str(LATEST + timedelta(2))))
    latest = _api(client, sessions, "P1", "cycles")[0]
    assert latest["effect_began_on"] == (LATEST + timedelta(2)).isoformat()
    page = client.get("/me/diary").text  # the form now offers the marked day
    assert f'id="effect_began_on" name="effect_began_on" value="{LATEST + timedelta(2)}"' in page


@pytest.mark.parametrize(
    ("path", "field", "on", "message"),
    [
        ("wore-off", "wore_off_on", LATEST + timedelta(days=3), "before the day it started"),
        ("wore-off", "wore_off_on", LATEST - timedelta(days=1), "before the day it started"),
        ("wore-off", "wore_off_on", TODAY + timedelta(days=1), "is in the future"),
        ("effect-began", "effect_began_on", TODAY + timedelta(days=1), "is in the future"),
        ("effect-began", "effect_began_on", LATEST - timedelta(days=1), "before the injection"),
    ],
)
def test_an_impossible_effect_date_is_refused_and_nothing_changes(
    client: TestClient, sessions: World, p1: str, path: str, field: str, on: date, message: str
) -> None:
    _follow(client, _post(client, "effect-began", p1, effect_began_on=str(LATEST + timedelta(5))))
    before = _api(client, sessions, "P1", "cycles")
    response = _post(client, path, p1, **{field: str(on)})
    assert response.status_code == 422
    assert message in _field_error(response.text, field)
    assert f'value="{on.isoformat()}"' in response.text  # the entry is kept
    assert _api(client, sessions, "P1", "cycles") == before


def test_a_wear_off_before_the_injection_is_refused_when_no_start_was_marked(
    client: TestClient, sessions: World, p1: str
) -> None:
    response = _post(client, "wore-off", p1, wore_off_on=str(LATEST - timedelta(days=1)))
    assert response.status_code == 422
    assert "before the injection" in _field_error(response.text, "wore_off_on")
    assert _api(client, sessions, "P1", "cycles")[0]["wore_off_on"] is None


def test_a_start_after_the_marked_wear_off_is_refused_beside_the_start(
    client: TestClient, sessions: World, p1: str
) -> None:
    _follow(client, _post(client, "wore-off", p1, wore_off_on=str(LATEST + timedelta(30))))
    response = _post(client, "effect-began", p1, effect_began_on=str(LATEST + timedelta(31)))
    assert response.status_code == 422
    assert "before the day it started working" in _field_error(response.text, "effect_began_on")


def test_an_empty_date_is_refused(client: TestClient, sessions: World, p1: str) -> None:
    response = _post(client, "effect-began", p1, effect_began_on="")
    assert response.status_code == 422
    assert "Enter a date" in _field_error(response.text, "effect_began_on")


# --- side effects ------------------------------------------------------------------------------


def test_a_side_effect_is_saved_as_reported_by_the_patient_after_its_injection(
    client: TestClient, sessions: World, p1: str
) -> None:
    page = _follow(
        client,
        _post(
            client,
            "side-effect",
            p1,
            effect="ptosis",
            severity="mild",
            onset_on=str(EARLIER + timedelta(days=6)),
            notes="left eyelid",
        ),
    )
    assert "The side effect is saved" in text_of(page) and URGENT_ALERT not in page
    (event,) = _api(client, sessions, "P1", "adverse-events")
    assert (event["effect"], event["severity"], event["reported_by"]) == (
        "ptosis",
        "mild",
        "patient",
    )
    earlier = _api(client, sessions, "P1", "sessions")[1]
    assert earlier["session_on"] == EARLIER.isoformat()
    assert event["session_id"] == earlier["id"]  # the injection it followed, not the newest
    assert event["urgent"] is False and event["notes"] == "left eyelid"
    assert "Drooping eyelid, mild" in text_of(page) and "Reported by me" in text_of(page)


@pytest.mark.parametrize("effect", ["swallowing_difficulty", "breathing_difficulty"])
def test_an_urgent_side_effect_tells_the_patient_to_get_help_at_once(
    client: TestClient, sessions: World, p1: str, effect: str
) -> None:
    response = _post(
        client, "side-effect", p1, effect=effect, severity="moderate", onset_on=str(TODAY)
    )
    assert response.status_code == 303
    assert "saved=urgent" in response.headers["location"]
    html = client.get(response.headers["location"]).text
    alert = re.search(r'<div class="urgent-alert" role="alert".*?</div>', html, re.S)
    assert alert, "no urgent message"
    assert "Get urgent medical help now" in alert.group(0) and "call the clinic" in alert.group(0)
    (event,) = _api(client, sessions, "P1", "adverse-events")
    assert event["urgent"] is True and event["effect"] == effect


def test_an_urgent_side_effect_gets_the_message_even_when_it_cannot_be_saved(
    client: TestClient, sessions: World, p1: str
) -> None:
    response = _post(
        client, "side-effect", p1, effect="breathing_difficulty", severity="", onset_on=str(TODAY)
    )
    assert response.status_code == 422
    assert URGENT_ALERT in response.text
    assert "Choose how bad it is" in _field_error(response.text, "severity")
    assert _api(client, sessions, "P1", "adverse-events") == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"effect": "hiccups"}, "effect", "Choose a side effect from the list"),
        ({"effect": ""}, "effect", "Choose a side effect from the list"),
        ({"severity": "awful"}, "severity", "Choose how bad it is"),
        ({"onset_on": "2026-06-16"}, "onset_on", "is in the future"),
        ({"onset_on": "15/06/2026"}, "onset_on", "Enter a date"),
    ],
)
def test_a_bad_side_effect_is_refused_beside_its_field_and_nothing_is_saved(
    client: TestClient,
    sessions: World,
    p1: str,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    good = {"effect": "tearing", "severity": "mild", "onset_on": str(TODAY), "notes": "my note"}
    response = _post(client, "side-effect", p1, **(good | fields))
    assert response.status_code == 422
    assert message in _field_error(response.text, field)
    assert ">my note</textarea>" in response.text
    assert URGENT_ALERT not in response.text
    assert _api(client, sessions, "P1", "adverse-events") == []


def test_side_effects_the_clinic_recorded_are_listed_too(
    client: TestClient, sessions: World, p1: str
) -> None:
    response = client.post(
        f"/api/v1/patients/{sessions.patients['P1']}/adverse-events",
        json={"effect": "diplopia", "severity": "severe", "onset_on": "2026-06-01"},
        headers=sessions["clinician_a"].headers,
    )
    assert response.status_code == 201
    text = text_of(client.get("/me/diary").text)
    assert "1 Jun 2026 Seeing double, severe" in text and "Recorded by the clinic" in text


# --- who may use the diary ---------------------------------------------------------------------


def test_a_patient_only_ever_writes_to_their_own_record(
    client: TestClient, sessions: World, p1: str
) -> None:
    other = str(sessions.patients["P2"])
    _follow(client, _post(client, "rating", p1, score="3", rated_on=str(TODAY), patient_id=other))
    _follow(client, _post(client, "wore-off", p1, wore_off_on=str(TODAY), patient_id=other))
    assert len(_api(client, sessions, "P1", "self-ratings")) == 1
    assert _api(client, sessions, "P2", "self-ratings") == []
    assert _api(client, sessions, "P2", "cycles")[0]["wore_off_on"] is None
    client.cookies.clear()
    log_in(client, "patient_p2")
    assert "3 of 10" not in text_of(client.get("/me/diary").text)


@pytest.mark.parametrize("name", ["clinician_a", "admin_a"])
def test_only_patients_have_a_diary(client: TestClient, sessions: World, name: str) -> None:
    token = log_in(client, name)
    assert client.get("/me/diary").status_code == 403
    response = _post(client, "rating", token, score="3", rated_on=str(TODAY))
    assert response.status_code == 403
    assert _api(client, sessions, "P1", "self-ratings") == []


def test_an_anonymous_visitor_is_sent_to_log_in(client: TestClient, sessions: World) -> None:
    response = client.get("/me/diary")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/me/diary"
    response = _post(client, "rating", None, score="3", rated_on=str(TODAY))
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _api(client, sessions, "P1", "self-ratings") == []


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_form_without_the_sessions_csrf_token_is_refused(
    client: TestClient, sessions: World, p1: str, token: str | None
) -> None:
    for path, fields in (
        ("rating", {"score": "3", "rated_on": str(TODAY)}),
        ("wore-off", {"wore_off_on": str(TODAY)}),
        ("side-effect", {"effect": "tearing", "severity": "mild", "onset_on": str(TODAY)}),
    ):
        response = _post(client, path, token, **fields)
        assert response.status_code == 403, path
        assert "this form has expired" in text_of(response.text)
    assert _api(client, sessions, "P1", "self-ratings") == []
    assert _api(client, sessions, "P1", "adverse-events") == []
    assert _api(client, sessions, "P1", "cycles")[0]["wore_off_on"] is None


def test_the_token_of_the_page_is_the_one_the_forms_need(client: TestClient, p1: str) -> None:
    assert csrf_token(client.get("/me/diary").text) == p1


def test_the_urgent_message_gives_the_clinics_number_once_an_admin_has_set_it(
    client: TestClient, sessions: World, p1: str
) -> None:
    def alert_text() -> str:
        html = client.get("/me/diary?saved=urgent").text
        alert = re.search(r'<div class="urgent-alert" role="alert".*?</div>', html, re.S)
        assert alert, "no urgent message"
        return text_of(alert.group(0))

    assert "call the clinic and tell them" in alert_text()  # no number set: no number shown
    admin = sessions["admin_a"].headers
    for bad in ("call reception", "12", "+1" + "2" * 40):
        refused = client.patch("/api/v1/clinic", json={"phone": bad}, headers=admin)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "phone"
    set_ = client.patch("/api/v1/clinic", json={"phone": "+44 20 7946 0000"}, headers=admin)
    assert set_.status_code == 200 and set_.json()["phone"] == "+44 20 7946 0000"
    assert "call the clinic on +44 20 7946 0000 and tell them" in alert_text()
    assert 'href="tel:+442079460000"' in client.get("/me/diary?saved=urgent").text
    cleared = client.patch("/api/v1/clinic", json={"phone": ""}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["phone"] is None
    assert "call the clinic and tell them" in alert_text()
