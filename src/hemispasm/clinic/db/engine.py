"""Engines and sessions: SQLite (the embedded default) and PostgreSQL behave alike here.

SQLite lets one connection write at a time. Nearly every use case of the clinic writes (a read
of patient data writes its audit row, so it is a write), and a transaction that has read first
cannot reliably become the writer later: with other writers about, SQLite answers "database is
locked" at once, without waiting out the busy timeout, because the transaction's snapshot may
already be stale. So on SQLite every transaction starts as the writer (``BEGIN IMMEDIATE``): it
waits its turn at the start, up to the busy timeout, and then cannot fail for lack of the lock.
The server's transactions take turns (``WriterTurns`` queues the threads of one process, first
come first served); they last milliseconds, and one process runs one Python thread at a time
anyway.

The exceptions are declared: a read that writes nothing at all, not even an audit row (who is
logged in, the clinic's phone number), runs inside ``reads_only(db)``, which begins deferred.
Such a read never waits for the writer (WAL), which matters most where it runs on the event loop.

PostgreSQL needs none of this: rows are locked, not the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hemispasm.clinic.db.writer_turns import WriterTurns

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
"""How long a transaction waits for SQLite's write lock before failing. Turns are a few
milliseconds each, so only something stuck (or another process holding the lock) reaches it."""
DEFAULT_POOL_SIZE = 5
_HAS_TURN = "hemispasm_has_write_turn"
READS_ONLY = "hemispasm_reads_only"
"""Execution option of a connection whose transaction writes nothing (see ``reads_only``)."""


def is_sqlite_file(url: str) -> bool:
    """Whether ``url`` is an SQLite database in a file (not in memory)."""
    if not url.startswith("sqlite"):
        return False
    path = url.partition(":///")[2].split("?", 1)[0]
    return path not in ("", ":memory:")


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_connections: int | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url``; on SQLite with foreign keys, WAL and write transactions.

    ``pool_size`` connections are kept open; up to ``max_connections`` are opened when that many
    threads need one at once (the server passes its thread count plus its background threads,
    so that no request waits for a connection). Ignored when ``poolclass`` is given.
    """
    if "poolclass" not in kwargs:
        kwargs = pool_sizes(url, pool_size, max_connections) | kwargs
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("max_overflow", 5)
    return create_engine(url, **kwargs)


def pool_sizes(url: str, pool_size: int | None, max_connections: int | None) -> dict[str, int]:
    """The queue pool's ``pool_size`` and ``max_overflow`` (none for SQLite in memory, whose
    pool keeps one connection per thread)."""
    if (pool_size is None and max_connections is None) or (
        url.startswith("sqlite") and not is_sqlite_file(url)
    ):
        return {}
    steady = pool_size or DEFAULT_POOL_SIZE
    most = max(steady, max_connections or steady)
    if url.startswith("sqlite"):
        steady = most  # a file's connections cost nothing to keep open
    return {"pool_size": steady, "max_overflow": most - steady}


def _configure_sqlite(engine: Engine) -> None:
    in_file = engine.url.database not in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would begin transactions late (at the first write)
        # and breaks SAVEPOINT; SQLAlchemy emits BEGIN itself instead (the recipe of the
        # SQLAlchemy SQLite dialect documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if in_file:
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL never corrupts the file; a power cut (not a crash of the server)
            # may lose the last commits before the next checkpoint. FULL would sync every commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    turns = WriterTurns()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READS_ONLY):
            connection.exec_driver_sql("BEGIN")  # deferred: takes no lock until it reads
            return
        if turns.take(SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info[_HAS_TURN] = True
        else:  # a transaction of this process held it all along: SQLite's timeout decides
            log.warning("no turn at the SQLite write lock within %s ms", SQLITE_BUSY_TIMEOUT_MS)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _give_back(connection.info)
            raise

    def _give_back(info: dict[str, Any]) -> None:
        if info.pop(_HAS_TURN, False):
            turns.give_back()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        if not connection.invalidated:  # else given back when it was invalidated
            _give_back(connection.info)

    # should a transaction's end go unseen (a connection dropped, invalidated or collected),
    # its turn is given back when its connection leaves use
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _give_back(record.info)

    @event.listens_for(engine, "invalidate")
    @event.listens_for(engine, "soft_invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exc: Any) -> None:
        _give_back(record.info)


@contextmanager
def reads_only(db: Session) -> Iterator[None]:
    """Run the block's reads in a transaction of their own that writes nothing, ended with the
    block; on SQLite it takes no write lock. Inside a transaction already begun, the block just
    uses that one.

    Only for reads that write nothing, not even an audit row: a write in the block could be
    refused ("database is locked") when another transaction wrote since the block's first read.
    """
    if db.in_transaction():
        yield
        return
    db.connection(execution_options={READS_ONLY: True})
    try:
        yield
    finally:
        db.commit()  # ends the read; unlike a rollback, it leaves the loaded objects loaded


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
