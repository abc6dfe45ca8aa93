"""The review of an analysis's events on its report page: each event's evidence (trace, frames,
type, confidence, reason), the correction forms with their CSRF token and field messages, the
corrected figures beside the detected ones, the patient's read-only view, the frames route and
the labels download. On each database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import EventCorrection, Upload
from hemispasm.clinic.settings import Settings
from hemispasm.labels.format import LabelFile
from tests.clinic.api.conftest import World
from tests.clinic.reviews import analysed_upload, new_style_result
from tests.clinic.uploads import sessions, settings
from tests.clinic.web.conftest import log_in, text_of

__all__ = ["sessions", "settings"]


@pytest.fixture
def analysis(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> tuple[int, int]:
    """P1's analysed video (the sample result, as the analysis now writes it)."""
    return analysed_upload(db, settings, sessions, world, result=new_style_result())


def report(pid: int, aid: int) -> str:
    return f"/patients/{pid}/videos/{aid}"


def corrections(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(EventCorrection)) or 0)


# --- the evidence ------------------------------------------------------------------------------


def test_each_event_shows_its_trace_frames_type_confidence_and_reason(
    client: TestClient, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "clinician_a")

    page = client.get(report(*analysis))

    assert page.status_code == 200, page.text
    html, text = page.text, text_of(page.text)
    assert html.count('class="review-trace"') == 7  # every event has its trace
    assert html.count('class="tr-left"') >= 7 and html.count('class="tr-right"') >= 7
    assert "subject's left eye" in text and "subject's right eye (dashed)" in text
    assert "#3 Spasm, left eye 4.49 s to 4.76 s not reviewed" in text
    assert "Type twitch (one brief closure) Confidence 30 %" in text
    assert "Why: the left lid closed while the right stayed at rest" in text
    assert "The other eye rose 0.03 (1.2 times its noise)" in text
    frames = re.findall(r'<img src="([^"]+)"', html)
    assert len(frames) == 21 and f"{report(*analysis)}/events/e3/frames/peak.jpg" in frames
    assert "Affected side: 3 of 3 confident spasms were of the left eye." in text


def test_an_events_frame_is_a_jpeg_cut_on_demand_and_kept(
    client: TestClient, settings: Settings, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "clinician_a")
    url = f"{report(*analysis)}/events/e1/frames/before.jpg"

    first = client.get(url)

    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg" and first.content[:3] == b"\xff\xd8\xff"
    assert "default-src 'self'" in first.headers["content-security-policy"]
    kept = list(settings.data_dir.glob("reports/*/evidence/e1-*.jpg"))
    assert sorted(p.name for p in kept) == ["e1-after.jpg", "e1-before.jpg", "e1-peak.jpg"]
    assert client.get(url).content == first.content


def test_a_deleted_video_is_said_instead_of_its_frames(
    client: TestClient, db: Session, settings: Settings, world: World, analysis: tuple[int, int]
) -> None:
    upload = db.scalars(select(Upload)).one()
    upload.raw_deleted_at = upload.created_at
    db.commit()
    (settings.data_dir / upload.stored_path).unlink()
    log_in(client, "clinician_a")

    page = client.get(report(*analysis))

    assert "The video was deleted after its analysis" in text_of(page.text)
    assert "<img" not in page.text
    assert client.get(f"{report(*analysis)}/events/e1/frames/peak.jpg").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("patient_p1", 403), ("clinician_b", 404), ("admin_a", 403)]
)
def test_only_the_clinics_clinicians_get_an_events_frames(
    client: TestClient, world: World, analysis: tuple[int, int], who: str, status: int
) -> None:
    log_in(client, who)
    assert client.get(f"{report(*analysis)}/events/e1/frames/peak.jpg").status_code == status


# --- correcting --------------------------------------------------------------------------------


def test_rejecting_a_spasm_shows_the_corrected_figures_beside_the_detected(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    token = log_in(client, "clinician_a")
    url = report(*analysis)

    sent = client.post(
        f"{url}/events/e1/correction", data={"csrf_token": token, "action": "reject"}
    )

    assert sent.status_code == 303 and sent.headers["location"] == f"{url}?corrected=e1#event-e1"
    text = text_of(client.get(sent.headers["location"]).text)
    on = re.search(r"Corrected by Clinician A on (\d{4}-\d\d-\d\d)", text)
    assert on is not None
    assert "Spasms per minute 20.0 15.0" in text  # as detected, as corrected
    assert "#1 Spasm, left eye 1.81 s to 1.99 s rejected" in text
    assert f"{on.group(1)}" in text and "Clinician A #1 Rejected Spasm, left eye (twitch)" in text
    assert corrections(db) == 1


def test_a_relabelling_that_does_not_fit_comes_back_naming_the_field(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    token = log_in(client, "clinician_a")
    data = {"csrf_token": token, "action": "relabel", "kind": "blink", "side": "left", "type": ""}

    sent = client.post(f"{report(*analysis)}/events/e3/correction", data=data)

    assert sent.status_code == 422
    assert "side: a blink closes both eyes: choose both" in text_of(sent.text)
    assert re.search(r'<li id="event-e3"[^>]*>\s*<details open>', sent.text)
    assert 'id="e3-side" name="side" aria-invalid="true"' in sent.text
    assert corrections(db) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "approve"}, "action: Input should be 'confirm', 'reject' or 'relabel'"),
        ({"action": "relabel", "kind": "wink", "side": "left"}, "kind: Input should be"),
    ],
)
def test_an_unknown_action_or_kind_is_refused_naming_it(
    client: TestClient,
    db: Session,
    world: World,
    analysis: tuple[int, int],
    data: dict[str, str],
    message: str,
) -> None:
    token = log_in(client, "clinician_a")
    sent = client.post(
        f"{report(*analysis)}/events/e2/correction", data=data | {"csrf_token": token}
    )
    assert sent.status_code == 422 and message in text_of(sent.text)
    assert corrections(db) == 0


