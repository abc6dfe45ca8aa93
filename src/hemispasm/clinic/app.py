"""The composition root: the one place that puts the clinic together.

It opens the database, builds the JSON API (``api``), adds the pages (``web``) beside it on the
same services and access rules, and gives the app its embedded analysis worker (``jobs``).
``api``, ``web`` and ``jobs`` do not import each other's modules for this: only this module
knows all three.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from hemispasm.clinic.api.app import create_api
from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.jobs.worker import Worker
from hemispasm.clinic.settings import Settings, get_settings
from hemispasm.clinic.web import install_web


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: Callable[[], Any] | None = None,
    clock: Callable[[], date] = date.today,
) -> FastAPI:
    """The app: API and pages. Tests pass their own settings, session factory and a frozen clock.

    An app that opens its own database also runs the embedded analysis worker (when
    ``settings.embedded_worker``); one handed a session factory runs none, since the worker needs
    sessions of its own in another thread.
    """
    settings = settings or get_settings()
    owns_database = session_factory is None
    own_engine = None
    if session_factory is None:
        if engine is None:
            settings.ensure_data_dir()
            engine = own_engine = make_engine(
                settings.sqlalchemy_url,
                pool_size=settings.db_pool_size,
                max_connections=settings.db_max_connections,
            )
        session_factory = make_session_factory(engine)
    worker = (
        Worker(settings, session_factory, embedded=True, today=clock)
        if settings.embedded_worker and owns_database
        else None
    )
    app = create_api(settings, session_factory, clock=clock, worker=worker, own_engine=own_engine)
    install_web(app)  # the pages, on the same services and access rules
    return app
