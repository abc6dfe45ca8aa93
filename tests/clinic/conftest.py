"""Databases for the storage, service and API tests: SQLite always, PostgreSQL when reachable.

Each PostgreSQL test run gets its own schema (dropped at the end); each test runs inside one
outer transaction that is rolled back, so tests never see each other's rows. Set
``HEMISPASM_REQUIRE_POSTGRES=1`` (CI does) to make an unreachable PostgreSQL a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.migrate import upgrade_to_head

POSTGRES_URL = os.environ.get(
    "HEMISPASM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not reachable
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {type(exc).__name__}: {exc}"
    return None


def skip_or_fail(reason: str | None, *, required_by: str) -> None:
    """Skip the test when a service is unreachable (``reason``), or fail it when the environment
    variable ``required_by`` is 1 (CI sets it: there the service must be tested)."""
    if reason is None:
        return
    if os.environ.get(required_by) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def skip_or_fail_without_postgres() -> None:
    """Skip the test, or fail it when the run requires PostgreSQL."""
    skip_or_fail(postgres_reachable(), required_by="HEMISPASM_REQUIRE_POSTGRES")


def postgres_schema_url(schema: str) -> str:
    """The test URL with ``search_path`` set to ``schema``."""
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database for the whole run, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade_to_head(url)
        yield url
        return
    skip_or_fail_without_postgres()
    schema = f"hs_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_schema_url(schema)
    try:
        upgrade_to_head(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the run's database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection holding one outer transaction, rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


def session_on(connection: Connection) -> Session:
    """A session whose commits become savepoints inside the test's outer transaction."""
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session for the test; everything it commits is rolled back afterwards."""
    session = session_on(connection)
    try:
        yield session
    finally:
        session.close()
