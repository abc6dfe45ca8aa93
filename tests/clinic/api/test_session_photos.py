"""A session's photos through the API: attach, list, read, fetch the picture and its thumbnail,
delete; the bad input refused naming ``file``, and who may see which."""

from __future__ import annotations

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
from tests.clinic.photos import (
    GPS_MARKER,
    MAX_BODY_BYTES,
    MAX_PHOTO_BYTES,
    jpeg,
    jpeg_with_gps,
    png,
    settings,
)

__all__ = ["settings"]

API = "/api/v1"


def photos_url(client: TestClient, world: World, on: str = "2026-05-01") -> str:
    """The photos URL of a new session of P1 on ``on``."""
    base = f"{API}/patients/{world.patients['P1']}"
    r = client.post(f"{base}/sessions", json=session_body(on), headers=world["clinician_a"].headers)
    assert r.status_code == 201, r.text
    return f"{base}/sessions/{r.json()['id']}/photos"


def send(
    client: TestClient, url: str, headers: dict[str, str], data: bytes, name: str = "face.jpg"
) -> Any:
    return client.post(url, files={"file": (name, data, "image/jpeg")}, headers=headers)


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "uploads"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_clinician_attaches_lists_opens_and_deletes_a_photo(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    url = photos_url(client, world)
    h = world["clinician_a"].headers

    r = send(client, url, h, jpeg_with_gps(64, 48))

    assert r.status_code == 201, r.text
    photo = r.json()
    assert (photo["content_type"], photo["width_px"], photo["height_px"]) == ("image/jpeg", 64, 48)
    assert photo["original_filename"] == "face.jpg"
    assert photo["uploaded_by"] == world["clinician_a"].user.id
    listed = client.get(url, headers=h).json()
    assert listed["total"] == 1 and listed["items"] == [photo]
    assert client.get(f"{url}/{photo['id']}", headers=h).json() == photo

    image = client.get(f"{url}/{photo['id']}/image", headers=h)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert len(image.content) == photo["size_bytes"] and GPS_MARKER not in image.content
    assert b"Exif" not in image.content
    thumbnail = client.get(f"{url}/{photo['id']}/thumbnail", headers=h)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")
    reads = audit_rows(db, action="read", entity="session_photo", entity_id=photo["id"])
    assert len(reads) == 3  # the details, the picture, the thumbnail

    gone = client.delete(f"{url}/{photo['id']}", headers=h)

    assert gone.status_code == 204
    assert client.get(f"{url}/{photo['id']}/image", headers=h).status_code == 404
    assert client.get(url, headers=h).json()["total"] == 0
    (deleted,) = audit_rows(db, action="delete", entity="session_photo")
    assert detail_of(deleted)["before"]["sha256"] == photo["sha256"]
    assert stored_files(settings) == []  # no other photo held its files


def test_a_photo_larger_than_the_general_body_limit_is_accepted_up_to_its_own(
    client: TestClient, world: World
) -> None:
    data = png(180, 180, noise=True)
    assert MAX_BODY_BYTES < len(data) < MAX_PHOTO_BYTES

    r = send(client, photos_url(client, world), world["clinician_a"].headers, data, "scan.png")

    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"


def test_bad_photos_are_refused_naming_the_file_and_nothing_is_kept(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    url = photos_url(client, world)
    h = world["clinician_a"].headers
    too_large = f"file: the photo is larger than the limit of {MAX_PHOTO_BYTES} bytes"
    cases = [
        (b"GIF89a" + b"\0" * 64, 422, "file: not a photo in a supported format (JPEG or PNG)"),
        (jpeg(300, 200)[:-500], 422, "file: the JPEG is incomplete"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, 422, "file: not a readable JPEG"),
        (b"", 422, "file: the file is empty"),
        (png(265, 265, noise=True), 413, too_large),  # streamed past the photo limit
    ]  # fmt: skip
    for data, status, message in cases:
        r = send(client, url, h, data)
        assert r.status_code == status, (message, r.text)
        assert r.json()["detail"].startswith(message), r.text
        assert r.json()["errors"][0]["field"] == "file"
    way_too_large = send(client, url, h, png(400, 400, noise=True))  # refused by its length
    assert way_too_large.status_code == 413 and "request body is larger" in way_too_large.text
    wrong_part = client.post(url, files={"photo": ("a.jpg", jpeg(), "image/jpeg")}, headers=h)
    assert wrong_part.status_code == 422 and "unknown part 'photo'" in wrong_part.text
    assert stored_files(settings) == []
    assert db.scalar(select(func.count()).select_from(SessionPhoto)) == 0


def test_who_may_see_and_change_which_photos(client: TestClient, world: World) -> None:
    url = photos_url(client, world)
    r = send(client, url, world["clinician_a"].headers, jpeg())
    assert r.status_code == 201, r.text
    image = f"{url}/{r.json()['id']}/image"

    assert client.get(image, headers=world["patient_p1"].headers).status_code == 200
    assert client.get(url, headers=world["patient_p1"].headers).json()["total"] == 1
    for name in ("patient_p2", "clinician_b", "patient_q1"):
        assert client.get(image, headers=world[name].headers).status_code == 404, name
    assert client.get(image, headers=world["admin_a"].headers).status_code == 403
    assert client.get(image).status_code == 401
    refused = send(client, url, world["patient_p1"].headers, jpeg(seed=2))
    assert refused.status_code == 403, refused.text
    assert (
        client.delete(image.removesuffix("/image"), headers=world["patient_p1"].headers).status_code
        == 403
    )
    other = send(client, url, world["clinician_b"].headers, jpeg(seed=3))
    assert other.status_code == 404, other.text


def test_a_photo_is_not_found_under_another_session(client: TestClient, world: World) -> None:
    first, second = photos_url(client, world), photos_url(client, world, "2026-01-15")
    h = world["clinician_a"].headers
    photo_id = send(client, first, h, jpeg()).json()["id"]

    assert client.get(f"{second}/{photo_id}/image", headers=h).status_code == 404
    assert client.delete(f"{second}/{photo_id}", headers=h).status_code == 404
    assert client.get(f"{first}/{photo_id}/image", headers=h).status_code == 200
