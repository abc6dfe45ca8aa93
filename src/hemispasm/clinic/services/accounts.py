"""Clinics, users, passwords (argon2), login sessions and API tokens, login rate limits."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.engine import reads_only
from hemispasm.clinic.db.models import AuthSession, Clinic, DoseLimit, Patient, User
from hemispasm.clinic.domain.dosing import DEFAULT_LIMITS
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.settings import Settings
from hemispasm.errors import (
    AuthenticationError,
    ClinicalDataError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 512
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def password_hasher(settings: Settings) -> PasswordHasher:
    """The argon2id hasher with the configured cost."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib, parallelism=1
    )


def check_password(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ClinicalDataError(
            "password",
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long, "
            f"but has {len(password)}",
        )


def normalise_email(email: str) -> str:
    """Lower-cased, stripped e-mail address, refused when it is not one."""
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ClinicalDataError("email", f"is not an e-mail address: {email!r}")
    return value


def token_digest(token: str) -> str:
    """What is stored for a session or API token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_or_create_clinic(db: Session, name: str) -> Clinic:
    """The clinic called ``name``, created with the default settings and dose limits if new."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ClinicalDataError("clinic", f"must be 1 to 200 characters, but got {name!r}")
    clinic = db.scalars(select(Clinic).where(Clinic.name == name)).first()
    if clinic is None:
        clinic = Clinic(name=name)
        clinic.dose_limits = [
            DoseLimit(
                product=lim.product,
                max_units_per_site=lim.max_units_per_site,
                max_units_per_session=lim.max_units_per_session,
                max_units_per_lower_face_site=lim.max_units_per_lower_face_site,
            )
            for lim in DEFAULT_LIMITS.values()
        ]
        db.add(clinic)
        db.flush()
    return clinic


def create_user(
    db: Session,
    *,
    hasher: PasswordHasher,
    clinic: Clinic,
    email: str,
    password: str,
    role: Role,
    display_name: str = "",
    patient_id: int | None = None,
    actor: Actor | None = None,
) -> User:
    """A new account of ``clinic``; a patient account must name a patient record of that clinic."""
    email = normalise_email(email)
    check_password(password)
    if role is Role.PATIENT:
        patient = db.get(Patient, patient_id) if patient_id is not None else None
        if patient is None or patient.clinic_id != clinic.id or patient.deleted_at is not None:
            raise ClinicalDataError(
                "patient_id", "a patient account needs a patient record of the same clinic"
            )
    elif patient_id is not None:
        raise ClinicalDataError("patient_id", "only patient accounts link to a patient record")
    if db.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise ConflictError("email", f"an account for {email} already exists")
    user = User(
        clinic_id=clinic.id,
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=hasher.hash(password),
        patient_id=patient_id,
    )
    db.add(user)
    db.flush()
    record_event(db, actor, "create", "user", entity_id=user.id, clinic_id=clinic.id)
    return user


@dataclass(frozen=True)
class LoginResult:
    """A new session or token; ``token`` is shown once and never stored."""

    user: User
    token: str
    csrf_token: str | None
    expires_at: datetime


class LoginLimiter:
    """Moving-window limits on login attempts per client address and per e-mail address."""

    def __init__(self, rate: str, storage_url: str = "memory://") -> None:
        self._limit = parse_limit(rate)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def hit(self, *keys: str) -> None:
        """Count one attempt for every key; refuse when any key is over its limit."""
        for key in keys:
            if not self._limiter.hit(self._limit, "login", key):
                reset_at, _ = self._limiter.get_window_stats(self._limit, "login", key)
                retry = max(1, int(reset_at - utcnow().timestamp()) + 1)
                raise RateLimitedError(
                    f"too many login attempts; try again in {retry} s", retry_after_s=retry
                )


# Verified when the e-mail is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("not a password")


def log_in(
    db: Session,
    *,
    settings: Settings,
    hasher: PasswordHasher,
    limiter: LoginLimiter,
    email: str,
    password: str,
    kind: str,
    client_address: str | None,
    request: str | None,
) -> LoginResult:
    """Check the password and open a cookie session or an API token."""
    key = email.strip().lower()[:254]
    limiter.hit(f"addr:{client_address or '?'}", f"email:{key}")
    user = db.scalars(select(User).where(User.email == key)).first()
    try:
        if user is None or not user.active or user.deleted_at is not None:
            hasher.verify(_DUMMY_HASH, password)
            raise VerificationError
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        record_event(
            db,
            None,
            "login_failed",
            "user",
            entity_id=user.id if user else None,
            clinic_id=user.clinic_id if user else None,
            client_address=client_address,
            request=request,
        )
        db.commit()
        raise AuthenticationError("wrong e-mail address or password") from None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    lifetime = (
        timedelta(hours=settings.session_hours)
        if kind == "cookie"
        else timedelta(days=settings.token_days)
    )
    result = open_session(db, user, kind=kind, lifetime=lifetime, client_address=client_address)
    record_event(
        db,
        None,
        "login",
        kind,
        entity_id=user.id,
        clinic_id=user.clinic_id,
        client_address=client_address,
        request=request,
    )
    db.commit()
    return result


def open_session(
    db: Session, user: User, *, kind: str, lifetime: timedelta, client_address: str | None = None
) -> LoginResult:
    """Store a new session or token for ``user`` (caller commits)."""
    if kind not in ("cookie", "bearer"):
        raise ValueError(f"kind must be 'cookie' or 'bearer', but got {kind!r}")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "cookie" else None
    expires = utcnow() + lifetime
    db.add(
        AuthSession(
            user_id=user.id,
            kind=kind,
            token_sha256=token_digest(token),
            csrf_token=csrf,
            expires_at=expires,
            client_address=client_address,
        )
    )
    db.flush()
    return LoginResult(user=user, token=token, csrf_token=csrf, expires_at=expires)


@dataclass(frozen=True)
class Login:
    """Who is behind a valid session or token (read on every request, so kept small)."""

    session_id: int
    kind: str
    csrf_token: str | None
    user_id: int
    clinic_id: int
    role: Role
    patient_id: int | None


def resolve_token(db: Session, token: str, *, kind: str) -> Login:
    """The login behind a token, refused when unknown, revoked, expired or deactivated.

    A read of its own, ended before returning (``reads_only``): it never waits for SQLite's
    writer, and the request's use case begins its own transaction when its route runs.
    """
    with reads_only(db):
        return _resolve_token(db, token, kind=kind)


def _resolve_token(db: Session, token: str, *, kind: str) -> Login:
    row = (
        db.connection()
        .execute(  # on every request: Core, not the ORM
            select(
                AuthSession.id,
                AuthSession.csrf_token,
                User.id,
                User.clinic_id,
                User.role,
                User.patient_id,
            )
            .join(User, AuthSession.user_id == User.id)
            .where(
                AuthSession.token_sha256 == token_digest(token),
                AuthSession.kind == kind,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
        .first()
    )
    if row is None:
        raise AuthenticationError("not logged in, or the session has ended")
    session_id, csrf, user_id, clinic_id, role, patient_id = row
    return Login(session_id, kind, csrf, user_id, clinic_id, role, patient_id)


def log_out(db: Session, login: Login, actor: Actor) -> None:
    """End a session or revoke a token."""
    db.execute(
        update(AuthSession).where(AuthSession.id == login.session_id).values(revoked_at=utcnow())
    )
    record_event(db, actor, "logout", login.kind, entity_id=actor.user_id)
    db.commit()


def list_users(db: Session, actor: Actor) -> list[User]:
    """The accounts of the admin's clinic."""
    require_role(actor, Role.ADMIN)
    record_event(db, actor, "list", "user")
    users = list(
        db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id))
    )
    db.commit()
    return users


def list_clinicians(db: Session, actor: Actor) -> list[User]:
    """The active clinicians of the actor's clinic, by display name then id (the injectors)."""
    require_role(actor, Role.CLINICIAN, Role.ADMIN)
    with reads_only(db):
        clinicians = db.scalars(
            select(User).where(
                User.clinic_id == actor.clinic_id,
                User.role == Role.CLINICIAN,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        ).all()
    # sorted here, not in SQL: SQLite and PostgreSQL collate names differently
    return sorted(clinicians, key=lambda user: (user.display_name.casefold(), user.id))


def get_user_for(db: Session, actor: Actor, user_id: int) -> User:
    """An account of the admin's own clinic."""
    require_role(actor, Role.ADMIN)
    user = db.get(User, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFoundError("user", user_id)
    return user


def revoke_sessions(db: Session, user_id: int) -> None:
    """End every session and token of a user (after deactivation or a password change)."""
    now = utcnow()
    for session in db.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    ):
        session.revoked_at = now
