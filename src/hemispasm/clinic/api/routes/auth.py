"""Logging in and out: a session cookie for browsers, bearer tokens for API clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hemispasm.clinic.api.deps import (
    SESSION_COOKIE,
    CurrentActor,
    DbDep,
    SettingsDep,
    client_address,
)
from hemispasm.clinic.api.schemas.common import LOGIN_REFUSED
from hemispasm.clinic.api.schemas.people import LoginIn, SessionOut, TokenOut, UserPublic
from hemispasm.clinic.db.models import User
from hemispasm.clinic.services import accounts as svc

router = APIRouter(prefix="/auth", tags=["auth"])


def _log_in(request: Request, db: DbDep, settings: SettingsDep, body: LoginIn, kind: str) -> Any:
    return svc.log_in(
        db,
        settings=settings,
        hasher=request.app.state.hasher,
        limiter=request.app.state.login_limiter,
        email=body.email,
        password=body.password,
        kind=kind,
        client_address=client_address(request),
        request=f"{request.method} {request.url.path}",
    )


@router.post(
    "/login",
    response_model=SessionOut,
    summary="Log in a browser (sets the cookie)",
    name="log_in",
    responses=LOGIN_REFUSED,
)
def login(
    body: LoginIn, request: Request, response: Response, db: DbDep, settings: SettingsDep
) -> Any:
    result = _log_in(request, db, settings, body, "cookie")
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return SessionOut(
        csrf_token=result.csrf_token or "",
        expires_at=result.expires_at,
        user=UserPublic.model_validate(result.user),
    )


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Get a bearer token for an API client",
    name="create_token",
    responses=LOGIN_REFUSED,
)
def token(body: LoginIn, request: Request, db: DbDep, settings: SettingsDep) -> Any:
    result = _log_in(request, db, settings, body, "bearer")
    return TokenOut(access_token=result.token, expires_at=result.expires_at)


@router.post(
    "/logout", status_code=204, summary="End this session or revoke this token", name="log_out"
)
def logout(request: Request, actor: CurrentActor, db: DbDep) -> Response:
    svc.log_out(db, request.state.login, actor)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserPublic, summary="Who is logged in", name="read_me")
def me(actor: CurrentActor, db: DbDep) -> Any:
    return db.get(User, actor.user_id)
