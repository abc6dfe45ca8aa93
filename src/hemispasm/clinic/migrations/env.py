"""Alembic environment: the clinic models' metadata, and the URL of the database to migrate.

The URL comes from ``config.attributes["url"]`` (set by ``hemispasm.clinic.db.migrate``), else
``sqlalchemy.url`` of the ini file, else the server settings. A caller may instead hand over an
open connection in ``config.attributes["connection"]``. On PostgreSQL the tables and
``alembic_version`` land in the first schema of the connection's ``search_path``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.migrate import MIGRATION_LOCK_ID
from hemispasm.clinic.db.models import Base
from hemispasm.clinic.settings import get_settings

config = context.config
target_metadata = Base.metadata

CONTEXT_OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata,
    "compare_type": True,
    # Autogenerate writes batch operations for every database, so that a revision generated
    # against PostgreSQL runs on SQLite too (which copies the table, as it cannot ALTER most
    # things); elsewhere they are plain ALTER statements.
    "render_as_batch": True,
    # make_engine lets SQLAlchemy emit BEGIN on SQLite, so DDL is transactional there too:
    # a migration that fails leaves the database as it was.
    "transactional_ddl": True,
}


def database_url() -> str:
    """The URL to migrate: the caller's, else the ini file's, else the settings'."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else get_settings().sqlalchemy_url


def run_on(connection: Connection) -> None:
    """Run the migrations on an open connection."""
    context.configure(connection=connection, **CONTEXT_OPTIONS)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Server workers that start together: one migrates, the others wait for its commit
            # (the lock ends with the transaction) and then find nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


def run_online() -> None:
    """Migrate the caller's connection, or a connection of a short-lived engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(database_url(), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            run_on(conn)
    finally:
        engine.dispose()


def run_offline() -> None:
    """Write the SQL of the migrations instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=database_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **CONTEXT_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
