"""Photos on a session's page: attached through the form, shown as thumbnails that open the
photo, deleted with the values before in the audit log, counted on the printed session, and
refused with the message next to the file field (nothing kept)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import SessionPhoto
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import World
from tests.clinic.api.test_audit import audit_rows, detail_of
from tests.clinic.bodies import session_body
from tests.clinic.photos import GPS_MARKER, jpeg, jpeg_with_gps, png, settings
from tests.clinic.web.conftest import log_in, text_of

__all__ = ["settings"]


def a_session(client: TestClient, world: World) -> str:
    """The page of a new session of P1."""
    pid = world.patients["P1"]
    r = client.post(
        f"/api/v1/patients/{pid}/sessions",
        json=session_body("2026-05-01"),
        headers=world["clinician_a"].headers,
    )
    assert r.status_code == 201, r.text
    return f"/patients/{pid}/sessions/{r.json()['id']}"


def attach(client: TestClient, page: str, token: str, data: bytes, name: str = "face.jpg") -> Any:
    return client.post(
        f"{page}/photos",
        data={"csrf_token": token},
        files={"file": (name, data, "image/jpeg")},
    )


def thumbnails(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+/thumbnail)"', html)


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "uploads"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_clinician_attaches_a_photo_and_sees_its_thumbnail_that_opens_it(
    client: TestClient, world: World
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    assert "No photo is attached to this session." in text_of(client.get(page).text)

    r = attach(client, page, token, jpeg_with_gps(640, 480))

    assert r.status_code == 303 and r.headers["location"] == f"{page}#photos-h"
    html = client.get(page).text
    (thumbnail,) = thumbnails(html)
    assert 'alt="Photo 1: open at full size"' in html and 'width="320" height="240"' in html
    view = thumbnail.removesuffix("/thumbnail")
    assert f'<a href="{view}">' in html and "640 × 480" in text_of(html)
    small = client.get(thumbnail)
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    opened = client.get(view)
    assert opened.status_code == 200
    assert "Photo 1 of the injection session of 1 May 2026" in text_of(opened.text)
    assert f'<img src="{view}/image" width="640" height="480"' in opened.text
    assert f'href="{page}#photos-h"' in opened.text
    image = client.get(f"{view}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert GPS_MARKER not in image.content and b"Exif" not in image.content


def test_a_refused_photo_is_named_next_to_the_file_field_and_nothing_is_kept(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")

    wrong = attach(client, page, token, b"GIF89a" + b"\0" * 64, "face.gif")
    broken = attach(client, page, token, jpeg(300, 200)[:-500])
    large = attach(client, page, token, png(265, 265, noise=True), "scan.png")

    assert wrong.status_code == 422
    text = text_of(wrong.text)
    assert "Error: Not a photo in a supported format (JPEG or PNG)" in text
    assert 'aria-invalid="true"' in wrong.text
    assert broken.status_code == 422 and "The JPEG is incomplete" in broken.text
    assert large.status_code == 413 and "The photo is larger than the limit" in large.text
    assert stored_files(settings) == []
    assert db.scalar(select(func.count()).select_from(SessionPhoto)) == 0


def test_a_photo_sent_without_the_forms_token_is_refused_before_it_is_read(
    client: TestClient, world: World, settings: Settings
) -> None:
    page = a_session(client, world)
    log_in(client, "clinician_a")

    r = attach(client, page, "not the token", jpeg())

    assert r.status_code == 403
    assert stored_files(settings) == []


def test_a_clinician_deletes_a_photo_and_the_audit_keeps_it(
    client: TestClient, world: World, db: Session
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    attach(client, page, token, jpeg())
    attach(client, page, token, png(40, 30))
    first, second = thumbnails(client.get(page).text)
    photo_id = int(first.split("/")[-2])

    r = client.post(f"{page}/photos/{photo_id}/delete", data={"csrf_token": token})

    assert r.status_code == 303 and r.headers["location"] == f"{page}#photos-h"
    assert thumbnails(client.get(page).text) == [second]
    assert client.get(first).status_code == 404
    (row,) = audit_rows(db, action="delete", entity="session_photo")
    assert row.entity_id == photo_id and detail_of(row)["before"]["content_type"] == "image/jpeg"


def test_the_printed_session_counts_the_photos_without_showing_them(
    client: TestClient, world: World
) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    attach(client, page, token, jpeg())
    attach(client, page, token, jpeg(seed=5))

    printed = client.get(f"{page}/print")

    assert printed.status_code == 200
    assert "2 photos are attached to this session (not printed)." in text_of(printed.text)
    assert thumbnails(printed.text) == [] and "Attach a photo" not in printed.text


def test_only_the_patient_themselves_may_open_their_photo(client: TestClient, world: World) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    attach(client, page, token, jpeg())
    (thumbnail,) = thumbnails(client.get(page).text)
    client.cookies.clear()

    log_in(client, "patient_p2")
    assert client.get(thumbnail).status_code == 404
    client.cookies.clear()
    log_in(client, "patient_p1")
    assert client.get(thumbnail).status_code == 200
    assert client.get(thumbnail.replace("/thumbnail", "/image")).status_code == 200
    assert client.get(thumbnail.removesuffix("/thumbnail")).status_code == 403  # the clinic's page


def test_the_photos_speak_spanish_to_a_spanish_reader(client: TestClient, world: World) -> None:
    page = a_session(client, world)
    token = log_in(client, "clinician_a")
    attach(client, page, token, jpeg())
    client.cookies.set("lang", "es")

    text = text_of(client.get(page).text)
    printed = text_of(client.get(f"{page}/print").text)

    assert "Fotos" in text and "Adjuntar la foto" in text and "Borrar" in text
    assert "Photo file" not in text and "Attach the photo" not in text
    assert "1 foto adjunta a esta sesión (no se imprime)." in printed
