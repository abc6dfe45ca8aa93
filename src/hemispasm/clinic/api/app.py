"""The JSON API: its middleware, error handlers and routers on one FastAPI application.

The whole app (API, pages and the embedded worker) is put together by ``hemispasm.clinic.app``;
this module knows neither the pages nor the worker."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, Protocol

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hemispasm import __version__
from hemispasm.clinic.api.errors import BodyTooLargeError, install_error_handlers
from hemispasm.clinic.api.headers import SecurityHeaders
from hemispasm.clinic.api.openapi import install_openapi, operation_id
from hemispasm.clinic.api.routes import (
    admin,
    analyses,
    auth,
    calendar,
    corrections,
    exports,
    fhir,
    patients,
    records,
    session_photos,
    session_records,
    system,
    urgent,
    videos,
)
from hemispasm.clinic.services.accounts import LoginLimiter, password_hasher
from hemispasm.clinic.settings import Settings

API_PREFIX = "/api/v1"


class BackgroundWorker(Protocol):
    """What the app runs beside itself while it serves (the embedded analysis worker)."""

    def start(self) -> None:
        """Start in background threads."""

    def stop(self) -> None:
        """Stop, waiting a little for work in progress."""


class ServerTiming:
    """Add ``Server-Timing: app;dur=<ms>`` to every answer: the time from receiving the request
    to sending the answer's headers, as the page benchmark reads it (and browsers show it).
    Added in development only: elsewhere it would tell anyone how long each check took."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - started) * 1000
                timing = (b"server-timing", f"app;dur={elapsed_ms:.1f}".encode())
                message = {**message, "headers": [*message.get("headers", ()), timing]}
            await send(message)

        await self.app(scope, receive, timed_send)


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413; uploads (POST to
    a path ending in one of ``upload_limits``' suffixes: ``/videos``, ``/photos``) may be up to
    that suffix's limit."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, upload_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_limits = dict(upload_limits or {})

    def _limit(self, scope: Scope) -> int:
        if scope["method"] == "POST":
            for suffix, limit in self.upload_limits.items():
                if scope["path"].endswith(suffix):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLargeError(_too_large_text(limit))
            return message

        async def guarded_send(message: Message) -> None:
            # FastAPI reports any failure while reading the body as 400; say what happened.
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start":
                await _too_large(send, limit)

        await self.app(scope, counting_receive, guarded_send)


def _too_large_text(max_bytes: int) -> str:
    return f"body: the request body is larger than the limit of {max_bytes} bytes"


async def _too_large(send: Send, max_bytes: int) -> None:
    body = ('{"detail":"' + _too_large_text(max_bytes) + '","errors":[]}').encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the thread pool of the sync routes and pages, run the app's embedded analysis
    worker, if it has one, while the app serves; at the end close the database connections of an
    engine the app made itself."""
    settings: Settings = app.state.settings
    # the engine's pool has a connection for each of these threads (Settings.db_max_connections)
    to_thread.current_default_thread_limiter().total_tokens = settings.server_threads
    worker: BackgroundWorker | None = app.state.worker
    if worker is not None:
        await run_in_threadpool(worker.start)
    try:
        yield
    finally:
        if worker is not None:
            await run_in_threadpool(worker.stop)
        own_engine: Engine | None = app.state.own_engine
        if own_engine is not None:
            own_engine.dispose()


def create_api(
    settings: Settings,
    session_factory: Callable[[], Any],
    *,
    clock: Callable[[], date] = date.today,
    worker: BackgroundWorker | None = None,
    own_engine: Engine | None = None,
) -> FastAPI:
    """The API on ``session_factory``'s database: middleware, error handlers and the routers
    under ``/api/v1``. ``worker`` runs while the app serves; ``own_engine`` is closed at the end.
    """
    app = FastAPI(
        title="hemispasm clinic records",
        version=__version__,
        description=(
            "Care records for hemifacial spasm: patients, injection sessions, cycles, assessments, "
            "video analyses and surgery. Every route under /api/v1 except /health needs a login."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # the interactive page loads scripts from a CDN: not on patient servers
        redoc_url=None,
        lifespan=_lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.own_engine = own_engine
    app.state.clock = clock
    app.state.worker = worker
    app.state.hasher = password_hasher(settings)
    app.state.login_limiter = LoginLimiter(
        settings.login_rate_limit, settings.rate_limit_storage_url
    )
    install_error_handlers(app)
    install_openapi(app)  # the error bodies, statuses and logins the routes really answer
    for module in (
        system,
        auth,
        admin,
        exports,
        calendar,
        patients,
        records,
        session_records,
        analyses,
        videos,
        session_photos,
        corrections,
        urgent,
        fhir,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        upload_limits={
            videos.UPLOAD_PATH_SUFFIX: videos.upload_body_limit(settings),
            session_photos.UPLOAD_PATH_SUFFIX: session_photos.upload_body_limit(settings),
        },
    )
    # no-store, nosniff and (behind HTTPS) HSTS on every answer, a 413 or an unknown path too
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    if settings.environment == "development":  # how long the app took tells outsiders too much
        app.add_middleware(ServerTiming)  # outermost: it times everything above
    return app
