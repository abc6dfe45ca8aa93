"""What every page shares: templates, the logged-in actor, the CSRF check of forms, errors as pages.

Pages use the API's own ``get_actor`` (session cookie, CSRF rule) and the services' own access
checks; nothing here decides who may see what. HTML forms cannot send the ``X-CSRF-Token`` header,
so a form's ``csrf_token`` field is handed to ``get_actor`` as that header.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hemispasm.clinic.api.deps import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    DbDep,
    TodayDep,
    get_actor,
)
from hemispasm.clinic.api.errors import status_of
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.accounts import Login
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.urgent import count_unacknowledged
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.i18n import LOCALE_COOKIE, choose_locale, install_i18n, using_locale
from hemispasm.clinic.web.script_text import script_text
from hemispasm.clinic.web.vocab_labels import register_vocab_label
from hemispasm.errors import AuthenticationError, HemispasmError, PermissionDeniedError

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
CSRF_FIELD = "csrf_token"

templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
# The templates ship with the package: no need to stat every template and include on each page.
templates.env.auto_reload = False
register_vocab_label(templates.env)  # every page names vocabulary values in words
install_i18n(templates.env)  # _() in the request's language, dates in its words
templates.env.globals["script_text"] = script_text  # the scripts' sentences, translated

SECURITY_HEADERS = {
    # Everything comes from the app itself: no CDN, no third party learns of a visit.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; "
        "script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class FormExpiredError(PermissionDeniedError):
    """A form posted with the session cookie lacks the session's CSRF token."""


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template`` with the login's CSRF token (for the log-out form) in its context."""
    login: Login | None = getattr(request.state, "login", None)
    context.setdefault("actor", None)
    context["csrf_token"] = login.csrf_token if login else None
    context["urgent_count"] = getattr(request.state, "urgent_count", 0)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def locale_of(request: Request) -> str:
    """The language the page answers in: the ``lang`` cookie, else the browser's, else English."""
    return choose_locale(
        cookie=request.cookies.get(LOCALE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def login_url(next_path: str | None = None) -> str:
    """The login page, returning to ``next_path`` afterwards."""
    return f"/login?next={quote(next_path, safe='/')}" if next_path else "/login"


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site, else None (no open redirects)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The session cookie exactly as ``POST /api/v1/auth/login`` sets it."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def _with_header(request: Request, name: str, value: str) -> Request:
    """A view of ``request`` with one more header (the body and state stay shared)."""
    request.state  # noqa: B018 -- creates scope["state"] so that the copy shares it
    headers = [*request.scope["headers"], (name.lower().encode("latin-1"), value.encode())]
    return Request({**request.scope, "headers": headers}, request.receive)


def actor_with_form_token(request: Request, db: Session, on: date, token: str) -> Actor:
    """The logged-in user, if ``token`` (a form's ``csrf_token`` field) is the session's CSRF
    token: the API's own check of the ``X-CSRF-Token`` header, for a form that cannot send one."""
    try:
        return get_actor(_with_header(request, CSRF_HEADER, token), db, on)
    except PermissionDeniedError:
        raise FormExpiredError(
            "this form has expired or did not come from this site: reload the page and try again"
        ) from None


async def page_actor(request: Request, db: DbDep, on: TodayDep) -> Actor:
    """The logged-in user; forms that change something must carry the CSRF token field."""
    if request.method in SAFE_METHODS:
        actor = get_actor(request, db, on)
    else:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        actor = actor_with_form_token(request, db, on, sent if isinstance(sent, str) else "")
    request.state.urgent_count = count_unacknowledged(db, actor)  # the header's badge
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


def clinician(actor: PageActor) -> Actor:
    """The logged-in user, if a clinician (the clinic's pages and forms, not the patient's)."""
    require_role(actor, Role.CLINICIAN)
    return actor


ClinicianActor = Annotated[Actor, Depends(clinician)]


async def posted_form(request: Request) -> FormData:
    """The posted fields (parsed once: Starlette keeps them for the CSRF check as well)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


def own_record(actor: Actor) -> int:
    """The patient's own record id; anyone else is refused."""
    require_role(actor, Role.PATIENT)
    if actor.patient_id is None:  # a patient account always names its record
        raise PermissionDeniedError("this account is not linked to a patient record")
    return actor.patient_id


def age_on(birth_date: date | None, on: date) -> int | None:
    """Age in whole years on ``on``."""
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


class PageRoute(APIRoute):
    """A route whose domain errors become pages: no login -> the login page, others -> 4xx page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            with using_locale(locale_of(request)):
                return await answer(request)

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except AuthenticationError:
                back = None
                if request.method in SAFE_METHODS:
                    query = request.url.query
                    back = safe_next(request.url.path + (f"?{query}" if query else ""))
                response = RedirectResponse(login_url(back), status_code=303)
            except HemispasmError as exc:
                status = status_of(exc)
                response = render(
                    request, "error.html", status_code=status, status=status, message=str(exc)
                )
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page_handler
