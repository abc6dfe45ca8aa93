"""The worklist, the patient page, the patient's own page and who may open which."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.clinic.api.conftest import TODAY, World
from tests.clinic.bodies import session_body, site
from tests.clinic.web.conftest import log_in, text_of

RESULT = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "result_synthetic_left.json").read_text()
)
VIDEO_NOTE = "Video measures are estimates"


def _session(on: date, **extra: Any) -> dict[str, Any]:
    """Upper and lower lid on the left (2.5 and 5 U), zygomaticus major on the right (1.5 U)."""
    sites = [
        site(units=2.5),
        site("orbicularis_oculi_pretarsal_lower", units=5.0),
        site("zygomaticus_major", "right", units=1.5),
    ]
    return session_body(on, sites=sites, **extra)


def _post(client: TestClient, world: World, patient: str, kind: str, body: Any) -> Any:
    pid = world.patients[patient]
    response = client.post(
        f"/api/v1/patients/{pid}/{kind}", json=body, headers=world["clinician_a"].headers
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def history(client: TestClient, world: World) -> World:
    """P1: three cycles 84 days apart with reported wear-off, a rating, an assessment, a video.

    P1's last session is 84 + 7 days ago (overdue); P2's is 80 days ago (due soon).
    """
    last = TODAY - timedelta(days=91)
    for k, effect_days in zip((2, 1, 0), (80, 75, 70), strict=True):
        on = last - timedelta(days=84 * k)
        course = {
            "effect_began_on": (on + timedelta(days=4)).isoformat(),
            "wore_off_on": (on + timedelta(days=4 + effect_days)).isoformat(),
        }
        _post(client, world, "P1", "sessions", _session(on, **course))
    _post(client, world, "P1", "diagnoses", {"affected_side": "left", "onset_on": "2019-03-01"})
    _post(client, world, "P1", "self-ratings", {"rated_on": "2026-06-01", "score": 7})
    _post(
        client,
        world,
        "P1",
        "assessments",
        {"assessed_on": "2026-05-01", "jankovic_severity": 3, "jankovic_frequency": 2},
    )
    _post(client, world, "P1", "video-analyses", {"recorded_on": "2026-06-01", "result": RESULT})
    _post(client, world, "P2", "sessions", _session(TODAY - timedelta(days=80)))
    return world


def test_the_worklist_shows_overdue_patients_of_the_own_clinic_only(
    client: TestClient, history: World
) -> None:
    log_in(client, "clinician_a")
    overdue = text_of(client.get("/worklist").text)
    assert "Demo Patient P1" in overdue and "Demo Patient P2" not in overdue
    assert "8 Jun 2026" in overdue  # P1's next due date: last session + 84 days
    soon = text_of(client.get("/worklist?due=due_soon").text)
    assert "Demo Patient P2" in soon and "Demo Patient P1" not in soon
    everyone = text_of(client.get("/worklist?due=").text)
    assert "Demo Patient P1" in everyone and "Demo Patient P2" in everyone
    assert "Q1" not in everyone and "B-001" not in everyone


def test_the_worklist_links_each_row_to_the_patient_page(
    client: TestClient, history: World
) -> None:
    log_in(client, "clinician_a")
    html = client.get("/worklist?due=&q=a-002").text
    assert f'href="/patients/{history.patients["P2"]}"' in html
    assert f'href="/patients/{history.patients["P1"]}"' not in html
    # the results come from every tab, so no tab is marked as the one shown
    assert 'aria-current="page"' not in html
    assert 'aria-current="page"' in client.get("/worklist?due=").text


def test_clinic_b_sees_nothing_of_clinic_a(client: TestClient, history: World) -> None:
    log_in(client, "clinician_b")
    everyone = text_of(client.get("/worklist?due=").text)
    assert "Demo Patient Q1" in everyone and "Demo Patient P1" not in everyone
    assert client.get(f"/patients/{history.patients['P1']}").status_code == 404


def test_a_bad_due_tab_is_refused_with_a_page(client: TestClient, world: World) -> None:
    log_in(client, "clinician_a")
    response = client.get("/worklist?due=someday")
    assert response.status_code == 422 and "due: must be" in text_of(response.text)


def test_the_patient_page_shows_the_timeline_numbers(client: TestClient, history: World) -> None:
    log_in(client, "clinician_a")
    response = client.get(f"/patients/{history.patients['P1']}")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Record number A-001" in text and "66 years" in text
    assert "left side" in text and "ICD-10 G51.3" in text
    assert "Next injection due 8 Jun 2026" in text and "Earliest allowed 8 Jun 2026" in text
    assert "overdue" in text
    # the newest session: 7.5 units left, 1.5 right, 9 in all
    assert "16 Mar 2026 onabotulinumtoxinA (Botox) 9 7.5 1.5 0" in text
    assert "80" in text and "75" in text and "70" in text  # effect days per cycle
    assert "-5.0 days per cycle" in text
    assert "1 Jun 2026 7" in text  # the self-rating
    assert VIDEO_NOTE in text
    assert response.text.count("<rect ") == 3  # one effect bar per cycle
    assert 'role="img"' in response.text


def test_the_video_numbers_come_from_the_analysis(client: TestClient, history: World) -> None:
    log_in(client, "clinician_a")
    pid = history.patients["P1"]
    video = client.get(
        f"/api/v1/patients/{pid}/video-analyses", headers=history["clinician_a"].headers
    ).json()["items"][0]
    text = text_of(client.get(f"/patients/{pid}").text)
    assert f"1 Jun 2026 {video['spasms_per_min']:.1f} " in text
    assert f"{video['pct_time_affected_eye_half_closed']:.0f} %" in text


def test_a_patient_sees_their_own_page(client: TestClient, history: World) -> None:
    log_in(client, "patient_p1")
    response = client.get("/me")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Next injection due 8 Jun 2026" in text and "Earliest allowed 8 Jun 2026" in text
    assert "-5.0 days per cycle" in text and "1 Jun 2026 7" in text
    assert VIDEO_NOTE in text
    assert "zygomaticus" not in response.text and "Jankovic" not in text  # not a patient's part


@pytest.mark.parametrize(("path", "status"), [("/worklist", 403), ("/patients/{P2}", 404)])
def test_a_patient_is_refused_clinician_pages_and_other_patients(
    client: TestClient, history: World, path: str, status: int
) -> None:
    log_in(client, "patient_p1")
    response = client.get(path.format(**history.patients))
    assert response.status_code == status
    assert "Demo Patient P2" not in response.text


def test_a_patient_cannot_open_the_clinician_view_of_their_own_record(
    client: TestClient, history: World
) -> None:
    log_in(client, "patient_p1")
    assert client.get(f"/patients/{history.patients['P1']}").status_code == 403


@pytest.mark.parametrize(("name", "status"), [("clinician_a", 403), ("admin_a", 403)])
def test_only_patients_have_a_me_page(
    client: TestClient, world: World, name: str, status: int
) -> None:
    log_in(client, name)
    assert client.get("/me").status_code == status


def test_an_admin_sees_no_patient_data(client: TestClient, history: World) -> None:
    log_in(client, "admin_a")
    assert client.get("/worklist").status_code == 403
    assert client.get(f"/patients/{history.patients['P1']}").status_code == 403


def test_pages_load_nothing_from_other_sites(client: TestClient, world: World) -> None:
    log_in(client, "clinician_a")
    response = client.get("/worklist")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and response.headers["cache-control"] == "no-store"
    assert "http" not in response.text.split("</head>")[0]
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
