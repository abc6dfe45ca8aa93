"""The clinician's forms for patients, diagnoses, assessments, side effects, MRI and surgery."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.web.forms import FormSpec, shape_of
from hemispasm.clinic.web.record_form_specs import PATIENT_FORM, RECORD_FORMS
from hemispasm.clinic.web.vocab_labels import LABELS
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.web.conftest import log_in, text_of

Form = dict[str, list[str]]


class FormReader(HTMLParser):
    """The record form of a page: what a browser would send, the labels and the controls."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: Form = {}
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self._in_form = False
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        if tag == "form" and "record-form" in attrs.get("class", ""):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name", "")
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs | {"tag": tag})
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [options[0][0]]
            self.values[name] = chosen[:1]
            self._select = None


def form_of(html: str) -> Form:
    """What the page's record form would send as it stands (without the CSRF token)."""
    values = FormReader(html).values
    values.pop("csrf_token", None)
    return values


def api(client: TestClient, world: World, path: str) -> Any:
    """A GET of the JSON API as clinician A."""
    response = client.get(f"/api/v1{path}", headers=world["clinician_a"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def api_post(client: TestClient, world: World, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/api/v1{path}", json=body, headers=world["clinician_a"].headers)
    assert response.status_code == 201, response.text
    return response.json()


def post(client: TestClient, url: str, token: str, data: dict[str, Any]) -> Any:
    """Post a form with the CSRF token, as the browser does."""
    return client.post(url, data=data | {"csrf_token": token})


def error_of(html: str, field: str) -> str:
    """The message shown beside ``field`` (the form must link it to the field)."""
    start = html.find(f'id="f-{field}-error"')
    assert start >= 0, f"no error shown beside {field}: {text_of(html)[:600]}"
    assert re.search(f'aria-describedby="[^"]*f-{field}-error', html), f"{field}: not linked"
    return text_of(html[start : html.find("</p>", start)].split(">", 1)[1])


@pytest.fixture
def p1(world: World) -> int:
    return world.patients["P1"]


@pytest.fixture
def token(client: TestClient, world: World) -> str:
    return log_in(client, "clinician_a")


def _session(client: TestClient, world: World, patient_id: int, on: str) -> int:
    body = {
        "session_on": on,
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [{"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5}],
    }
    return int(api_post(client, world, f"/patients/{patient_id}/sessions", body)["id"])


# --- the machinery ---------------------------------------------------------------------------

LEFT_OUT = {"clinician_id", "assessor_id"}
"""Schema fields no form asks: no service lists a clinic's clinicians to a clinician yet."""


@pytest.mark.parametrize("spec", [PATIENT_FORM, *RECORD_FORMS], ids=lambda s: s.new_title)
def test_each_form_asks_every_field_of_its_schema_and_nothing_else(spec: FormSpec) -> None:
    asked = [ask.name for ask in spec.asks]
    assert len(asked) == len(set(asked))
    assert set(asked) == set(spec.create.model_fields) - LEFT_OUT
    assert set(asked) <= set(spec.update.model_fields)


def test_every_choice_of_every_form_has_words_of_its_own() -> None:
    for spec in [PATIENT_FORM, *RECORD_FORMS]:
        for ask in spec.asks:
            shape = shape_of(spec.create, ask.name)
            vocabulary = shape.item if shape.base is list else shape.base
            if isinstance(vocabulary, type) and vocabulary in LABELS:
                assert set(LABELS[vocabulary]) == {m.value for m in vocabulary}


# --- who may use the forms -------------------------------------------------------------------

FORM_PATHS = [
    "/patients/{P1}/edit",
    "/patients/{P1}/diagnoses/new",
    "/patients/{P1}/assessments/new",
    "/patients/{P1}/adverse-events/new",
    "/patients/{P1}/mri-studies/new",
    "/patients/{P1}/surgeries/new",
]


@pytest.mark.parametrize("path", FORM_PATHS)
@pytest.mark.parametrize(("name", "status"), [("patient_p1", 403), ("admin_a", 403)])
def test_patients_and_admins_are_refused_the_forms(
    client: TestClient, world: World, path: str, name: str, status: int
) -> None:
    token = log_in(client, name)
    url = path.format(**world.patients)
    assert client.get(url).status_code == status
    before = api(client, world, f"/patients/{world.patients['P1']}/timeline")
    assert post(client, url, token, {"effect": "ptosis", "name": "x"}).status_code == status
    assert api(client, world, f"/patients/{world.patients['P1']}/timeline") == before


def test_patients_and_admins_cannot_register_patients(client: TestClient, world: World) -> None:
    for name in ("patient_p1", "admin_a"):
        token = log_in(client, name)
        sent = post(client, "/patients/new", token, {"mrn": "X-9", "name": "Demo Patient 9"})
        assert sent.status_code == 403
    assert api(client, world, "/patients?q=X-9")["total"] == 0


@pytest.mark.parametrize("path", FORM_PATHS)
def test_another_clinics_patient_is_not_found(client: TestClient, world: World, path: str) -> None:
    token = log_in(client, "clinician_b")
    url = path.format(**world.patients)
    assert client.get(url).status_code == 404
    assert post(client, url, token, {"name": "x"}).status_code == 404


@pytest.mark.parametrize("path", FORM_PATHS)
def test_without_a_login_the_forms_send_to_the_login_page(
    client: TestClient, world: World, path: str
) -> None:
    url = path.format(**world.patients)
    asked = client.get(url)
    assert asked.status_code == 303 and asked.headers["location"] == f"/login?next={url}"
    sent = client.post(url, data={"name": "x"})
    assert sent.status_code == 303 and sent.headers["location"] == "/login"


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    data = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-06-01"}
    sent = client.post(f"/patients/{p1}/adverse-events/new", data=data)
    assert sent.status_code == 403 and "expired" in text_of(sent.text)
    wrong = client.post(f"/patients/{p1}/adverse-events/new", data=data | {"csrf_token": "x"})
    assert wrong.status_code == 403
    assert api(client, world, f"/patients/{p1}/adverse-events")["total"] == 0


def test_a_record_of_another_patient_is_not_found_under_this_one(
    client: TestClient, world: World, token: str
) -> None:
    p2 = world.patients["P2"]
    mri = api_post(client, world, f"/patients/{p2}/mri-studies", {"study_on": "2020-01-01"})
    url = f"/patients/{world.patients['P1']}/mri-studies/{mri['id']}/edit"
    assert client.get(url).status_code == 404
    assert post(client, url, token, {"study_on": "2021-01-01"}).status_code == 404
    assert api(client, world, f"/patients/{p2}/mri-studies/{mri['id']}")["study_on"] == "2020-01-01"


# --- patients --------------------------------------------------------------------------------

NEW_PATIENT = {
    "mrn": "A-777",
    "name": "Demo Patient 7",
    "birth_date": "1971-04-02",
    "sex": "female",
    "phone": "+1 555 0100",
    "email": "patient7@example.org",
    "address": "1 Example Street",
}


def test_the_worklist_link_opens_the_registration_form(client: TestClient, token: str) -> None:
    response = client.get("/patients/new")
    assert response.status_code == 200 and "Register a patient" in text_of(response.text)


def test_a_clinician_registers_a_patient(client: TestClient, world: World, token: str) -> None:
    sent = post(client, "/patients/new", token, NEW_PATIENT)
    assert sent.status_code == 303, text_of(sent.text)
    found = api(client, world, "/patients?q=A-777")["items"]
    assert len(found) == 1 and sent.headers["location"] == f"/patients/{found[0]['id']}"
    assert {k: found[0][k] for k in NEW_PATIENT} == NEW_PATIENT
    assert "Demo Patient 7" in text_of(client.get(sent.headers["location"]).text)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"birth_date": "2026-06-16"}, "birth_date", "2026-06-16 is in the future"),
        ({"birth_date": "16/06/1970"}, "birth_date", "Enter a real date"),
        ({"mrn": "A-001"}, "mrn", "'A-001' is already used in this clinic"),
        ({"name": "  "}, "name", "cannot be left empty"),
        ({"sex": "unsure"}, "sex", "Choose one of the options"),
        ({"email": "x" * 255}, "email", "254 characters or fewer"),
    ],
)
def test_bad_patient_details_are_shown_beside_their_field_and_kept(
    client: TestClient,
    world: World,
    token: str,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    sent = post(client, "/patients/new", token, NEW_PATIENT | change)
    assert sent.status_code == 422
    assert message in error_of(sent.text, field)
    assert message in text_of(sent.text.split('class="error-summary"')[1].split("</div>")[0])
    kept = form_of(sent.text)
    assert kept["name"] == [(NEW_PATIENT | change)["name"]] and kept["phone"] == ["+1 555 0100"]
    assert api(client, world, "/patients?q=Demo Patient 7")["total"] == 0
    assert api(client, world, "/patients?q=A-777")["total"] == 0


def test_entries_are_shown_again_as_text_not_markup(client: TestClient, token: str) -> None:
    data = NEW_PATIENT | {"name": '<b>Demo"</b>', "birth_date": "2030-01-01"}
    sent = post(client, "/patients/new", token, data)
    assert sent.status_code == 422
    assert "<b>Demo" not in sent.text and 'value="&lt;b&gt;Demo&#34;&lt;/b&gt;"' in sent.text


def test_correcting_a_patient_changes_only_what_was_changed(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    before = api(client, world, f"/patients/{p1}")
    page = client.get(f"/patients/{p1}/edit")
    assert page.status_code == 200
    data = form_of(page.text)
    assert data["mrn"] == ["A-001"] and data["birth_date"] == ["1960-01-01"]
    sent = post(client, f"/patients/{p1}/edit", token, data | {"phone": ["+1 555 0199"]})
    assert sent.status_code == 303 and sent.headers["location"] == f"/patients/{p1}"
    after = api(client, world, f"/patients/{p1}")
    assert after == before | {"phone": "+1 555 0199"}


def test_a_correction_cannot_take_another_patients_record_number(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    data = form_of(client.get(f"/patients/{p1}/edit").text)
    sent = post(client, f"/patients/{p1}/edit", token, data | {"mrn": ["A-002"]})
    assert sent.status_code == 422 and "already used" in error_of(sent.text, "mrn")
    assert api(client, world, f"/patients/{p1}")["mrn"] == "A-001"


# --- diagnosis -------------------------------------------------------------------------------


def test_the_diagnosis_form_shows_the_code_of_each_side(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    text = text_of(client.get(f"/patients/{p1}/diagnoses/new").text)
    assert "Right ICD-10-CM G51.31" in text and "Left ICD-10-CM G51.32" in text
    assert "Both sides (bilateral) ICD-10-CM G51.33" in text
    data = {"affected_side": "right", "onset_on": "2018-02-01", "diagnosed_on": "2019-01-10"}
    sent = post(client, f"/patients/{p1}/diagnoses/new", token, data | {"idiopathic": "on"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/patients/{p1}#diagnoses"
    [stored] = api(client, world, f"/patients/{p1}/diagnoses")["items"]
    assert stored["icd10"] == "G51.31" and stored["idiopathic"] is True
    assert stored["diagnosed_on"] == "2019-01-10"
    page = client.get(f"/patients/{p1}")
    assert f'href="/patients/{p1}/diagnoses/{stored["id"]}/edit"' in page.text
    edit = client.get(f"/patients/{p1}/diagnoses/{stored['id']}/edit")
    assert "ICD-10-CM code G51.31" in text_of(edit.text)
    assert form_of(edit.text)["idiopathic"] == ["on"]


def test_the_patient_page_names_the_sex_and_the_side_in_words(
    client: TestClient, world: World, token: str
) -> None:
    sent = post(client, "/patients/new", token, NEW_PATIENT)
    assert sent.status_code == 303
    patient = int(sent.headers["location"].rsplit("/", 1)[1])
    for side in ("bilateral", "left"):
        api_post(client, world, f"/patients/{patient}/diagnoses", {"affected_side": side})
    page = client.get(f"/patients/{patient}")
    text = text_of(page.text)
    assert "Record number A-777 · 55 years · Female" in text
    assert "Hemifacial spasm, both sides (bilateral) · ICD-10 G51.33" in text
    assert "Hemifacial spasm, left side · ICD-10 G51.32" in text
    assert "Edit the diagnosis, both sides (bilateral)" in text
    assert "bilateral</strong> side" not in page.text and " · female" not in text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"affected_side": "middle"}, "affected_side", "Choose one of the options listed"),
        ({"affected_side": ""}, "affected_side", "Choose one of the options"),
        (
            {"affected_side": "left", "onset_on": "2020-05-01", "diagnosed_on": "2020-04-01"},
            "diagnosed_on",
            "2020-04-01 is before first spasms noticed 2020-05-01",
        ),
        (
            {"affected_side": "left", "onset_on": "1959-12-31"},
            "onset_on",
            "is before the date of birth 1960-01-01",
        ),
    ],
)
def test_a_bad_diagnosis_is_refused_beside_its_field(
    client: TestClient,
    world: World,
    p1: int,
    token: str,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    sent = post(client, f"/patients/{p1}/diagnoses/new", token, data)
    assert sent.status_code == 422 and message in error_of(sent.text, field)
    assert api(client, world, f"/patients/{p1}/diagnoses")["total"] == 0


# --- assessments -----------------------------------------------------------------------------


def test_a_clinician_records_an_assessment(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    page = client.get(f"/patients/{p1}/assessments/new")
    text = text_of(page.text)
    assert "Jankovic total (severity + frequency, 0–8)" in text
    assert "4 · Severe" in text and "IV · Asymmetry" in text
    assert form_of(page.text)["assessed_on"] == [TODAY.isoformat()]
    data = {
        "assessed_on": "2026-06-01",
        "jankovic_severity": "3",
        "jankovic_frequency": "2",
        "smc_grade": "2",
        "hfs7_total": "12",
        "hfs30_total": "",
        "notes": "  seen with the patient's partner ",
    }
    sent = post(client, f"/patients/{p1}/assessments/new", token, data)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#assessments-h")
    [stored] = api(client, world, f"/patients/{p1}/assessments")["items"]
    assert stored["jankovic_total"] == 5 and stored["smc_grade"] == 2
    assert stored["hfs7_total"] == 12 and stored["hfs30_total"] is None
    assert stored["notes"] == "seen with the patient's partner"
    assert stored["assessor_id"] == world["clinician_a"].user.id
    row = text_of(client.get(f"/patients/{p1}").text)
    assert "1 Jun 2026 3 2 5 II 12 — Edit" in row


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("jankovic_severity", "5", "from 0 to 4"),
        ("jankovic_frequency", "-1", "from 0 to 4"),
        ("smc_grade", "0", "from 1 to 4"),
        ("hfs7_total", "29", "from 0 to 28"),
        ("hfs30_total", "121", "from 0 to 120"),
        ("hfs30_total", "many", "Enter a whole number"),
        ("assessed_on", "2026-02-30", "Enter a real date"),
        ("assessed_on", "", "Enter a date"),
        ("assessed_on", "2026-07-01", "is in the future"),
    ],
)
def test_an_assessment_out_of_range_is_refused_beside_its_field(
    client: TestClient,
    world: World,
    p1: int,
    token: str,
    field: str,
    value: str,
    message: str,
) -> None:
    data = {"assessed_on": "2026-06-01", "jankovic_severity": "1", "hfs7_total": "3"}
    sent = post(client, f"/patients/{p1}/assessments/new", token, data | {field: value})
    assert sent.status_code == 422 and message in error_of(sent.text, field)
    kept = form_of(sent.text)
    offered = field not in ("jankovic_severity", "jankovic_frequency", "smc_grade")
    assert kept.get(field) == ([value] if offered else None)  # no radio offers a bad value
    assert kept["hfs7_total" if field != "hfs7_total" else "assessed_on"] != [""]
    assert api(client, world, f"/patients/{p1}/assessments")["total"] == 0


def test_correcting_an_assessment_keeps_the_other_scores(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    body = {"assessed_on": "2026-05-01", "jankovic_severity": 3, "jankovic_frequency": 2}
    stored = api_post(client, world, f"/patients/{p1}/assessments", body | {"notes": "first"})
    url = f"/patients/{p1}/assessments/{stored['id']}/edit"
    data = form_of(client.get(url).text)
    assert data["jankovic_severity"] == ["3"] and data["notes"] == ["first"]
    assert post(client, url, token, data | {"hfs7_total": ["9"]}).status_code == 303
    after = api(client, world, f"/patients/{p1}/assessments/{stored['id']}")
    assert after == stored | {"hfs7_total": 9, "updated_at": after["updated_at"]}


def test_a_correction_cannot_empty_a_required_date(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    stored = api_post(client, world, f"/patients/{p1}/assessments", {"assessed_on": "2026-05-01"})
    url = f"/patients/{p1}/assessments/{stored['id']}/edit"
    data = form_of(client.get(url).text) | {"assessed_on": [""]}
    sent = post(client, url, token, data)
    assert sent.status_code == 422 and "Enter a date" in error_of(sent.text, "assessed_on")
    assert api(client, world, f"/patients/{p1}/assessments/{stored['id']}") == stored


# --- side effects ----------------------------------------------------------------------------


def test_a_clinician_records_a_side_effect_after_a_session(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    session_id = _session(client, world, p1, "2026-05-01")
    page = client.get(f"/patients/{p1}/adverse-events/new")
    option = f'<option value="{session_id}">1 May 2026 · onabotulinumtoxinA (Botox)</option>'
    assert option in page.text
    assert "Difficulty breathing (urgent)</option>" in page.text
    assert form_of(page.text)["effect"] == [""]  # nothing chosen by default
    data = {
        "effect": "ptosis",
        "severity": "mild",
        "onset_on": "2026-05-04",
        "session_id": str(session_id),
        "notes": "left upper lid",
    }
    sent = post(client, f"/patients/{p1}/adverse-events/new", token, data)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#adverse-events-h")
    [stored] = api(client, world, f"/patients/{p1}/adverse-events")["items"]
    assert stored["session_id"] == session_id and stored["reported_by"] == "clinician"
    assert stored["resolved_on"] is None and stored["urgent"] is False
    text = text_of(client.get(f"/patients/{p1}").text)
    assert "Drooping upper eyelid (ptosis) Mild 4 May 2026 Not yet 1 May 2026 a clinician" in text


def test_a_session_of_another_product_is_offered_by_the_name_recorded(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    body = {
        "session_on": "2026-05-01",
        "product": "other",
        "product_name": "Demo toxin",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [{"muscle": "corrugator", "side": "left", "units": 2.5}],
    }
    session_id = api_post(client, world, f"/patients/{p1}/sessions", body)["id"]
    page = client.get(f"/patients/{p1}/adverse-events/new")
    assert f'<option value="{session_id}">1 May 2026 · Demo toxin</option>' in page.text
    assert "name it below" not in page.text  # no field to name a product follows here


def test_setting_the_resolution_date_keeps_the_rest_of_the_side_effect(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    session_id = _session(client, world, p1, "2026-05-01")
    body = {
        "effect": "diplopia",
        "severity": "moderate",
        "onset_on": "2026-05-05",
        "session_id": session_id,
        "notes": "when looking left",
    }
    stored = api_post(client, world, f"/patients/{p1}/adverse-events", body)
    url = f"/patients/{p1}/adverse-events/{stored['id']}/edit"
    page = client.get(url)
    assert "Reported by a clinician" in text_of(page.text)
    data = form_of(page.text)
    assert data["session_id"] == [str(session_id)] and data["notes"] == ["when looking left"]
    assert post(client, url, token, data | {"resolved_on": ["2026-06-01"]}).status_code == 303
    after = api(client, world, f"/patients/{p1}/adverse-events/{stored['id']}")
    assert after == stored | {"resolved_on": "2026-06-01", "updated_at": after["updated_at"]}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"resolved_on": "2026-05-01"}, "resolved_on", "2026-05-01 is before began on 2026-05-04"),
        ({"effect": "headache"}, "effect", "Choose one of the options listed"),
        ({"severity": ""}, "severity", "Choose one of the options"),
        ({"effect": ""}, "effect", "Choose one of the options"),
        ({"onset_on": "4 May"}, "onset_on", "Enter a real date"),
        ({"session_id": "999999"}, "session_id", "no injection session 999999"),
        ({"session_id": "first"}, "session_id", "Enter a whole number"),
    ],
)
def test_a_bad_side_effect_is_refused_beside_its_field(
    client: TestClient,
    world: World,
    p1: int,
    token: str,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-05-04", "notes": "kept"}
    sent = post(client, f"/patients/{p1}/adverse-events/new", token, data | change)
    assert sent.status_code == 422 and message in error_of(sent.text, field)
    assert form_of(sent.text)["notes"] == ["kept"]
    assert api(client, world, f"/patients/{p1}/adverse-events")["total"] == 0


def test_a_side_effect_cannot_be_linked_to_another_patients_session(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    other = _session(client, world, world.patients["P2"], "2026-05-01")
    data = {"effect": "ptosis", "severity": "mild", "onset_on": "2026-05-04"}
    sent = post(client, f"/patients/{p1}/adverse-events/new", token, data | {"session_id": other})
    assert sent.status_code == 422 and "of this patient" in error_of(sent.text, "session_id")


def test_urgent_side_effects_stand_out_and_open_ones_come_first(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    path = f"/patients/{p1}/adverse-events"
    api_post(
        client,
        world,
        path,
        {
            "effect": "tearing",
            "severity": "mild",
            "onset_on": "2026-06-01",
            "resolved_on": "2026-06-05",
        },
    )
    api_post(
        client, world, path, {"effect": "ptosis", "severity": "mild", "onset_on": "2026-04-01"}
    )
    urgent = api_post(
        client,
        world,
        path,
        {"effect": "breathing_difficulty", "severity": "severe", "onset_on": "2026-03-01"},
    )
    page = client.get(f"/patients/{p1}")
    assert f'href="{path}/{urgent["id"]}/edit"' in page.text
    text = text_of(page.text)
    assert "Not resolved: Difficulty breathing (urgent) since 1 Mar 2026" in text
    table = text_of(page.text[page.text.index('id="adverse-events-h"') :])  # the full list
    breathing = table.index("Difficulty breathing (urgent) Severe")
    assert breathing < table.index("Drooping upper eyelid") < table.index("Watering eye")
    assert 'tr class="urgent"' in page.text
    edit = client.get(f"{path}/{urgent['id']}/edit")
    assert 'role="alert"' in edit.text and "The patient needs a medical assessment today" in (
        text_of(edit.text)
    )
    chosen = post(client, f"{path}/new", token, {"effect": "swallowing_difficulty"})
    assert chosen.status_code == 422 and "medical assessment today" in text_of(chosen.text)


# --- MRI and surgery -------------------------------------------------------------------------


def test_a_clinician_records_an_mri_with_several_vessels(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    data = {
        "study_on": "2019-05-01",
        "sequences": "3D-TOF, 3D-CISS",
        "compression_found": "yes",
        "vessels": ["aica", "vein"],
        "site": "root_exit_zone",
        "contact": "compression",
        "dolichoectasia": "",
        "other_lesion": "",
    }
    sent = post(client, f"/patients/{p1}/mri-studies/new", token, data)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#mri-h")
    [stored] = api(client, world, f"/patients/{p1}/mri-studies")["items"]
    assert stored["sequences"] == ["3D-TOF", "3D-CISS"] and stored["vessels"] == ["aica", "vein"]
    assert stored["compression_found"] is True and stored["dolichoectasia"] is None
    assert stored["contact"] == "compression" and stored["other_lesion"] is None
    page = client.get(f"/patients/{p1}")
    text = text_of(page.text)
    assert "AICA (anterior inferior cerebellar artery), A vein" in text
    assert f'href="/patients/{p1}/mri-studies/{stored["id"]}/edit"' in page.text
    again = form_of(client.get(f"/patients/{p1}/mri-studies/{stored['id']}/edit").text)
    assert again["vessels"] == ["aica", "vein"] and again["sequences"] == ["3D-TOF, 3D-CISS"]
    assert again["compression_found"] == ["yes"] and again["dolichoectasia"] == [""]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"vessels": ["aica", "carotid"]}, "vessels", "Choose one of the options listed"),
        ({"study_on": "2026-13-01"}, "study_on", "Enter a real date"),
        ({"sequences": "x" * 41}, "sequences", "40 characters or fewer"),
        ({"compression_found": "maybe"}, "compression_found", "Choose one of the options listed"),
    ],
)
def test_a_bad_mri_is_refused_beside_its_field(
    client: TestClient,
    world: World,
    p1: int,
    token: str,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    data = {"study_on": "2019-05-01", "vessels": ["aica"], "other_lesion": "kept"}
    sent = post(client, f"/patients/{p1}/mri-studies/new", token, data | change)
    assert sent.status_code == 422 and message in error_of(sent.text, field)
    assert form_of(sent.text)["other_lesion"] == ["kept"]
    assert api(client, world, f"/patients/{p1}/mri-studies")["total"] == 0


def test_a_clinician_records_a_decompression_and_its_recurrence(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    page = client.get(f"/patients/{p1}/surgeries/new")
    assert form_of(page.text)["outcome"] == ["pending"]
    data = {
        "surgery_on": "2021-03-01",
        "surgeon": "Surgeon A",
        "side": "left",
        "vessels": ["aica"],
        "outcome": "complete",
        "complications": ["hearing_loss", "csf_leak"],
        "monitoring": "lateral spread response gone after decompression",
    }
    sent = post(client, f"/patients/{p1}/surgeries/new", token, data)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#surgeries-h")
    [stored] = api(client, world, f"/patients/{p1}/surgeries")["items"]
    assert (
        stored["complications"] == ["hearing_loss", "csf_leak"] and stored["outcome"] == "complete"
    )
    url = f"/patients/{p1}/surgeries/{stored['id']}/edit"
    too_early = post(
        client, url, token, form_of(client.get(url).text) | {"recurrence_on": ["2021-01-01"]}
    )
    assert too_early.status_code == 422
    assert "is before date of the operation 2021-03-01" in error_of(too_early.text, "recurrence_on")
    kept = form_of(too_early.text)
    assert kept["complications"] == ["hearing_loss", "csf_leak"] and kept["surgeon"] == [
        "Surgeon A"
    ]
    later = form_of(client.get(url).text) | {"recurrence_on": ["2024-02-01"]}
    assert post(client, url, token, later).status_code == 303
    after = api(client, world, f"/patients/{p1}/surgeries/{stored['id']}")
    assert after == stored | {"recurrence_on": "2024-02-01", "updated_at": after["updated_at"]}
    text = text_of(client.get(f"/patients/{p1}").text)
    assert (
        "1 Mar 2021 Left Surgeon A Spasms gone 1 Feb 2024 Hearing loss, Leak of cerebrospinal"
        in text
    )


# --- every form, as a page -------------------------------------------------------------------


def _all_forms(client: TestClient, world: World, p1: int) -> list[str]:
    ids = {
        "diagnoses": api_post(
            client, world, f"/patients/{p1}/diagnoses", {"affected_side": "left"}
        ),
        "assessments": api_post(
            client, world, f"/patients/{p1}/assessments", {"assessed_on": "2026-01-01"}
        ),
        "adverse-events": api_post(
            client,
            world,
            f"/patients/{p1}/adverse-events",
            {"effect": "ptosis", "severity": "mild", "onset_on": "2026-01-01"},
        ),
        "mri-studies": api_post(
            client, world, f"/patients/{p1}/mri-studies", {"study_on": "2019-01-01"}
        ),
        "surgeries": api_post(
            client, world, f"/patients/{p1}/surgeries", {"surgery_on": "2020-01-01", "side": "left"}
        ),
    }
    urls = [f"/patients/{p1}/edit"]
    for slug, record in ids.items():
        urls += [f"/patients/{p1}/{slug}/new", f"/patients/{p1}/{slug}/{record['id']}/edit"]
    return urls


def test_every_control_has_a_label_and_its_descriptions_exist(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    pages = [client.get(url) for url in _all_forms(client, world, p1)]
    pages.append(post(client, f"/patients/{p1}/assessments/new", token, {"hfs7_total": "99"}))
    for page in pages:
        assert page.status_code in (200, 422)
        form = FormReader(page.text)
        assert form.controls, page.url
        for control in form.controls:
            assert control["id"] in form.label_for, (page.url, control)
            for described in control.get("aria-describedby", "").split():
                assert described in form.ids, (page.url, described)
        assert 'style="' not in page.text and "<script" not in page.text
        assert '<link rel="stylesheet" href="/static/forms.css">' in page.text


def test_the_form_stylesheet_is_served(client: TestClient) -> None:
    css = client.get("/static/forms.css")
    assert css.status_code == 200 and "counter-increment" in css.text


def test_dates_on_the_forms_cannot_be_picked_after_today(
    client: TestClient, world: World, p1: int, token: str
) -> None:
    html = client.get(f"/patients/{p1}/surgeries/new").text
    assert html.count(f'max="{TODAY.isoformat()}"') == 2
