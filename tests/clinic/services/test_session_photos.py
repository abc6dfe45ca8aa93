"""Session photos through their use cases: stored without metadata like videos, refused whole,
read by whom may read them, deleted with the values before in the audit log."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import InjectionSession, SessionPhoto, User
from hemispasm.clinic.domain.vocab import Product
from hemispasm.clinic.services import session_photos as svc
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import write_refusals
from hemispasm.clinic.services.stored_files import FileTooLargeError
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, NotFoundError, PermissionDeniedError
from tests.clinic.api.conftest import TODAY, World, world
from tests.clinic.api.test_audit import audit_rows, detail_of
from tests.clinic.photos import GPS_MARKER, jpeg, jpeg_with_gps, png, settings

__all__ = ["settings", "world"]


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def a_session(db: Session, patient_id: int) -> int:
    row = InjectionSession(
        patient_id=patient_id,
        session_on=date(2026, 5, 1),
        product=Product.ONABOTULINUMTOXIN_A,
        dilution_units_per_0_1_ml=2.5,
    )
    db.add(row)
    db.commit()
    return row.id


def attach(
    db: Session,
    settings: Settings,
    user: User,
    patient_id: int,
    session_id: int,
    data: bytes,
    filename: str = "face.jpg",
) -> SessionPhoto:
    incoming = svc.IncomingPhoto(
        settings.data_dir, max_bytes=settings.max_photo_bytes, filename=filename
    )
    try:
        incoming.write(data)
        return svc.attach_photo(
            db,
            actor_of(user),
            data_dir=settings.data_dir,
            patient_id=patient_id,
            session_id=session_id,
            incoming=incoming,
        )
    finally:
        incoming.discard()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def photo_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SessionPhoto)) or 0


def test_a_photo_is_stored_re_encoded_without_its_exif_and_gps_position(
    db: Session, world: World, settings: Settings
) -> None:
    p1 = world.patients["P1"]
    session_id = a_session(db, p1)
    sent = jpeg_with_gps(64, 48)
    assert GPS_MARKER in sent and b"Exif" in sent

    photo = attach(db, settings, world["clinician_a"].user, p1, session_id, sent)

    stored = (settings.data_dir / photo.stored_path).read_bytes()
    assert b"Exif" not in stored and GPS_MARKER not in stored and b"\xff\xe1" not in stored
    assert stored.startswith(b"\xff\xd8\xff")
    assert photo.sha256 == hashlib.sha256(stored).hexdigest() != hashlib.sha256(sent).hexdigest()
    assert (photo.size_bytes, photo.content_type) == (len(stored), "image/jpeg")
    assert (photo.width_px, photo.height_px, photo.original_filename) == (64, 48, "face.jpg")
    assert photo.stored_path == f"uploads/{photo.sha256[:2]}/{photo.sha256}.jpg"
    thumbnail = (settings.data_dir / photo.thumbnail_path).read_bytes()
    assert thumbnail.startswith(b"\xff\xd8\xff") and GPS_MARKER not in thumbnail
    assert files_under(settings.data_dir / "uploads" / ".incoming") == []
    (row,) = audit_rows(db, action="create", entity="session_photo")
    assert row.entity_id == photo.id and row.patient_id == p1
    assert detail_of(row)["after"]["sha256"] == photo.sha256


def test_a_png_stays_a_png(db: Session, world: World, settings: Settings) -> None:
    p1 = world.patients["P1"]
    photo = attach(db, settings, world["clinician_a"].user, p1, a_session(db, p1), png(30, 20))
    assert photo.content_type == "image/png" and photo.stored_path.endswith(".png")
    assert (settings.data_dir / photo.stored_path).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 40, "not a photo in a supported format (JPEG or PNG)"),
        (jpeg(200, 150)[:-400], "the JPEG is incomplete"),
        (png(200, 150)[:300], "the PNG is incomplete"),
        (b"", "the file is empty"),
    ],
)
def test_a_refused_photo_leaves_no_file_and_no_row(
    db: Session, world: World, settings: Settings, data: bytes, message: str
) -> None:
    p1 = world.patients["P1"]
    session_id = a_session(db, p1)

    with pytest.raises(ClinicalDataError, match="^file: " + re.escape(message)):
        attach(db, settings, world["clinician_a"].user, p1, session_id, data)

    assert files_under(settings.data_dir / "uploads") == []
    assert photo_rows(db) == 0
    assert not audit_rows(db, entity="session_photo", action="create")


def test_a_photo_over_the_size_limit_is_refused_while_it_arrives(
    settings: Settings, world: World
) -> None:
    incoming = svc.IncomingPhoto(settings.data_dir, max_bytes=settings.max_photo_bytes)
    try:
        with pytest.raises(FileTooLargeError, match=r"^file: the photo is larger than the limit"):
            incoming.write(png(300, 300, noise=True))
    finally:
        incoming.discard()
    assert files_under(settings.data_dir / "uploads") == []


def test_only_the_patients_clinicians_attach_and_delete_and_the_patient_reads_their_own(
    db: Session, world: World, settings: Settings
) -> None:
    p1, p2 = world.patients["P1"], world.patients["P2"]
    session_id = a_session(db, p1)
    photo = attach(db, settings, world["clinician_a"].user, p1, session_id, jpeg())

    own = svc.photo_file(
        db, actor_of(world["patient_p1"].user), p1, session_id, photo.id, data_dir=settings.data_dir
    )
    assert own.media_type == "image/jpeg" and own.path.is_file()
    for name, patient_id in (("patient_p2", p1), ("clinician_b", p1), ("patient_p2", p2)):
        with pytest.raises(NotFoundError):
            svc.photo_file(
                db,
                actor_of(world[name].user),
                patient_id,
                session_id,
                photo.id,
                data_dir=settings.data_dir,
            )
    with pytest.raises(PermissionDeniedError, match="your role cannot change session photo"):
        attach(db, settings, world["patient_p1"].user, p1, session_id, jpeg(seed=1))
    with pytest.raises(PermissionDeniedError):
        svc.delete_photo(
            db, actor_of(world["patient_p1"].user), p1, session_id, photo.id, data_dir=Path("/")
        )
    with pytest.raises(PermissionDeniedError, match="admins manage accounts"):
        svc.check_may_attach(db, actor_of(world["admin_a"].user), p1, session_id)
    write_refusals(db)  # as the app does after a refused request
    refused = [detail_of(row) for row in audit_rows(db, entity="session_photo", action="refused")]
    assert {(r["attempted"], r["status"]) for r in refused} == {
        ("read", 404),
        ("create", 403),
        ("delete", 403),
    }


def test_a_photo_is_found_only_under_its_own_patient_and_session(
    db: Session, world: World, settings: Settings
) -> None:
    p1 = world.patients["P1"]
    first, second = a_session(db, p1), a_session(db, p1)
    photo = attach(db, settings, world["clinician_a"].user, p1, first, jpeg())
    clinician = actor_of(world["clinician_a"].user)

    with pytest.raises(NotFoundError, match=f"photo {photo.id} not found"):
        svc.get_photo(db, clinician, p1, second, photo.id)
    with pytest.raises(NotFoundError, match="injection session 999999 not found"):
        svc.check_may_attach(db, clinician, p1, 999_999)
    page = svc.list_photos(db, clinician, p1, second, page=1, page_size=10)
    assert (page.items, page.total) == ([], 0)


def test_deleting_keeps_the_values_before_and_removes_the_files_no_other_photo_holds(
    db: Session, world: World, settings: Settings
) -> None:
    p1 = world.patients["P1"]
    session_id = a_session(db, p1)
    clinician = world["clinician_a"].user
    same = jpeg_with_gps()
    first = attach(db, settings, clinician, p1, session_id, same)
    second = attach(db, settings, clinician, p1, session_id, same)
    assert first.stored_path == second.stored_path  # one file per content
    picture = settings.data_dir / first.stored_path

    svc.delete_photo(db, actor_of(clinician), p1, session_id, first.id, data_dir=settings.data_dir)

    assert picture.is_file()  # the second photo still holds it
    (row,) = audit_rows(db, action="delete", entity="session_photo")
    before = detail_of(row)["before"]
    assert (row.entity_id, before["sha256"], before["session_id"]) == (
        first.id,
        first.sha256,
        session_id,
    )
    assert before["original_filename"] == "face.jpg" and before["width_px"] == 64
    listed = svc.list_photos(db, actor_of(clinician), p1, session_id, page=1, page_size=10)
    assert [p.id for p in listed.items] == [second.id]

    svc.delete_photo(db, actor_of(clinician), p1, session_id, second.id, data_dir=settings.data_dir)

    assert not picture.exists()
    assert not (settings.data_dir / second.thumbnail_path).exists()
    assert photo_rows(db) == 2  # the rows stay, marked deleted
    with pytest.raises(NotFoundError):
        svc.get_photo(db, actor_of(clinician), p1, session_id, second.id)
