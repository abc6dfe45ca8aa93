"""The FastAPI application: settings, database, accounts and routes put together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hemispasm import __version__
from hemispasm.clinic.api.errors import BodyTooLargeError, install_error_handlers
from hemispasm.clinic.api.routes import admin, analyses, auth, patients, records, system
from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.services.accounts import LoginLimiter, password_hasher
from hemispasm.clinic.settings import Settings, get_settings

API_PREFIX = "/api/v1"


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise BodyTooLargeError(_too_large_text(self.max_bytes))
            return message

        async def guarded_send(message: Message) -> None:
            # FastAPI reports any failure while reading the body as 400; say what happened.
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start":
                await _too_large(send, self.max_bytes)

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


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: Callable[[], Any] | None = None,
    clock: Callable[[], date] = date.today,
) -> FastAPI:
    """The app. Tests pass their own settings, session factory and a frozen clock."""
    settings = settings or get_settings()
    if session_factory is None:
        if engine is None:
            settings.ensure_data_dir()
            engine = make_engine(settings.sqlalchemy_url, pool_size=settings.db_pool_size)
        session_factory = make_session_factory(engine)
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
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.clock = clock
    app.state.hasher = password_hasher(settings)
    app.state.login_limiter = LoginLimiter(
        settings.login_rate_limit, settings.rate_limit_storage_url
    )
    install_error_handlers(app)
    for module in (system, auth, admin, patients, records, analyses):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
