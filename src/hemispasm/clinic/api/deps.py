"""What routes receive as arguments: the database session, the acting user, paging."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from hemispasm.clinic.services.accounts import resolve_token
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.errors import AuthenticationError, PermissionDeniedError

SESSION_COOKIE = "hemispasm_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One database session per request; anything not committed is rolled back."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


def today(request: Request) -> date:
    """Today's date (the app's clock; tests freeze it)."""
    value: date = request.app.state.clock()
    return value


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Session, Depends(get_db)]
TodayDep = Annotated[date, Depends(today)]


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it."""
    return request.client.host if request.client else None


def get_actor(request: Request, db: DbDep, on: TodayDep) -> Actor:
    """The logged-in user: a bearer token, or a session cookie with its CSRF token on changes."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        user, auth = resolve_token(db, credentials.strip(), kind="bearer")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        user, auth = resolve_token(db, cookie, kind="cookie")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not (auth.csrf_token and secrets.compare_digest(sent, auth.csrf_token)):
                raise PermissionDeniedError(
                    f"missing or wrong {CSRF_HEADER} header for a change made with a session cookie"
                )
    else:
        raise AuthenticationError("log in first: send a bearer token or the session cookie")
    request.state.auth_session = auth
    return Actor(
        user_id=user.id,
        clinic_id=user.clinic_id,
        role=user.role,
        patient_id=user.patient_id,
        client_address=client_address(request),
        request=f"{request.method} {request.url.path}",
        today=on,
    )


CurrentActor = Annotated[Actor, Depends(get_actor)]


class Paging:
    """``page`` (from 1) and ``page_size`` query parameters."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.page = page
        self.page_size = page_size


PagingDep = Annotated[Paging, Depends()]

MAX_ID = 2_147_483_647
PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="patient id")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="record id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="user id")]
