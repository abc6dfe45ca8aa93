"""The injection-session form around the face map, the session page, and who may use them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Clinic, User
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Role
from hemispasm.clinic.services.accounts import create_user, password_hasher
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.i18n import format_day
from hemispasm.clinic.web.pages import templates
from hemispasm.clinic.web.vocab_labels import labels_of
from tests.browser import serious_violations
from tests.clinic.api.conftest import PASSWORD, TODAY, World
from tests.clinic.web.conftest import log_in, text_of

API = "/api/v1"
PARTS = ("muscle", "side", "units")
PLAN = [
    ("orbicularis_oculi_pretarsal_upper", "left", "2.5"),
    ("orbicularis_oculi_pretarsal_lower", "left", "2.5"),
    ("orbicularis_oculi_orbital_lateral_canthus", "left", "5"),
    ("zygomaticus_major", "right", "1.25"),
]


class Controls(HTMLParser):
    """The values a browser would send for a page's form controls (selected options, inputs)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._in_template = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag == "input" and a.get("type") != "checkbox":
            self.values[a.get("name", "")] = a.get("value", "")
        elif tag == "textarea":
            self.values.setdefault(a.get("name", ""), "")
        elif tag == "select":
            self._select = a.get("name", "")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._in_template -= 1
        elif tag == "select":
            self._select = None


