"""hemispasm backup and restore: round trips on SQLite and PostgreSQL, a backup taken while the
server writes, and the refusals (a data folder in use, a damaged or foreign archive)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from hemispasm.cli import EXIT_CODES, main
from hemispasm.clinic import backup
from hemispasm.clinic.app import create_app
from hemispasm.clinic.commands import migrate
from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.models import Patient, SelfRating
from hemispasm.clinic.settings import DATABASE_FILE, Settings
from hemispasm.errors import BackupError
from tests.clinic.api.conftest import TODAY, World, build_world, make_test_settings
from tests.clinic.conftest import POSTGRES_URL, skip_or_fail

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "database_url": None}
    return make_test_settings(**(values | overrides))


def _clinic(settings: Settings) -> World:
    """A migrated clinic with the test personas, a stored upload, a report and a partial
    upload in the data folder."""
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url)
    with Session(engine, expire_on_commit=False) as db:
        world = build_world(db, settings)
    engine.dispose()
    data = settings.data_dir
    (data / "uploads" / "ab").mkdir(parents=True)
    (data / "uploads" / "ab" / "ab12.mp4").write_bytes(b"\x00video" * 1000)
    (data / "uploads" / ".incoming").mkdir()
    (data / "uploads" / ".incoming" / "half.part").write_bytes(b"partial")
    (data / "reports" / "7").mkdir(parents=True)
    (data / "reports" / "7" / "result.json").write_text('{"schema": "hemispasm.analysis/1"}')
    return world


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_sqlite_clinic_comes_back_whole_from_its_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"

    assert main(["backup", "--data", str(source.data_dir), "--out", str(archive)]) == 0
    assert f"wrote {archive}: sqlite database at revision" in capsys.readouterr().err
    assert archive.stat().st_mode & 0o777 == 0o600  # patient data: its owner's only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == backup.SQLITE_MEMBER and names[-1] == backup.MANIFEST
    assert "uploads/ab/ab12.mp4" in names and "reports/7/result.json" in names
    assert not any(".incoming" in name for name in names)  # a partial upload is no record

    target = tmp_path / "restored"
    assert main(["restore", str(archive), "--data", str(target)]) == 0
    assert f"restored {archive}" in capsys.readouterr().err
    assert (target / "uploads/ab/ab12.mp4").read_bytes() == b"\x00video" * 1000
    assert (target / "reports/7/result.json").read_text().startswith('{"schema"')
    with sqlite3.connect(target / DATABASE_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names_back = {row[0] for row in db.execute("SELECT name FROM patients")}
    assert names_back == {"Demo Patient P1", "Demo Patient P2", "Demo Patient Q1"}
    assert not list(target.glob(".restoring-*"))


def test_restore_refuses_a_data_folder_in_use_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    backup.back_up(source, archive, now=NOW)
    (source.data_dir / "reports" / "8").mkdir()  # made after the backup
    (source.data_dir / "notes.txt").write_text("kept")

    assert main(["restore", str(archive), "--data", str(source.data_dir)]) == 14
    err = capsys.readouterr().err
    assert "the data folder is not empty" in err and err.count("\n") == 1
    assert (source.data_dir / "reports" / "8").is_dir()  # nothing touched

    backup.restore(source, archive, force=True)
    assert not (source.data_dir / "reports" / "8").exists()  # reports are the backup's
    assert (source.data_dir / "notes.txt").read_text() == "kept"  # other files stay
    assert (source.data_dir / "reports" / "7" / "result.json").exists()


def _rewrite(archive: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """A copy of ``archive`` with members replaced (bytes) or left out (None)."""
    with tarfile.open(archive) as tar, tarfile.open(target, "w") as out:
        for member in tar:
            body = change.get(member.name, tar.extractfile(member).read())  # type: ignore[union-attr]
            if body is None:
                continue
            member.size = len(body)
            out.addfile(member, io.BytesIO(body))


def test_restore_refuses_an_archive_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    backup.back_up(source, archive, now=NOW)
    target = _settings(tmp_path / "restored")

    edited = tmp_path / "edited.tar"
    _rewrite(archive, edited, {"reports/7/result.json": b'{"schema": "forged"}'})
    with pytest.raises(BackupError, match=r"reports/7/result.json does not match its SHA-256"):
        backup.restore(target, edited)
    assert not (target.data_dir / DATABASE_FILE).exists()
    assert not list(target.data_dir.iterdir())  # the staging folder is gone too

    short = tmp_path / "short.tar"
    _rewrite(archive, short, {"uploads/ab/ab12.mp4": None})
    with pytest.raises(BackupError, match=r"1 files of manifest.json missing, e.g. uploads/ab"):
        backup.restore(target, short)

    no_manifest = tmp_path / "bare.tar"
    _rewrite(archive, no_manifest, {backup.MANIFEST: None})
    with pytest.raises(BackupError, match="not a hemispasm backup"):
        backup.restore(target, no_manifest)

    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("hello")
    with pytest.raises(BackupError, match="not a tar file"):
        backup.restore(target, not_tar)


def test_restore_refuses_an_archive_from_a_newer_schema(tmp_path: Path) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    backup.back_up(source, archive, now=NOW)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())  # type: ignore[union-attr]
    manifest["database"]["schema_revision"] = "0099_from_the_future"
    newer = tmp_path / "newer.tar"
    _rewrite(archive, newer, {backup.MANIFEST: json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="revision '0099_from_the_future', unknown to hemi"):
        backup.restore(_settings(tmp_path / "restored"), newer)
    assert not (tmp_path / "restored").exists()


def test_restore_refuses_a_database_that_fails_its_integrity_check(tmp_path: Path) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    backup.back_up(source, archive, now=NOW)
    with tarfile.open(archive) as tar:
        database = bytearray(tar.extractfile(backup.SQLITE_MEMBER).read())  # type: ignore[union-attr]
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())  # type: ignore[union-attr]
    with sqlite3.connect(source.data_dir / DATABASE_FILE) as db:
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'patients'"
        ).fetchone()
    page_size = int.from_bytes(database[16:18], "big")
    start = (root - 1) * page_size
    database[start + 8 : start + 16] = b"\xee" * 8  # the patients table's cell pointers
    entry = next(e for e in manifest["files"] if e["path"] == backup.SQLITE_MEMBER)
    entry["sha256"] = hashlib.sha256(bytes(database)).hexdigest()  # a consistent forgery
    broken = tmp_path / "broken.tar"
    _rewrite(
        archive,
        broken,
        {backup.SQLITE_MEMBER: bytes(database), backup.MANIFEST: json.dumps(manifest).encode()},
    )
    with pytest.raises(BackupError, match="fails SQLite's integrity check"):
        backup.restore(_settings(tmp_path / "restored"), broken)
    assert not (tmp_path / "restored" / DATABASE_FILE).exists()


def test_backup_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    (tmp_path / "old.tar").write_text("an older backup")
    with pytest.raises(BackupError, match=r"old\.tar: already exists"):
        backup.back_up(source, tmp_path / "old.tar", now=NOW)
    assert (tmp_path / "old.tar").read_text() == "an older backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(BackupError, match="inside the uploads folder it backs up"):
        backup.back_up(source, source.data_dir / "uploads" / "b.tar", now=NOW)


def test_a_backup_taken_while_patients_write_holds_every_write_acknowledged_before_it(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path / "clinic", embedded_worker=False)
    world = _clinic(settings)
    patient = world["patient_p1"]
    ratings = f"/api/v1/patients/{world.patients['P1']}/self-ratings"
    acknowledged: list[tuple[float, int]] = []
    refused: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(client: TestClient, thread: int) -> None:
        n = 0
        while not stop.is_set() and n < 2000:
            body = {"rated_on": TODAY.isoformat(), "score": n % 11, "note": f"t{thread} n{n}"}
            answer = client.post(ratings, json=body, headers=patient.headers)
            with lock:
                if answer.status_code == 201:
                    acknowledged.append((time.monotonic(), int(answer.json()["id"])))
                else:
                    refused.append(answer.status_code)
            n += 1

    app = create_app(settings, clock=lambda: TODAY)
    archive = tmp_path / "during.tar"
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        writers = [threading.Thread(target=write, args=(client, i)) for i in range(4)]
        for writer in writers:
            writer.start()
        try:
            while len(acknowledged) < 40:
                time.sleep(0.01)
            began = time.monotonic()
            backup.back_up(settings, archive, now=NOW)
            ended = time.monotonic()
            while len([t for t, _ in acknowledged if t > ended]) < 10:  # writes go on after
                time.sleep(0.01)
        finally:
            stop.set()
            for writer in writers:
                writer.join(timeout=60)
    before = {row for t, row in acknowledged if t < began}
    assert refused == [] and len(before) >= 40

    restored = _settings(tmp_path / "restored")
    backup.restore(restored, archive)
    with sqlite3.connect(restored.data_dir / DATABASE_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = {row[0] for row in db.execute("SELECT id FROM self_ratings")}
    assert before <= kept
    after = {row for t, row in acknowledged if t > ended}
    assert not (after & kept)  # the copy is of one moment, not a mixture


# --- PostgreSQL --------------------------------------------------------------------------------


def _postgres_tools_missing() -> str | None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@pytest.fixture
def two_postgres_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty databases on the test server (dropped afterwards)."""
    from tests.clinic.conftest import postgres_reachable

    skip_or_fail(
        postgres_reachable() or _postgres_tools_missing(), required_by="HEMISPASM_REQUIRE_POSTGRES"
    )
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    names = [f"hs_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    base = POSTGRES_URL.rsplit("/", 1)[0]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_postgresql_clinic_comes_back_whole_from_its_backup(
    tmp_path: Path, two_postgres_databases: tuple[str, str]
) -> None:
    first, second = two_postgres_databases
    source = _settings(tmp_path / "clinic", database_url=first)
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    made = backup.back_up(source, archive, now=NOW)
    assert made.database == "postgresql" and made.rows["patients"] == 3

    target = _settings(tmp_path / "restored", database_url=second)
    back = backup.restore(target, archive)
    assert back.rows == made.rows
    engine = make_engine(target.sqlalchemy_url)
    try:
        assert _count(engine, Patient) == 3 and _count(engine, SelfRating) == 0
    finally:
        engine.dispose()
    assert (target.data_dir / "uploads/ab/ab12.mp4").read_bytes() == b"\x00video" * 1000

    with pytest.raises(BackupError, match="already holds"):
        backup.restore(_settings(tmp_path / "again", database_url=second), archive)
    again = backup.restore(_settings(tmp_path / "again", database_url=second), archive, force=True)
    assert again.rows == made.rows


def test_an_archive_of_one_database_kind_is_refused_by_the_other(tmp_path: Path) -> None:
    source = _settings(tmp_path / "clinic")
    _clinic(source)
    archive = tmp_path / "clinic.tar"
    backup.back_up(source, archive, now=NOW)
    target = _settings(tmp_path / "pg", database_url="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(BackupError, match="holds a sqlite database, but this server is config"):
        backup.restore(target, archive)


def test_every_backup_error_has_the_backup_exit_code() -> None:
    assert EXIT_CODES[BackupError] == 14


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    settings = _settings(tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(BackupError, match="pg_dump not found: install PostgreSQL's client"):
        backup.back_up(settings, tmp_path / "clinic.tar", now=NOW)
    assert list(tmp_path.iterdir()) == []
