"""The audit log's hash chain: tampering in SQL is found, concurrent appends stay one line, and the
migration chains the rows stored before it.

Each test gets a database of its own on each backend (a fresh SQLite file or PostgreSQL schema),
since appends here commit for real.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hemispasm.cli import EXIT_AUDIT_BROKEN, main
from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.migrate import alembic_config, downgrade_to_base, upgrade_to_head
from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.services.audit import (
    CHAIN_COLUMNS,
    GENESIS_HASH,
    ChainReport,
    record_event,
    row_hash,
    verify_chain,
)
from hemispasm.clinic.settings import DATABASE_FILE
from tests.clinic.db.test_migrations import fresh_postgres_schema

AT = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at the newest revision, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chain.sqlite3'}"
        upgrade_to_head(url)
        yield url
        return
    with fresh_postgres_schema() as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """An engine on the test's database (as the server makes it: SQLite waits its turn)."""
    eng = make_engine(url, pool_size=10, max_connections=10)
    yield eng
    eng.dispose()


def append(engine: Engine, count: int, *, entity: str = "patient") -> list[int]:
    """Append ``count`` audit rows, one transaction each, as the app does; their ids."""
    factory = make_session_factory(engine)
    for i in range(count):
        with factory() as db:
            record_event(db, None, "read", entity, entity_id=i, request=f"test {i}")
            db.commit()
    with engine.connect() as conn:
        return list(conn.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def verify(engine: Engine) -> ChainReport:
    """The chain as ``hemispasm audit verify`` finds it."""
    with engine.connect() as conn:
        return verify_chain(conn)


def broken_rows(report: ChainReport) -> list[tuple[int, str]]:
    """(row id, first words of the problem) of each break."""
    return [(b.row_id, " ".join(b.problem.split()[:3])) for b in report.breaks]


def as_an_intruder(engine: Engine, *statements: str, **params: Any) -> None:
    """Lift the append-only guard and run ``statements`` in SQL, as someone holding the database
    file (or a superuser's login) could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        for statement in statements:
            conn.execute(text(statement), params)


def forged_row(conn: Connection, prev_hash: str, **values: Any) -> dict[str, Any]:
    """An audit row whose own hash is right for its content and ``prev_hash``."""
    row: dict[str, Any] = dict.fromkeys(CHAIN_COLUMNS) | {
        "at": AT,
        "action": "read",
        "entity": "patient",
    }
    row |= values
    return row | {"prev_hash": prev_hash, "row_hash": row_hash(row, prev_hash)}


# --- what verify finds --------------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_ends_at_the_last_rows_hash(engine: Engine) -> None:
    ids = append(engine, 4)

    report = verify(engine)

    assert report.intact and report.rows == 4 and report.last_id == ids[-1]
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.prev_hash, AuditEvent.row_hash).order_by(AuditEvent.id)
        ).all()
    assert rows[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert report.last_hash == rows[-1].row_hash


def test_an_edited_row_is_found_by_its_id(engine: Engine) -> None:
    ids = append(engine, 4)

    as_an_intruder(engine, "UPDATE audit_events SET user_id = NULL, entity = 'nothing' "
                   "WHERE id = :id", id=ids[1])  # fmt: skip

    assert broken_rows(verify(engine)) == [(ids[1], "its content does")]


def test_an_edited_hash_is_found_too(engine: Engine) -> None:
    ids = append(engine, 3)

    as_an_intruder(
        engine, f"UPDATE audit_events SET row_hash = '{'a' * 64}' WHERE id = :id", id=ids[2]
    )

    assert broken_rows(verify(engine)) == [(ids[2], "its content does")]


def test_a_deleted_row_is_found_at_the_row_after_it(engine: Engine) -> None:
    ids = append(engine, 4)

    as_an_intruder(engine, "DELETE FROM audit_events WHERE id = :id", id=ids[1])

    report = verify(engine)
    assert broken_rows(report) == [(ids[2], "does not follow")]
    assert f"row {ids[0]}" in report.breaks[0].problem


def test_deleting_the_first_rows_is_found(engine: Engine) -> None:
    ids = append(engine, 3)

    as_an_intruder(engine, "DELETE FROM audit_events WHERE id = :id", id=ids[0])

    assert broken_rows(verify(engine)) == [(ids[1], "the first row")]


def test_a_row_inserted_between_two_others_is_found(engine: Engine) -> None:
    # a gap in the ids (an id of a transaction that was rolled back) is where it can go
    ids = append(engine, 2)
    with engine.connect() as conn:
        last_hash = conn.scalar(select(AuditEvent.row_hash).where(AuditEvent.id == ids[-1]))
        assert last_hash is not None
        after_gap = forged_row(conn, last_hash, entity_id=99)
    with engine.begin() as conn:  # the app's next row, after the gap
        conn.execute(insert(AuditEvent).values(id=ids[-1] + 2, **after_gap))
    assert verify(engine).intact
    with engine.connect() as conn:
        forged = forged_row(conn, "f" * 64, action="update", entity="adverse_event", entity_id=7)

    with engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(id=ids[-1] + 1, **forged))

    assert broken_rows(verify(engine)) == [
        (ids[-1] + 1, "does not follow"),
        (ids[-1] + 2, "does not follow"),
    ]


def test_a_row_inserted_without_hashes_is_found(engine: Engine) -> None:
    ids = append(engine, 2)

    as_an_intruder(
        engine,
        "INSERT INTO audit_events (at, action, entity) VALUES (:at, 'read', 'patient')",
        at=AT,
    )

    assert broken_rows(verify(engine)) == [(ids[-1] + 1, "no hash: added")]


def test_the_database_refuses_a_second_row_after_the_same_one(engine: Engine) -> None:
    ids = append(engine, 2)
    with engine.connect() as conn:
        first_hash = conn.scalar(select(AuditEvent.row_hash).where(AuditEvent.id == ids[0]))
        assert first_hash is not None
        fork = forged_row(conn, first_hash)

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(**fork))


# --- appending under concurrency ----------------------------------------------------------------


def test_rows_appended_by_many_threads_at_once_form_one_line(engine: Engine) -> None:
    threads, each = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            start.wait()
            factory = make_session_factory(engine)
            for i in range(each):
                with factory() as db:
                    record_event(db, None, "read", "patient", entity_id=n * 1000 + i)
                    db.commit()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert not errors, errors
    report = verify(engine)
    assert report.intact, report.describe()
    assert report.rows == threads * each


def test_audit_rows_never_make_two_transactions_wait_for_each_other(engine: Engine) -> None:
    # One transaction locks a row and then audits; another audits and then wants that row. Were
    # the chain's lock taken at the first audit row, each would wait for the other (PostgreSQL
    # ends that with a deadlock error). SQLite runs write transactions one at a time anyway.
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL lets two write transactions overlap")
    with engine.begin() as conn:
        clinic_id = conn.execute(
            text("INSERT INTO clinics (name, interval_days, min_interval_days, due_soon_days,"
                 " created_at, updated_at) VALUES ('C', 84, 84, 14, :at, :at) RETURNING id"),
            {"at": AT},
        ).scalar_one()  # fmt: skip
    rename = text("UPDATE clinics SET name = :name WHERE id = :id")
    factory = make_session_factory(engine)
    errors: list[BaseException] = []
    row_locked = threading.Event()

    def audits_first() -> None:
        try:
            row_locked.wait(10)
            with factory() as db:
                record_event(db, None, "update", "clinic", entity_id=clinic_id)
                db.execute(rename, {"name": "B", "id": clinic_id})  # waits for the row
                db.commit()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    other = threading.Thread(target=audits_first)
    other.start()
    with factory() as db:
        db.execute(rename, {"name": "A", "id": clinic_id})
        row_locked.set()
        time.sleep(0.5)  # the other transaction has audited and waits for the row by now
        record_event(db, None, "update", "clinic", entity_id=clinic_id)
        db.commit()
    other.join(timeout=30)

    assert not errors, errors
    assert verify(engine).intact and verify(engine).rows == 2


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at the revision before the chain, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        command.upgrade(alembic_config(url), "0004_event_corrections")
        yield url
        return
    with fresh_postgres_schema() as url:
        command.upgrade(alembic_config(url), "0004_event_corrections")
        yield url


def test_the_migration_chains_the_rows_stored_before_it_and_undoes_cleanly(
    url_at_0004: str,
) -> None:
    old = make_engine(url_at_0004)
    try:
        with old.begin() as conn:
            for i in range(5):
                conn.execute(
                    text(
                        "INSERT INTO audit_events (at, action, entity, entity_id, request)"
                        " VALUES (:at, 'read', 'patient', :i, :request)"
                    ),
                    {"at": AT.replace(second=i), "i": i, "request": f"GET /api/v1/patients/{i}"},
                )
    finally:
        old.dispose()

    upgrade_to_head(url_at_0004)

    engine = make_engine(url_at_0004)
    try:
        report = verify(engine)
        assert report.intact and report.rows == 5, report.describe()
        assert append(engine, 1) and verify(engine).intact  # the app goes on from there
        with engine.connect() as conn:
            detail = conn.scalar(select(func.count()).where(AuditEvent.detail.is_not(None)))
        assert detail == 0
    finally:
        engine.dispose()
    command.downgrade(alembic_config(url_at_0004), "0004_event_corrections")
    upgrade_to_head(url_at_0004)
    engine = make_engine(url_at_0004)
    try:
        assert verify(engine).intact and verify(engine).rows == 6
    finally:
        engine.dispose()
    downgrade_to_base(url_at_0004)


# --- the command --------------------------------------------------------------------------------


def test_audit_verify_exits_0_on_an_intact_log_and_names_a_tampered_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)
    monkeypatch.setenv("HEMISPASM_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("HEMISPASM_ARGON2_MEMORY_KIB", "8")
    data = tmp_path / "data"
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password 1\n"))
    add = ["--clinic", "C", "--role", "admin", "--email", "admin@example.org"]
    assert main(["user", "add", "--data", str(data), *add]) == 0
    capsys.readouterr()

    assert main(["audit", "verify", "--data", str(data)]) == 0
    assert "audit log intact: 1 rows (ids 1 to 1); last hash " in capsys.readouterr().err

    engine = make_engine(f"sqlite:///{data / DATABASE_FILE}")
    try:
        as_an_intruder(engine, "UPDATE audit_events SET action = 'login' WHERE id = 1")
    finally:
        engine.dispose()
    assert main(["audit", "verify", "--data", str(data)]) == EXIT_AUDIT_BROKEN
    out = capsys.readouterr().err
    assert "audit row 1: its content does not match its hash" in out
    assert "audit log BROKEN: 1 problems in 1 rows" in out


def test_audit_verify_refuses_a_folder_without_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)

    assert main(["audit", "verify", "--data", str(tmp_path / "nowhere")]) == 10

    assert "no database at sqlite:///" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_a_session_that_rolls_back_leaves_the_chain_as_it_was(engine: Engine) -> None:
    append(engine, 2)
    with Session(engine) as db:
        record_event(db, None, "read", "patient")
        db.rollback()
    append(engine, 1)

    assert verify(engine).intact and verify(engine).rows == 3