def test_a_correction_without_the_forms_csrf_token_is_refused(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "clinician_a")
    url = f"{report(*analysis)}/events/e1/correction"

    missing = client.post(url, data={"action": "reject"})
    wrong = client.post(url, data={"action": "reject", "csrf_token": "x"})

    assert missing.status_code == 403 and "this form has expired" in text_of(missing.text)
    assert wrong.status_code == 403
    assert corrections(db) == 0


def test_adding_a_missed_event_keeps_the_entered_values_when_refused(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    token = log_in(client, "clinician_a")
    url = f"{report(*analysis)}/events"
    data = {"csrf_token": token, "start_s": "5.5", "end_s": "5.2", "kind": "blink", "side": "both"}

    refused = client.post(url, data=data)
    bad_number = client.post(url, data=data | {"start_s": "soon"})
    added = client.post(url, data=data | {"end_s": "5.8"})

    assert refused.status_code == 422
    assert "end_s: 5.2 s is not after the start (5.5 s)" in text_of(refused.text)
    assert 'name="start_s" inputmode="decimal" value="5.5"' in refused.text
    assert bad_number.status_code == 422 and "start_s: Input should be a valid number" in text_of(
        bad_number.text
    )
    assert added.status_code == 303 and added.headers["location"].endswith("#event-a1")
    text = text_of(client.get(added.headers["location"]).text)
    assert "Added A1 Blink, both eyes 5.50 s to 5.80 s added" in text
    assert corrections(db) == 1


def test_a_patient_sees_the_corrected_figures_read_only(
    client: TestClient, world: World, analysis: tuple[int, int]
) -> None:
    token = log_in(client, "clinician_a")
    client.post(
        f"{report(*analysis)}/events/e1/correction", data={"csrf_token": token, "action": "reject"}
    )
    client.cookies.clear()
    log_in(client, "patient_p1")

    page = client.get(f"/me/videos/{analysis[1]}")

    text = text_of(page.text)
    assert page.status_code == 200
    assert "Corrected by Clinician A on" in text and "Spasms per minute 20.0 15.0" in text
    assert "6 events: spasms and blinks" in text  # the events as corrected, in the plain table
    assert (
        "/correction" not in page.text and "Relabel" not in text and "Corrections made" not in text
    )
    assert "<img" not in page.text


def test_a_patient_cannot_post_a_correction(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    token = log_in(client, "patient_p1")
    sent = client.post(
        f"{report(*analysis)}/events/e1/correction", data={"csrf_token": token, "action": "reject"}
    )
    assert sent.status_code == 403
    assert corrections(db) == 0


# --- the labels download ------------------------------------------------------------------------


def test_the_labels_download_names_the_video_and_needs_a_condition_without_a_diagnosis(
    client: TestClient, db: Session, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "clinician_a")
    url = f"{report(*analysis)}/labels.json"

    unsaid = client.get(url)
    said = client.get(url, params={"condition": "healthy"})

    assert unsaid.status_code == 422
    assert "condition: no diagnosis of hemifacial spasm is recorded" in text_of(unsaid.text)
    assert said.status_code == 200
    sha = db.scalars(select(Upload.sha256)).one()
    assert said.headers["content-disposition"] == f'attachment; filename="{sha}.labels.json"'
    labels = LabelFile.model_validate(json.loads(said.text))
    assert labels.video.file == f"{sha}.mp4" and labels.subject.condition == "healthy"
    assert len(labels.events) == 7


def test_a_patient_cannot_download_the_labels(
    client: TestClient, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "patient_p1")
    sent = client.get(f"{report(*analysis)}/labels.json", params={"condition": "hfs"})
    assert sent.status_code == 403


def test_the_review_speaks_the_clinicians_language(
    client: TestClient, world: World, analysis: tuple[int, int]
) -> None:
    log_in(client, "clinician_a")
    client.cookies.set("lang", "es")
    text = text_of(client.get(report(*analysis)).text)
    for words in ("#3 Espasmo, ojo izquierdo", "sin revisar", "¿Es un espasmo del ojo izquierdo?"):
        assert words in text
    for words in ("El ojo del suceso", "Justo antes", "Parpadeo"):
        assert words in text
    assert "Is this a spasm" not in text and "Spasm, left eye" not in text
