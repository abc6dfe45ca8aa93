"""Backups of a clinic: the database and the data folder's uploads and reports in one archive.

The archive is an uncompressed tar (the videos are compressed already)::

    database/hemispasm.sqlite3   a consistent copy, made with SQLite's online backup API, or
    database/hemispasm.pgdump    pg_dump's custom format, for PostgreSQL
    uploads/...                  the uploaded videos (partial uploads are left out)
    reports/...                  the analyses' report folders
    manifest.json                format, date, software, schema revision, rows per table, and
                                 the size and SHA-256 of every file above (written last)

The database is copied first and the files after it: every file a copied row names was on disk
before the copy began (a video and a report are written before the row that names them), so the
archive holds them all; files added later come along unnamed, which does no harm.

A restore checks the archive against its manifest before it touches anything, refuses a data
folder or a database that holds something unless told to replace it, checks the restored
database (SQLite's ``integrity_check``; the rows of every table against the manifest) and only
then moves the files into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import URL, inspect, make_url, text
from sqlalchemy.pool import NullPool

from hemispasm import __version__
from hemispasm.clinic.db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine
from hemispasm.clinic.jobs.queue import QUEUE_FILE
from hemispasm.clinic.jobs.runner import REPORTS_FOLDER
from hemispasm.clinic.services.uploads import INCOMING_FOLDER, UPLOADS_FOLDER
from hemispasm.clinic.settings import Settings
from hemispasm.errors import BackupError

FORMAT = "hemispasm.backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/hemispasm.sqlite3"
POSTGRES_MEMBER = "database/hemispasm.pgdump"
FOLDERS = (UPLOADS_FOLDER, REPORTS_FOLDER)
"""The data folder's folders a backup holds."""
_CHUNK = 1 << 20
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore did."""

    archive: Path
    database: str
    """``sqlite`` or ``postgresql``."""
    schema_revision: str | None
    rows: dict[str, int]
    files: int
    bytes: int

    def describe(self, verb: str) -> str:
        """One line for the command line."""
        return (
            f"{verb} {self.archive}: {self.database} database at revision "
            f"{self.schema_revision or 'none'} ({sum(self.rows.values())} rows in "
            f"{len(self.rows)} tables), {self.files} files, {self.bytes / 1e6:.1f} MB"
        )


# --- making a backup ---------------------------------------------------------------------------


def back_up(settings: Settings, out: Path, *, now: datetime) -> BackupSummary:
    """Write a backup of the clinic of ``settings`` to the new file ``out``.

    The archive is written under a temporary name beside ``out`` and renamed when complete, so a
    failure leaves nothing half-written.
    """
    if out.exists():
        raise BackupError(f"{out}: already exists; name a new file")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such folder")
    for folder in FOLDERS:
        if out.resolve().is_relative_to((settings.data_dir / folder).resolve()):
            raise BackupError(f"{out}: inside the {folder} folder it backs up; write it elsewhere")
    url = settings.sqlalchemy_url
    partial = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix=".hemispasm-backup-", dir=out.parent) as work:
            if _is_postgres(url):
                member = POSTGRES_MEMBER
                copy = Path(work) / "hemispasm.pgdump"
                revision, rows = _dump_postgres(url, copy)
                kind = "postgresql"
            else:
                member = SQLITE_MEMBER
                copy = Path(work) / "hemispasm.sqlite3"
                _copy_sqlite(_sqlite_path(url), copy)
                revision, rows = _check_sqlite(copy)
                kind = "sqlite"
            entries = _write_archive(partial, copy, member, settings.data_dir)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "software": {"hemispasm": __version__},
                "database": {
                    "kind": kind,
                    "file": member,
                    "schema_revision": revision,
                    "rows": rows,
                },
                "files": entries,
            }
            _append_manifest(partial, manifest)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(
        archive=out,
        database=kind,
        schema_revision=revision,
        rows=rows,
        files=len(entries) - 1,
        bytes=sum(int(entry["bytes"]) for entry in entries),
    )


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), by SQLite's backup API."""
    if not source.is_file():
        raise BackupError(f"{source}: no database here (run `hemispasm db upgrade` first?)")
    with (
        contextlib.closing(sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as live,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)  # all pages in one step: one read transaction, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


def _check_sqlite(path: Path) -> tuple[str | None, dict[str, int]]:
    """The schema revision and the rows per table of an SQLite file that passes its integrity
    check."""
    try:
        return _sqlite_contents(path)
    except sqlite3.DatabaseError as error:  # too damaged to be checked at all
        raise BackupError(f"{path.name}: fails SQLite's integrity check: {error}") from None


def _sqlite_contents(path: Path) -> tuple[str | None, dict[str, int]]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise BackupError(
                f"{path.name}: fails SQLite's integrity check: {'; '.join(verdict[:3])}"
            )
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        rows = {
            name: int(db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in tables
        }
        revision = None
        if "alembic_version" in tables:
            found = db.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
    return revision, rows


def _write_archive(
    archive: Path, database: Path, member: str, data_dir: Path
) -> list[dict[str, Any]]:
    """The tar of the database copy and the data folder's files; their manifest entries."""
    entries = []
    private = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # patient data
    with (
        os.fdopen(private, "wb") as file,
        tarfile.open(fileobj=file, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        entries.append(_add(tar, database, member))
        for folder in FOLDERS:
            for path in _files_under(data_dir / folder):
                name = path.relative_to(data_dir).as_posix()
                with contextlib.suppress(FileNotFoundError):  # deleted meanwhile: not needed
                    entries.append(_add(tar, path, name))
    return entries


def _files_under(folder: Path) -> Iterator[Path]:
    """Regular files below ``folder`` in a fixed order, leaving out partial uploads."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != INCOMING_FOLDER)
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path


class _Hashing:
    """A file read through, hashing what is read (tarfile reads each member once)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.sha256.update(chunk)
        return chunk


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as file:
        info = tar.gettarinfo(fileobj=file, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(file)
        tar.addfile(info, reader)
    return {"path": name, "bytes": info.size, "sha256": reader.sha256.hexdigest()}


def _append_manifest(archive: Path, manifest: dict[str, Any]) -> None:
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    with tarfile.open(archive, "a", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        info.mtime = int(datetime.fromisoformat(manifest["created_at"]).timestamp())
        tar.addfile(info, _BytesReader(body))
    with archive.open("rb+") as file:
        os.fsync(file.fileno())


class _BytesReader:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.body) if size < 0 else self.offset + size
        chunk = self.body[self.offset : end]
        self.offset += len(chunk)
        return chunk


# --- PostgreSQL --------------------------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: an in-memory database cannot be backed up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A connection URI for the PostgreSQL tools, and the environment that carries its password
    (kept off the command line, where other users of the machine could read it)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client programs (Debian: apt-get install "
            "postgresql-client), of the server's major version or newer"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no message"]
        raise BackupError(f"{Path(command[0]).name} failed: {lines[-1]}")


def _dump_postgres(url: str, target: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump of the database into ``target`` (custom format); its schema revision and the rows
    of each table, counted in the very snapshot pg_dump copies."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision, rows = _postgres_contents(conn)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env,
            )
            conn.rollback()
    finally:
        engine.dispose()
    return revision, rows


def _postgres_contents(conn: Any) -> tuple[str | None, dict[str, int]]:
    tables = sorted(inspect(conn).get_table_names())
    rows = {
        name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
        for name in tables
    }
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision, rows


def _restore_postgres(url: str, dump: Path, *, force: bool) -> dict[str, int]:
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            held = inspect(conn).get_table_names()
        if held and not force:
            raise BackupError(
                f"the database {make_url(url).render_as_string()} already holds {len(held)} "
                "tables; restore into an empty database, or add --force to replace them"
            )
        command = [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
        ]
        if held:
            command += ["--clean", "--if-exists"]
        _run([*command, str(dump)], env)
        with engine.connect() as conn:
            return _postgres_contents(conn)[1]
    finally:
        engine.dispose()


# --- restoring ---------------------------------------------------------------------------------


def restore(settings: Settings, archive: Path, *, force: bool = False) -> BackupSummary:
    """Restore the backup ``archive`` into the database and data folder of ``settings``.

    Refuses a data folder that holds anything, or a PostgreSQL database that holds tables,
    unless ``force``; then the database, the job queue, ``uploads`` and ``reports`` are replaced
    and anything else in the data folder is left alone. The server must be stopped meanwhile.
    """
    data_dir = settings.data_dir
    url = settings.sqlalchemy_url
    with _open_archive(archive) as tar:
        manifest = _read_manifest(tar, archive)
        database = manifest["database"]
        postgres = _is_postgres(url)
        if (database["kind"] == "postgresql") != postgres:
            raise BackupError(
                f"{archive}: holds a {database['kind']} database, but this server is configured "
                f"for {'postgresql' if postgres else 'sqlite'} (HEMISPASM_DATABASE_URL)"
            )
        _check_revision(database["schema_revision"], archive)
        if data_dir.exists() and any(data_dir.iterdir()) and not force:
            raise BackupError(
                f"{data_dir}: the data folder is not empty; restore into an empty folder, or add "
                "--force to replace its database, uploads and reports"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=data_dir))
        try:
            _extract_checked(tar, manifest, staging, archive)
            staged_db = staging / database["file"]
            if postgres:
                rows = _restore_postgres(url, staged_db, force=force)
            else:
                rows = _check_sqlite(staged_db)[1]
            if rows != database["rows"]:
                raise BackupError(f"{archive}: {_rows_differ(database['rows'], rows)}")
            if not postgres:
                _replace_sqlite(staged_db, _sqlite_path(url))
            _forget_queue(data_dir)
            _replace_folders(staging, data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    files = [entry for entry in manifest["files"] if entry["path"] != database["file"]]
    return BackupSummary(
        archive=archive,
        database=database["kind"],
        schema_revision=database["schema_revision"],
        rows=rows,
        files=len(files),
        bytes=sum(int(entry["bytes"]) for entry in manifest["files"]),
    )


@contextlib.contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive}: not a hemispasm backup (not a tar file: {error})") from None
    with tar:
        yield tar


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        file = tar.extractfile(MANIFEST)
        manifest = json.loads(file.read()) if file is not None else None
    except (KeyError, ValueError, tarfile.TarError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: not a hemispasm backup ({MANIFEST} of {FORMAT} missing)")
    database = manifest.get("database")
    files = manifest.get("files")
    if (
        not isinstance(database, dict)
        or database.get("file") not in (SQLITE_MEMBER, POSTGRES_MEMBER)
        or not isinstance(database.get("rows"), dict)
        or not isinstance(files, list)
        or not all(isinstance(entry, dict) and _safe_name(entry.get("path")) for entry in files)
    ):
        raise BackupError(f"{archive}: {MANIFEST} is malformed")
    return manifest


def _safe_name(name: object) -> bool:
    """A member name the restore may write: a relative path into the database or a backed-up
    folder, without ``..``."""
    if not isinstance(name, str):
        return False
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and len(path.parts) >= 2
        and path.parts[0] in ("database", *FOLDERS)
    )


def _check_revision(revision: str | None, archive: Path) -> None:
    from alembic.script import ScriptDirectory

    from hemispasm.clinic.db.migrate import MIGRATIONS_DIR

    if revision is None:
        return
    try:
        known = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown revision
        known = False
    if not known:
        raise BackupError(
            f"{archive}: its database is at schema revision {revision!r}, unknown to hemispasm "
            f"{__version__} (made by a newer version?)"
        )


def _extract_checked(
    tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path, archive: Path
) -> None:
    """Write every member the manifest lists into ``staging``, checking size and SHA-256; refuse
    members it does not list and listed files that are missing."""
    expected = {entry["path"]: entry for entry in manifest["files"]}
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or not member.isfile():
            raise BackupError(f"{archive}: {member.name} is not listed in its {MANIFEST}")
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None  # a regular file
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if member.size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{archive}: {member.name} does not match its SHA-256 in {MANIFEST}")
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"{archive}: {len(missing)} files of {MANIFEST} missing, e.g. {missing[0]}"
        )


def _rows_differ(expected: dict[str, int], found: dict[str, int]) -> str:
    names = sorted(set(expected) | set(found))
    wrong = [
        f"{n} {found.get(n, 'absent')} (backed up {expected.get(n, 'absent')})"
        for n in names
        if expected.get(n) != found.get(n)
    ]
    return "the restored database's rows differ from the manifest: " + ", ".join(wrong)


def _replace_sqlite(staged: Path, target: Path) -> None:
    """Put the restored file in place of the database, without the old one's WAL files."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in _SQLITE_SIDE_FILES:
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def _forget_queue(data_dir: Path) -> None:
    """Remove the SQLite job queue: its messages name the old database's jobs. A worker queues
    again the restored database's unfinished jobs when it starts (``jobs.recovery``)."""
    queue = data_dir / QUEUE_FILE
    for suffix in ("", *_SQLITE_SIDE_FILES):
        Path(f"{queue}{suffix}").unlink(missing_ok=True)


def _replace_folders(staging: Path, data_dir: Path) -> None:
    for folder in FOLDERS:
        old = data_dir / folder
        if old.exists():
            shutil.rmtree(old)
        if (staging / folder).exists():
            os.replace(staging / folder, old)