def sites_of(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """The filled site rows of a form, in order."""
    rows = []
    for i in range(100):
        muscle, side, units = (values.get(f"sites-{i}-{part}", "") for part in PARTS)
        row = (muscle, side, units)
        if any(row):
            rows.append(row)
    return rows


def form_data(token: str | None, sites: Any = PLAN, **fields: str) -> dict[str, str]:
    """The form as a browser posts it: the session fields, then one row per site."""
    data = {
        "session_on": TODAY.isoformat(),
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": "2.5",
        "injector_id": "",
        "lot": "",
    } | fields
    if token is not None:
        data["csrf_token"] = token
    for i, (muscle, side, units) in enumerate(sites):
        data |= {f"sites-{i}-muscle": muscle, f"sites-{i}-side": side, f"sites-{i}-units": units}
    data |= {f"sites-{len(sites)}-{part}": "" for part in ("muscle", "side", "units")}
    return data


def api_sessions(client: TestClient, world: World, patient: str = "P1") -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/patients/{world.patients[patient]}/sessions", headers=world["clinician_a"].headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def add_session(client: TestClient, world: World, on: date, **body: Any) -> int:
    payload = {
        "session_on": on.isoformat(),
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [{"muscle": "corrugator", "side": "left", "units": 2.5}],
    } | body
    response = client.post(
        f"{API}/patients/{world.patients['P1']}/sessions",
        json=payload,
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def new_url(world: World, patient: str = "P1") -> str:
    return f"/patients/{world.patients[patient]}/sessions/new"


def post_url(world: World, patient: str = "P1") -> str:
    return f"/patients/{world.patients[patient]}/sessions"


def marked_sites(html: str) -> dict[tuple[str, str], str]:
    """The map's marked sites with the units shown beside each."""
    found = re.findall(
        r'<g class="fm-site is-marked" data-muscle="([a-z_]+)" data-side="(left|right)".*?'
        r'<text class="fm-units"[^>]*>([^<]*)</text>',
        html,
        flags=re.DOTALL,
    )
    return {(m, s): units for m, s, units in found}


# --- the face map ------------------------------------------------------------------------------


def render_map(mode: str, marked: dict[str, str] | None = None, affected: str | None = None) -> str:
    return templates.get_template("session_face_map.html").render(
        map_mode=mode,
        map_marked=marked or {},
        muscle_labels={m.value: label for m, label in labels_of(Muscle).items()},
        affected_side=affected,
    )


def test_every_muscle_of_the_vocabulary_has_a_map_site_on_each_side() -> None:
    html = render_map("edit")
    sites = re.findall(r'data-muscle="([^"]+)" data-side="([^"]+)"', html)
    assert sorted(sites) == sorted((m.value, s.value) for m in Muscle for s in InjectionSide)
    assert set(labels_of(Muscle)) == set(Muscle)


def test_each_map_site_is_a_labelled_toggle_button_reachable_by_keyboard() -> None:
    html = render_map("edit", {"zygomaticus_major:left": "2"})
    buttons = re.findall(r'<g class="fm-site[^"]*"[^>]*>', html)
    assert len(buttons) == 2 * len(Muscle)
    for tag in buttons:
        assert 'tabindex="0"' in tag and 'role="button"' in tag and "aria-pressed=" in tag
    assert 'aria-pressed="true" aria-label="Left zygomaticus major, ZMa"' in html
    assert 'aria-pressed="false" aria-label="Right zygomaticus major, ZMa"' in html
    assert "style=" not in html and "<script" not in html  # the page's CSP allows neither


def test_the_map_names_the_patients_sides_and_hatches_the_affected_one() -> None:
    html = render_map("view", {"procerus:right": "2.5"}, affected="left")
    assert "Patient's right" in html and "Patient's left" in html
    # a front view: the patient's right on the viewer's left (x < 220), the left mirrored
    right = re.search(
        r'data-muscle="frontalis" data-side="right" transform="translate\((\d+)', html
    )
    left = re.search(r'data-muscle="frontalis" data-side="left" transform="translate\((\d+)', html)
    assert right and left and int(right.group(1)) < 220 < int(left.group(1))
    assert '<rect class="fm-affected" x="220"' in html and "affected side" in html
    assert "Right procerus: 2.5 units" in html  # the read-only map's description
    assert 'role="button"' not in html


def test_the_map_key_capitalises_muscles_and_a_site_puts_its_side_first() -> None:
    html = render_map("view", {"orbicularis_oculi_pretarsal_upper:left": "2.5"}, affected="right")
    assert "<dd>Upper lid, pretarsal (orbicularis oculi)</dd>" in html
    assert "<title>Left upper lid, pretarsal (orbicularis oculi): 2.5 U</title>" in html
    assert "Hatched: spasms on the right side." in html
    both = render_map("view", affected="bilateral")
    assert "Hatched: spasms on both sides (bilateral)." in both


# --- the form ----------------------------------------------------------------------------------


def test_the_form_starts_from_today_and_the_logged_in_clinician(
    client: TestClient, world: World
) -> None:
    log_in(client, "clinician_a")
    response = client.get(new_url(world))
    assert response.status_code == 200
    values = Controls(response.text).values
    assert values["session_on"] == TODAY.isoformat()
    assert values["injector_id"] == str(world["clinician_a"].user.id)
    assert values["product"] == "" and sites_of(values) == []
    for product in ("onabotulinumtoxinA", "abobotulinumtoxinA", "incobotulinumtoxinA", "other"):
        assert f'<option value="{product}"' in response.text
    assert "Start from the last session" not in response.text  # P1 has no session yet
    assert '<script src="/static/facemap.js" defer></script>' in response.text


def test_a_clinician_records_a_session_and_reads_it_back_with_volumes(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    response = client.post(post_url(world), data=form_data(token, lot="A123"))
    assert response.status_code == 303, text_of(response.text)
    [stored] = api_sessions(client, world)
    assert (
        response.headers["location"] == f"/patients/{world.patients['P1']}/sessions/{stored['id']}"
    )
    assert stored["lot"] == "A123" and stored["injector_id"] == world["clinician_a"].user.id
    assert [(s["muscle"], s["side"], s["units"], s["volume_ml"]) for s in stored["sites"]] == [
        ("orbicularis_oculi_pretarsal_upper", "left", 2.5, 0.1),
        ("orbicularis_oculi_pretarsal_lower", "left", 2.5, 0.1),
        ("orbicularis_oculi_orbital_lateral_canthus", "left", 5.0, 0.2),
        ("zygomaticus_major", "right", 1.25, 0.05),
    ]
    assert (stored["units_left"], stored["units_right"], stored["total_units"]) == (10, 1.25, 11.25)

    page = client.get(response.headers["location"])
    assert page.status_code == 200
    text = text_of(page.text)
    assert f"Injection session of {format_day(TODAY, 'en')}" in text
    assert "Lateral canthus, orbital (orbicularis oculi) Left 5 U 0.2 mL" in text
    assert "Zygomaticus major Right 1.25 U 0.05 mL" in text
    assert "Patient's right 1.25 U 0.05 mL" in text
    assert "Patient's left 10 U 0.4 mL" in text
    assert "11.25 U 0.45 mL" in text
    assert "Lot A123" in text and "Injector You" in text
    assert marked_sites(page.text) == {
        ("orbicularis_oculi_pretarsal_upper", "left"): "2.5 U",
        ("orbicularis_oculi_pretarsal_lower", "left"): "2.5 U",
        ("orbicularis_oculi_orbital_lateral_canthus", "left"): "5 U",
        ("zygomaticus_major", "right"): "1.25 U",
    }


def test_the_form_and_the_session_page_use_the_vocabularys_words(
    client: TestClient, world: World
) -> None:
    response = client.post(
        f"{API}/patients/{world.patients['P1']}/diagnoses",
        json={"affected_side": "bilateral"},
        headers=world["clinician_a"].headers,
    )
    assert response.status_code == 201, response.text
    session_id = add_session(
        client,
        world,
        TODAY - timedelta(days=100),
        product="abobotulinumtoxinA",
        dilution_units_per_0_1_ml=10.0,
        sites=[{"muscle": "depressor_anguli_oris", "side": "left", "units": 20.0}],
    )
    log_in(client, "clinician_a")
    form = client.get(new_url(world)).text
    assert '<option value="onabotulinumtoxinA">onabotulinumtoxinA (Botox)</option>' in form
    assert '<option value="other">Other product (name it below)</option>' in form
    assert '<option value="left">Left</option>' in form
    assert "spasms on both sides (bilateral)" in text_of(form)
    found = re.search(r'id="facemap-data">(.*?)</script>', form, re.S)
    assert found, "no data for the map's script"
    data = json.loads(found.group(1))
    assert data["labels"]["depressor_anguli_oris"] == "depressor anguli oris"  # after the side
    assert data["products"]["abobotulinumtoxinA"] == "abobotulinumtoxinA (Dysport)"

    text = text_of(client.get(f"{post_url(world)}/{session_id}").text)
    assert "Product abobotulinumtoxinA (Dysport)" in text
    assert "Session total of abobotulinumtoxinA (Dysport) 20 U 0.2 mL" in text
    assert "Depressor anguli oris Left 20 U" in text
    assert "Left depressor anguli oris: 20 U, above the limit of 7.5 U per site." in text
    assert "spasms on both sides (bilateral)" in text


def test_a_session_of_another_product_is_named_by_the_name_recorded(
    client: TestClient, world: World
) -> None:
    session_id = add_session(
        client, world, TODAY - timedelta(days=100), product="other", product_name="Demo toxin"
    )
    log_in(client, "clinician_a")
    text = text_of(client.get(f"{post_url(world)}/{session_id}").text)
    assert "Product Demo toxin" in text and "Session total of Demo toxin" in text
    assert "name it below" not in text


def test_start_from_last_fills_in_the_newest_sessions_product_dilution_and_sites(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=200))
    newest = [
        {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "right", "units": 10.0},
        {"muscle": "zygomaticus_minor", "side": "right", "units": 5.0},
        {"muscle": "procerus", "side": "left", "units": 7.5},
    ]
    add_session(
        client,
        world,
        TODAY - timedelta(days=100),
        product="abobotulinumtoxinA",
        dilution_units_per_0_1_ml=10.0,
        lot="OLD-LOT",
        sites=newest,
    )
    log_in(client, "clinician_a")
    plain = client.get(new_url(world)).text
    assert f'href="{new_url(world)}?from=last"' in plain
    assert "Start from the last session" in text_of(plain)

    response = client.get(f"{new_url(world)}?from=last")
    assert response.status_code == 200
    values = Controls(response.text).values
    assert values["product"] == "abobotulinumtoxinA"
    assert values["dilution_units_per_0_1_ml"] == "10"
    assert values["lot"] == "" and values["session_on"] == TODAY.isoformat()
    assert sites_of(values) == [
        ("orbicularis_oculi_pretarsal_upper", "right", "10"),
        ("zygomaticus_minor", "right", "5"),
        ("procerus", "left", "7.5"),
    ]
    assert marked_sites(response.text)[("procerus", "left")] == "7.5 U"
    assert "filled in from the session of" in text_of(response.text)


def test_the_form_shows_totals_per_side_and_each_rows_volume(
    client: TestClient, world: World
) -> None:
    add_session(
        client,
        world,
        TODAY - timedelta(days=100),
        dilution_units_per_0_1_ml=5.0,
        sites=[
            {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5},
            {"muscle": "frontalis", "side": "left", "units": 5.0},
            {"muscle": "corrugator", "side": "right", "units": 1.5},
        ],
    )
    log_in(client, "clinician_a")
    html = client.get(f"{new_url(world)}?from=last").text
    assert '<span id="total-left">7.5</span> U · <span id="total-left-ml">0.15</span> mL' in html
    assert '<span id="total-right">1.5</span> U · <span id="total-right-ml">0.03</span> mL' in html
    assert '<span id="total-units">9</span> U · <span id="total-ml">0.18</span> mL' in html
    assert "Totals of onabotulinumtoxinA" in text_of(html)
    assert re.search(r'class="num site-volume">0\.05 mL<', html)  # 2.5 U at 5 U per 0.1 mL


def test_doses_above_the_clinics_limits_are_saved_only_when_the_clinician_confirms(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    # 4 U in a lower-face muscle: above the default 2.5 U per lower-face site
    high = [*PLAN, ("depressor_anguli_oris", "left", "4")]
    refused = client.post(post_url(world), data=form_data(token, sites=high))
    assert refused.status_code == 422
    text = text_of(refused.text)
    assert "4 U is above this clinic's limit of 2.5 U per site" in text
    assert "I intend these doses" in text and 'id="doses_confirmed-error"' in refused.text
    assert api_sessions(client, world) == []
    assert sites_of(Controls(refused.text).values)[-1] == ("depressor_anguli_oris", "left", "4")

    saved = client.post(post_url(world), data=form_data(token, sites=high, doses_confirmed="yes"))
    assert saved.status_code == 303
    [stored] = api_sessions(client, world)
    assert [w["scope"] for w in stored["warnings"]] == ["site:depressor_anguli_oris:left"]
    page = text_of(client.get(saved.headers["location"]).text)
    assert "Above this clinic's dose limits" in page
    assert "Left depressor anguli oris: 4 U, above the limit of 2.5 U per site." in page


def test_a_session_total_above_the_limit_also_needs_the_confirmation(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    many = [(m.value, side.value, "4") for m in list(Muscle)[:7] for side in InjectionSide]
    refused = client.post(post_url(world), data=form_data(token, sites=many))
    assert refused.status_code == 422
    assert "56 U is above this clinic's limit of 50 U per session" in text_of(refused.text)
    assert api_sessions(client, world) == []


def test_a_session_before_the_earliest_allowed_date_needs_a_reason(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=30))
    token = log_in(client, "clinician_a")
    form = client.get(new_url(world)).text
    earliest = format_day(TODAY - timedelta(days=30) + timedelta(days=84), "en")
    assert f"Earliest allowed without a reason: {earliest}" in text_of(form)

    refused = client.post(post_url(world), data=form_data(token))
    assert refused.status_code == 422
    assert 'id="early_reason-error"' in refused.text
    assert 'aria-describedby="early_reason-hint early_reason-error" aria-invalid="true"' in (
        refused.text
    )
    iso = (TODAY - timedelta(days=30) + timedelta(days=84)).isoformat()  # the service says
    assert f"before the earliest allowed date {iso}" in text_of(refused.text)
    assert len(api_sessions(client, world)) == 1

    reason = "spasms returned fully after seven weeks"
    saved = client.post(post_url(world), data=form_data(token, early_reason=reason))
    assert saved.status_code == 303
    assert api_sessions(client, world)[0]["early_reason"] == reason
    assert reason in text_of(client.get(saved.headers["location"]).text)


BAD_INPUT = [
    pytest.param({"sites-0-muscle": "nasalis"}, "sites-0-muscle", "unknown muscle", id="muscle"),
    pytest.param({"sites-1-units": "-2"}, "sites-1-units", "more than 0", id="negative-units"),
    pytest.param({"sites-0-units": "0"}, "sites-0-units", "more than 0", id="zero-units"),
    pytest.param({"sites-0-units": "120"}, "sites-0-units", "at most 100", id="absurd-units"),
    pytest.param({"sites-2-units": "2,5"}, "sites-2-units", "a number", id="comma-units"),
    pytest.param({"sites-2-units": "lots"}, "sites-2-units", "a number", id="word-units"),
    pytest.param({"sites-3-units": ""}, "sites-3-units", "enter the units", id="empty-units"),
    pytest.param({"sites-3-units": "nan"}, "sites-3-units", "a number", id="nan-units"),
    pytest.param({"sites-0-units": "0.001"}, "sites-0-units", "multiple of 0.01", id="tiny"),
    pytest.param({"sites-0-units": "2.555"}, "sites-0-units", "multiple of 0.01", id="finer"),
    pytest.param({"sites-1-side": "middle"}, "sites-1-side", "left or right", id="side"),
    pytest.param({"sites-1-side": ""}, "sites-1-side", "left or right", id="no-side"),
    pytest.param(
        {"dilution_units_per_0_1_ml": "0"}, "dilution_units_per_0_1_ml", "more than 0", id="dil0"
    ),
    pytest.param(
        {"dilution_units_per_0_1_ml": "2.5.1"}, "dilution_units_per_0_1_ml", "a number", id="dil"
    ),
    pytest.param(
        {"dilution_units_per_0_1_ml": ""}, "dilution_units_per_0_1_ml", "required", id="no-dil"
    ),
    pytest.param({"product": "botox"}, "product", "listed", id="product"),
    pytest.param({"product": "other"}, "product_name", "name the product", id="other-unnamed"),
    pytest.param({"session_on": "15/06/2026"}, "session_on", "a date", id="date"),
    pytest.param({"session_on": "2026-06-16"}, "session_on", "in the future", id="future"),
    pytest.param({"expiry_on": "2026-01-01"}, "expiry_on", "before the date", id="expired"),
    pytest.param({"injector_id": "x1"}, "injector_id", "from the list", id="injector-text"),
    pytest.param({"lot": "L" * 65}, "lot", "at most 64", id="long-lot"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_named_next_to_its_field_and_nothing_is_written(
    client: TestClient, world: World, change: dict[str, str], field: str, message: str
) -> None:
    token = log_in(client, "clinician_a")
    data = form_data(token, lot="KEEP-ME") | change
    response = client.post(post_url(world), data=data)
    assert response.status_code == 422
    error = re.search(
        rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', response.text
    )
    assert error and message in error.group(1), error.group(1) if error else response.text
    assert re.search(
        rf'id="{re.escape(field)}"[^>]*aria-describedby="[^"]*{field}-error', response.text
    )
    assert f'href="#{field}"' in response.text  # the summary links to the field
    values = Controls(response.text).values
    assert (
        values["lot"] == data["lot"]
        and values["dilution_units_per_0_1_ml"] == data["dilution_units_per_0_1_ml"]
    )
    assert api_sessions(client, world) == []


def add_clinician(
    db: Session, settings: Settings, world: World, key: str, name: str, *, clinic: str = "A"
) -> User:
    """Another account of clinic A (or B), committed where the app's requests see it."""
    owner = world["clinician_a" if clinic == "A" else "clinician_b"].user
    row = db.get(Clinic, owner.clinic_id)
    assert row is not None
    user = create_user(
        db,
        hasher=password_hasher(settings),
        clinic=row,
        email=f"{key}@example.org",
        password=PASSWORD,
        role=Role.CLINICIAN,
        display_name=name,
    )
    db.commit()
    return user


def injector_options(html: str) -> list[tuple[str, str]]:
    """(value, label) of the injector select's options, in order."""
    select = re.search(r'<select id="injector_id".*?</select>', html, flags=re.DOTALL)
    assert select, "no injector select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))


def test_the_injector_can_be_any_clinician_of_the_clinic(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    colleague = add_clinician(db, settings, world, "colleague_a", "Clinician Colleague")
    gone = add_clinician(db, settings, world, "gone_a", "Clinician Deleted")
    gone.deleted_at = utcnow()
    db.commit()
    add_clinician(db, settings, world, "other_b", "Clinician Of B", clinic="B")
    token = log_in(client, "clinician_a")

    html = client.get(new_url(world)).text
    me = world["clinician_a"].user.id
    assert injector_options(html) == [
        (str(me), "Clinician A (you)"),
        (str(colleague.id), "Clinician Colleague"),
    ]
    assert Controls(html).values["injector_id"] == str(me)

    saved = client.post(post_url(world), data=form_data(token, injector_id=str(colleague.id)))
    assert saved.status_code == 303, text_of(saved.text)
    assert api_sessions(client, world)[0]["injector_id"] == colleague.id


@pytest.mark.parametrize("persona", ["clinician_b", "admin_a", "patient_p1"])
def test_an_injector_who_is_not_a_clinician_of_this_clinic_is_refused(
    client: TestClient, world: World, persona: str
) -> None:
    token = log_in(client, "clinician_a")
    other = str(world[persona].user.id)
    response = client.post(post_url(world), data=form_data(token, injector_id=other))
    assert response.status_code == 422
    text = text_of(response.text)
    assert f"Injector: no clinician {other} in this clinic" in text  # the summary names the field
    assert 'id="injector_id-error"' in response.text
    assert re.search(r'id="injector_id"[^>]*aria-describedby="injector_id-error"', response.text)
    assert Controls(response.text).values["injector_id"] == other  # the entry is kept
    assert api_sessions(client, world) == []


def test_an_early_date_and_doses_above_the_limits_are_reported_together(
    client: TestClient, world: World
) -> None:
    add_session(client, world, TODAY - timedelta(days=30))
    token = log_in(client, "clinician_a")
    high = [*PLAN, ("depressor_anguli_oris", "left", "4")]
    response = client.post(post_url(world), data=form_data(token, sites=high))
    assert response.status_code == 422
    text = text_of(response.text)
    assert "please check these 2 things" in text
    assert 'id="early_reason-error"' in response.text
    assert 'id="doses_confirmed-error"' in response.text
    assert "before the earliest allowed date" in text
    assert "4 U is above this clinic's limit of 2.5 U per site" in text
    # in the summary, the reason (higher on the page) before the doses
    assert text.index("Reason for an early session:") < text.index(
        "Doses above the clinic's limits:"
    )
    assert len(api_sessions(client, world)) == 1

    confirmed = client.post(
        post_url(world), data=form_data(token, sites=high, doses_confirmed="yes")
    )
    assert confirmed.status_code == 422  # the reason is still missing; the tick is kept
    assert 'id="early_reason-error"' in confirmed.text
    assert 'id="doses_confirmed-error"' not in confirmed.text
    assert re.search(r'<input type="checkbox" id="doses_confirmed"[^>]* checked', confirmed.text)
    assert len(api_sessions(client, world)) == 1

    saved = client.post(
        post_url(world),
        data=form_data(token, sites=high, doses_confirmed="yes", early_reason="spasms back"),
    )
    assert saved.status_code == 303
    assert len(api_sessions(client, world)) == 2


def test_a_malformed_entry_and_doses_above_the_limits_are_reported_together(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    high = [*PLAN, ("depressor_anguli_oris", "left", "4")]
    response = client.post(post_url(world), data=form_data(token, sites=high, lot="L" * 65))
    assert response.status_code == 422
    assert 'id="lot-error"' in response.text and 'id="doses_confirmed-error"' in response.text
    assert api_sessions(client, world) == []


def test_a_form_without_any_site_is_refused(client: TestClient, world: World) -> None:
    token = log_in(client, "clinician_a")
    response = client.post(post_url(world), data=form_data(token, sites=[]))
    assert response.status_code == 422
    assert 'id="sites-error"' in response.text and "at least one" in text_of(response.text)
    assert api_sessions(client, world) == []


def test_blank_rows_are_left_out_and_row_errors_follow_the_rows_shown(
    client: TestClient, world: World
) -> None:
    token = log_in(client, "clinician_a")
    data = form_data(token, sites=[("corrugator", "left", "2")])
    data |= {"sites-7-muscle": "procerus", "sites-7-side": "left", "sites-7-units": "-1"}
    response = client.post(post_url(world), data=data)
    assert response.status_code == 422
    # the blank row between is dropped: procerus is shown as the second row, with its error
    assert sites_of(Controls(response.text).values)[:2] == [
        ("corrugator", "left", "2"),
        ("procerus", "left", "-1"),
    ]
    assert 'id="sites-1-units-error"' in response.text
    assert "Site row 2, units: must be more than 0" in text_of(response.text)


# --- who may use the form and the page ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["patient_p1", "admin_a"])
def test_patients_and_admins_are_refused_the_form_and_the_session_page(
    client: TestClient, world: World, persona: str
) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    token = log_in(client, persona)
    assert client.get(new_url(world)).status_code == 403
    assert client.post(post_url(world), data=form_data(token)).status_code == 403
    assert client.get(f"{post_url(world)}/{session_id}").status_code == 403
    assert len(api_sessions(client, world)) == 1


def test_another_clinics_patient_is_not_found(client: TestClient, world: World) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    token = log_in(client, "clinician_b")
    assert client.get(new_url(world)).status_code == 404
    assert client.get(f"{new_url(world)}?from=last").status_code == 404
    assert client.post(post_url(world), data=form_data(token)).status_code == 404
    assert client.get(f"{post_url(world)}/{session_id}").status_code == 404
    assert len(api_sessions(client, world)) == 1


def test_a_session_is_only_found_under_its_own_patient(client: TestClient, world: World) -> None:
    session_id = add_session(client, world, TODAY - timedelta(days=100))
    log_in(client, "clinician_a")
    assert client.get(f"{post_url(world, 'P2')}/{session_id}").status_code == 404
    assert client.get(f"{post_url(world)}/{session_id + 1000}").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client: TestClient, world: World) -> None:
    form = client.get(f"{new_url(world)}?from=last")
    assert form.status_code == 303
    assert form.headers["location"] == f"/login?next={new_url(world)}%3Ffrom%3Dlast"
    posted = client.post(post_url(world), data=form_data("not-a-token"))
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login")
    assert api_sessions(client, world) == []


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
def test_a_form_without_the_sessions_csrf_token_is_refused(
    client: TestClient, world: World, token: str | None
) -> None:
    log_in(client, "clinician_a")
    response = client.post(post_url(world), data=form_data(token))
    assert response.status_code == 403
    assert "expired" in text_of(response.text)
    assert api_sessions(client, world) == []


# --- in a browser: the map, the table and the live sums ----------------------------------------


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A tab of its own."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def serve_through(page: Any, client: TestClient) -> list[str]:
    """Answer the browser's requests with the app (through ``client``, which holds the login);
    returns the list the browser's errors (console, CSP) are collected in."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def handle(route: Any) -> None:
        request = route.request
        path = request.url.removeprefix("https://testserver")
        headers = {"content-type": request.headers.get("content-type", "")}
        answer = client.request(
            request.method, path, content=request.post_data_buffer, headers=headers
        )
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    page.route("https://testserver/**", handle)
    return errors


def test_in_a_browser_the_map_fills_the_table_and_the_sums_follow(
    client: TestClient, world: World, browser_page: Any
) -> None:
    log_in(client, "clinician_a")
    page = browser_page
    errors = serve_through(page, client)
    page.goto(f"https://testserver{new_url(world)}")
    page.select_option("#product", "onabotulinumtoxinA")
    page.fill("#dilution_units_per_0_1_ml", "2.5")

    zyg = page.locator('g[data-muscle="zygomaticus_major"][data-side="right"]')
    zyg.locator("circle").click()
    assert zyg.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.name") == "sites-0-units"
    page.keyboard.type("1.5")

    lid = page.locator('g[data-muscle="orbicularis_oculi_pretarsal_upper"][data-side="left"]')
    lid.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("2.5")
    dao = page.locator('g[data-muscle="depressor_anguli_oris"][data-side="left"]')
    dao.focus()
    page.keyboard.press(" ")
    page.keyboard.type("4")

    assert page.input_value("#sites-1-muscle") == "orbicularis_oculi_pretarsal_upper"
    assert page.input_value("#sites-1-side") == "left"
    assert page.inner_text("#total-right") == "1.5" and page.inner_text("#total-right-ml") == "0.06"
    assert page.inner_text("#total-left") == "6.5" and page.inner_text("#total-ml") == "0.32"
    assert (
        page.inner_text("#sites-2-warning")
        .strip()
        .endswith("4 U is above this clinic's limit of 2.5 U per site")
    )
    assert page.is_visible("#doses_confirmed")
    assert lid.locator("xpath=..").locator(".fm-units").text_content() == "2.5 U"
    assert serious_violations(page) == []

    dao.focus()
    page.keyboard.press("Enter")  # pressed again: the site and its row go
    assert dao.get_attribute("aria-pressed") == "false"
    assert page.inner_text("#total-left") == "2.5" and not page.is_visible("#doses_confirmed")

    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    [stored] = api_sessions(client, world)
    assert [(s["muscle"], s["side"], s["units"]) for s in stored["sites"]] == [
        ("zygomaticus_major", "right", 1.5),
        ("orbicularis_oculi_pretarsal_upper", "left", 2.5),
    ]
    assert "Patient's left 2.5 U 0.1 mL" in text_of(page.content())
    assert serious_violations(page) == []
    assert errors == []
