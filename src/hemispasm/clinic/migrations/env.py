"""Alembic environment: the clinic models' metadata, and the URL of the database to migrate.

The URL comes from ``config.attributes["url"]`` (set by ``hemispasm.clinic.db.migrate``), else
``sqlalchemy.url`` of the ini file, else the server settings. A caller may instead hand over an
open connection in ``config.attributes["connection"]``. On PostgreSQL the tables and
``alembic_version`` land in the first schema of the connection's ``search_path``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, make_url
from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.models import Base
from hemispasm.clinic.settings import get_settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """The URL to migrate: the caller's, else the ini file's, else the settings'."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else get_settings().sqlalchemy_url


def context_options(dialect_name: str) -> dict[str, Any]:
    """Options shared by online and offline runs."""
    sqlite = dialect_name == "sqlite"
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        # SQLite cannot ALTER most things: Alembic copies the table instead.
        "render_as_batch": sqlite,
        # make_engine lets SQLAlchemy emit BEGIN on SQLite, so its DDL is transactional too:
        # a failed migration leaves the database as it was.
        "transactional_ddl": True,
    }


def run_on(connection: Connection) -> None:
    """Run the migrations on an open connection."""
    context.configure(connection=connection, **context_options(connection.dialect.name))
    with context.begin_transaction():
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
    url = database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(make_url(url).get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
