"""What routes receive as arguments: the database session, the acting user, paging."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hemispasm.clinic.api.schemas.common import MAX_ID
from hemispasm.clinic.services.accounts import resolve_token
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import Refusal, has_refusals, note_refusal, write_refusals
from hemispasm.clinic.settings import Settings
from hemispasm.errors import AuthenticationError, NotFoundError, PermissionDeniedError

log = logging.getLogger(__name__)

SESSION_COOKIE = "hemispasm_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One database session per request; anything not committed is rolled back.

    Opening a session does no I/O and use cases commit before they return, so closing it is
    cheap too: both run on the event loop rather than costing a hop to the thread pool. It is
    closed as soon as the route has built its answer, before the answer is sent (``DbDep`` has
    the function scope): a transaction left open by the route (a read after the use case's
    commit) must not hold a connection, or SQLite's write lock, while a slow client reads.

    Refused access to patient data (403 or 404) is audited after the rollback, in a transaction
    of its own: as the access checks noted it, or else from the request (``_note_refusal``).
    """
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except (NotFoundError, PermissionDeniedError) as exc:
        _note_refusal(session, request, exc)
        raise
    finally:
        try:
            if has_refusals(session):
                await run_in_threadpool(write_refusals, session)
        except Exception:  # the answer stands; the log says the audit row is missing
            log.exception("could not audit a refused access to %s", request.url.path)
        finally:
            session.close()


def _id(value: object) -> int | None:
    """A path's id as a number, if it is one the database can hold."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


def _note_refusal(
    db: Session, request: Request, exc: NotFoundError | PermissionDeniedError
) -> None:
    """Note a refusal the access checks did not note, when a logged-in user was refused
    something of a patient's (a path naming a patient, or any path of a patient's login)."""
    login = getattr(request.state, "login", None)
    patient_id = request.path_params.get("patient_id")
    if has_refusals(db) or login is None or (patient_id is None and login.patient_id is None):
        return
    route = getattr(request.scope.get("route"), "path", request.url.path)
    words = [w for w in route.split("/") if w and not w.startswith("{")]
    actor = Actor(
        user_id=login.user_id,
        clinic_id=login.clinic_id,
        role=login.role,
        patient_id=login.patient_id,
        client_address=client_address(request),
        request=f"{request.method} {request.url.path}",
    )
    refusal = Refusal(
        actor,
        action=request.method.lower(),
        entity=(words[-1] if words else "request").replace("-", "_")[:64],
        status=404 if isinstance(exc, NotFoundError) else 403,
        reason=str(exc),
        patient_id=_id(patient_id) if patient_id is not None else login.patient_id,
        entity_id=_id(request.path_params.get("record_id")),
    )
    note_refusal(db, refusal)


async def today(request: Request) -> date:
    """Today's date (the app's clock; tests freeze it)."""
    value: date = request.app.state.clock()
    return value


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Session, Depends(get_db, scope="function")]
TodayDep = Annotated[date, Depends(today)]


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it."""
    return request.client.host if request.client else None


def get_actor(request: Request, db: DbDep, on: TodayDep) -> Actor:
    """The logged-in user: a bearer token, or a session cookie with its CSRF token on changes."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        login = resolve_token(db, credentials.strip(), kind="bearer")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        login = resolve_token(db, cookie, kind="cookie")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not (login.csrf_token and secrets.compare_digest(sent, login.csrf_token)):
                raise PermissionDeniedError(
                    f"missing or wrong {CSRF_HEADER} header for a change made with a session cookie"
                )
    else:
        raise AuthenticationError("log in first: send a bearer token or the session cookie")
    request.state.login = login
    return Actor(
        user_id=login.user_id,
        clinic_id=login.clinic_id,
        role=login.role,
        patient_id=login.patient_id,
        client_address=client_address(request),
        request=f"{request.method} {request.url.path}",
        today=on,
    )


CurrentActor = Annotated[Actor, Depends(get_actor)]


@dataclass(frozen=True)
class Paging:
    """``page`` (from 1) and ``page_size`` query parameters."""

    page: int
    page_size: int


async def paging(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Paging:
    """The paging parameters of a list route."""
    return Paging(page, page_size)


PagingDep = Annotated[Paging, Depends(paging)]

# Every id in a path or a query is bounded here, once: a number beyond the database's integer
# range would otherwise reach the driver and fail there (a 500), not here (a 422 naming it).
PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="patient id")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="record id")]
PhotoId = Annotated[int, Path(ge=1, le=MAX_ID, description="photo id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="user id")]
PatientIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this patient")]
ClinicianIdQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="only the patients of this clinician")
]
