"""The language links at the foot of every page: ``/language/<lang>`` keeps the choice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from hemispasm.clinic.api.deps import SettingsDep
from hemispasm.clinic.web.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES
from hemispasm.clinic.web.pages import PageRoute, safe_next
from hemispasm.errors import NotFoundError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOCALE_COOKIE_DAYS = 365


@router.get("/language/{locale}")
def choose_language(
    locale: str, settings: SettingsDep, next: Annotated[str | None, Query(max_length=2000)] = None
) -> RedirectResponse:
    """Remember ``locale`` for this browser and go back to the page the link was on."""
    if locale not in SUPPORTED_LOCALES:
        raise NotFoundError("language", locale)
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_DAYS * 24 * 3600,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response
