"""Headers on every answer of the app: no caching of patient data, no type sniffing, HSTS."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"
"""A year of HTTPS only, for this host alone: other hosts of a hospital's domain may still serve
plain HTTP, so ``includeSubDomains`` is left to the proxy's administrators."""
STATIC_PREFIX = "/static/"
"""The app's own scripts and styles: no patient data, so browsers may keep them."""


class SecurityHeaders:
    """Add to every answer ``X-Content-Type-Options: nosniff``; ``Cache-Control: no-store``
    unless the answer sets its own or is a static asset; and, when the session cookies are
    Secure (so the app is served over HTTPS), ``Strict-Transport-Security``.

    Added as the outermost middleware, it also covers answers made before any route runs (a
    413 for a body too large, a 404 for an unknown path).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", ())))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)
