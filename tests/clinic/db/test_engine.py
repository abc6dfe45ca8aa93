"""The engine's SQLite settings and pool sizes; a transaction that reads first can still write."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from hemispasm.clinic.db.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    is_sqlite_file,
    make_engine,
    make_session_factory,
    pool_sizes,
    reads_only,
)
from hemispasm.clinic.db.migrate import upgrade_to_head
from hemispasm.clinic.db.models import AuditEvent, Clinic
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.settings import EMBEDDED_WORKER_CONNECTIONS, Settings


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file of the test's own, with one clinic."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        db.add(Clinic(name="Clinic A"))
        db.commit()
    yield engine
    engine.dispose()


def run_in_threads(*work: Callable[[], None]) -> list[BaseException]:
    """Run each callable in a thread of its own; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(task: Callable[[], None]) -> None:
        try:
            task()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(task,)) for task in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }

    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }


def test_an_audited_read_still_writes_its_audit_row_when_another_writer_committed_meanwhile(
    sqlite_engine: Engine,
) -> None:
    # The pattern of every audited read: read the record, then add the audit row. A transaction
    # begun deferred would have read an older snapshot and be refused the write ("database is
    # locked", at once, whatever the busy timeout) once the other writer has committed.
    sessions = make_session_factory(sqlite_engine)
    has_read, other_done = threading.Event(), threading.Event()

    def read_then_audit() -> None:
        with sessions() as db:
            clinic_id = db.scalar(select(Clinic.id))
            has_read.set()
            other_done.wait(timeout=1.0)  # the other writer waits for this transaction instead
            record_event(db, None, "read", "clinic", entity_id=clinic_id, clinic_id=clinic_id)
            db.commit()

    def write() -> None:
        has_read.wait(timeout=10)
        with sessions() as db:
            record_event(db, None, "update", "clinic", clinic_id=1)
            db.commit()
        other_done.set()

    errors = run_in_threads(read_then_audit, write)

    assert errors == []
    with Session(sqlite_engine) as db:
        actions = sorted(db.scalars(select(AuditEvent.action)))
    assert actions == ["read", "update"]


def test_many_threads_reading_and_writing_one_sqlite_file_lose_nothing(
    sqlite_engine: Engine,
) -> None:
    sessions = make_session_factory(sqlite_engine)
    threads, rounds = 12, 25

    def work(index: int) -> Callable[[], None]:
        def run() -> None:
            for n in range(rounds):
                with sessions() as db:
                    db.scalar(select(func.count()).select_from(AuditEvent))  # a read first
                    record_event(db, None, "read", f"thread-{index}", entity_id=n, clinic_id=1)
                    db.commit()

        return run

    errors = run_in_threads(*(work(i) for i in range(threads)))

    assert errors == []
    with Session(sqlite_engine) as db:
        stored = db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity.like("thread-%"))
        )
    assert stored == threads * rounds


def finishes_within(seconds: float, task: Callable[[], None]) -> bool:
    """Whether ``task``, run in a thread, returns within ``seconds`` (a read that waited for the
    write lock would take the busy timeout)."""
    thread = threading.Thread(target=task, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    return not thread.is_alive()


def test_a_read_only_block_reads_while_another_transaction_holds_the_write_lock(
    sqlite_engine: Engine,
) -> None:
    names: list[str] = []

    def read() -> None:
        with make_session_factory(sqlite_engine)() as db, reads_only(db):
            names.extend(db.scalars(select(Clinic.name)))

    with make_session_factory(sqlite_engine)() as writer:
        writer.add(Clinic(name="Clinic B"))
        writer.flush()  # holds the write lock from here to the rollback
        done = finishes_within(5.0, read)
        writer.rollback()

    assert done and names == ["Clinic A"]  # the writer's row is not committed yet


def test_a_read_only_block_ends_its_own_transaction_but_not_one_already_begun(
    sqlite_engine: Engine,
) -> None:
    with make_session_factory(sqlite_engine)() as db:
        with reads_only(db):
            db.scalar(select(Clinic.id))
        ended_its_own = not db.in_transaction()
        db.add(Clinic(name="Clinic B"))
        db.flush()
        with reads_only(db):
            seen = sorted(db.scalars(select(Clinic.name)))
        still_open = db.in_transaction()
        db.rollback()

    assert ended_its_own and still_open
    assert seen == ["Clinic A", "Clinic B"]


def test_a_dropped_connection_gives_its_write_turn_back(sqlite_engine: Engine) -> None:
    holder = sqlite_engine.connect()
    holder.begin()
    holder.invalidate()  # as if it broke mid-transaction: no commit, no rollback seen

    def write() -> None:
        with make_session_factory(sqlite_engine)() as db:
            record_event(db, None, "read", "clinic", clinic_id=1)
            db.commit()

    assert finishes_within(5.0, write)
    holder.rollback()
    holder.close()


def test_a_savepoint_still_rolls_back_inside_a_write_transaction(sqlite_engine: Engine) -> None:
    with make_session_factory(sqlite_engine)() as db:
        savepoint = db.begin_nested()
        db.add(Clinic(name="Clinic B"))
        db.flush()
        savepoint.rollback()
        db.commit()
        names = list(db.scalars(select(Clinic.name)))

    assert names == ["Clinic A"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/x.sqlite3", True),
        ("sqlite+pysqlite:///relative.db", True),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("postgresql+psycopg://u@h/db", False),
    ],
)
def test_it_tells_sqlite_files_from_memory_and_other_databases(url: str, expected: bool) -> None:
    assert is_sqlite_file(url) is expected


def test_the_server_pool_has_a_connection_for_every_thread_that_can_ask_for_one(
    tmp_path: Path,
) -> None:
    settings = Settings(server_threads=40, db_pool_size=20)
    engine = make_engine(
        f"sqlite:///{tmp_path / 'pool.sqlite3'}",
        pool_size=settings.db_pool_size,
        max_connections=settings.db_max_connections,
        pool_timeout=0.2,
    )

    held = [engine.connect() for _ in range(settings.db_max_connections)]  # none waits
    with pytest.raises(PoolTimeoutError):
        engine.connect()
    for conn in held:
        conn.close()
    engine.dispose()
    assert settings.db_max_connections == 40 + EMBEDDED_WORKER_CONNECTIONS


def test_postgresql_keeps_its_pool_size_open_and_opens_more_up_to_the_thread_count() -> None:
    sizes = pool_sizes("postgresql+psycopg://u@h/db", pool_size=20, max_connections=43)

    assert sizes == {"pool_size": 20, "max_overflow": 23}


def test_an_engine_in_memory_ignores_pool_sizes() -> None:
    engine = make_engine("sqlite://", pool_size=20, max_connections=43)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
