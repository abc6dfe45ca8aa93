"""Clinics, users, passwords (argon2), login sessions and API tokens, login rate limits."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse as parse_limit
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.engine import reads_only
from hemispasm.clinic.db.models import AuthSession, Clinic, DoseLimit, Patient, User
from hemispasm.clinic.domain.dosing import DEFAULT_LIMITS
from hemispasm.clinic.domain.names import clean_name
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
    """The argon2id hasher with the configured cost (its dummy hash made now, so that the first
    unknown e-mail is not answered more slowly than the next ones)."""
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib, parallelism=1
    )
    dummy_hash_for(hasher)
    return hasher


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


def _clean(field_name: str, name: str) -> str:
    """``name`` in normal form C, refused with invisible formatting characters."""
    try:
        return clean_name(name)
    except ValueError as error:
        raise ClinicalDataError(field_name, str(error)) from None


def token_digest(token: str) -> str:
    """What is stored for a session or API token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_or_create_clinic(db: Session, name: str) -> Clinic:
    """The clinic called ``name``, created with the default settings and dose limits if new."""
    name = _clean("clinic", name.strip())
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
    display_name = _clean("display_name", display_name.strip())
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
        display_name=display_name,
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


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins of one account from one client address (a pair) are slowed down.

    After ``free_failures`` failures of the pair, each further attempt of that pair must wait,
    the wait doubling with every failure from ``first_delay_s`` up to ``max_delay_s``. Someone
    guessing one account's password from other addresses therefore never delays its owner at
    theirs. (A coarse limit per address, whatever the account, is the limiter's own.)

    There is deliberately no limit per account alone: any count shared by every address is one
    an attacker can fill, locking the owner out (the fault this replaces). With the defaults, a
    guesser gets at most about a hundred guesses per address and day for one account (5, then
    one per wait up to one per 15 minutes); against many addresses stand the password length,
    argon2 and the audit of every failure.
    """

    free_failures: int = 5
    first_delay_s: int = 1
    max_delay_s: int = 900
    failure_memory_s: int = 86_400
    """A pair's failures are forgotten this long after its first one (or at its next login)."""

    def __post_init__(self) -> None:
        for name in ("free_failures", "first_delay_s", "max_delay_s", "failure_memory_s"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, but got {getattr(self, name)!r}")
        if self.max_delay_s < self.first_delay_s:
            raise ValueError(
                f"max_delay_s ({self.max_delay_s}) must not be shorter than first_delay_s "
                f"({self.first_delay_s})"
            )

    def delay_after_s(self, failures: int) -> int:
        """Seconds the pair must wait after its ``failures``-th failure in a row (0: none)."""
        if failures < self.free_failures:
            return 0
        doublings = min(failures - self.free_failures, 32)  # 2**32 s is past any cap
        return min(self.max_delay_s, self.first_delay_s * 2**doublings)


class LoginLimiter:
    """Login attempts per client address (``per_address``, a ``limits`` rate such as
    ``10/minute``, against one address trying many accounts) and the failures of each pair
    under ``policy``, counted in a ``limits`` storage: ``memory://`` for one process,
    ``redis://...`` shared by several server processes."""

    def __init__(
        self,
        per_address: str,
        storage_url: str = "memory://",
        *,
        policy: LoginPolicy = LoginPolicy(),
    ) -> None:
        self.policy = policy
        storage = storage_from_string(storage_url)
        if not isinstance(storage, Storage):  # the async storages (async+redis://...)
            raise ValueError(f"the login limits need a synchronous storage, not {storage_url!r}")
        self._storage = storage
        self._per_address = parse_limit(per_address)
        self._window = MovingWindowRateLimiter(self._storage)

    @staticmethod
    def _pair(email_key: str, client_address: str | None) -> str:
        # hashed: the shared storage (Redis) holds no e-mail addresses
        pair = f"{email_key}\n{client_address or '?'}"
        return hashlib.sha256(pair.encode()).hexdigest()[:32]

    def admit(self, email_key: str, client_address: str | None) -> None:
        """Count one attempt; refuse it while its pair must wait or its address is over the
        limit."""
        pair = self._pair(email_key, client_address)
        if self._storage.get(f"login-wait/{pair}") > 0:
            retry = _whole_seconds(self._storage.get_expiry(f"login-wait/{pair}") - time.time())
            raise RateLimitedError(
                "too many login attempts: this account failed to log in too often from this "
                f"address; try again in {retry} s",
                retry_after_s=retry,
            )
        address = f"address/{client_address or '?'}"
        if not self._window.hit(self._per_address, "login", address):
            reset_at, _ = self._window.get_window_stats(self._per_address, "login", address)
            retry = _whole_seconds(reset_at - time.time())
            raise RateLimitedError(
                f"too many login attempts from this address; try again in {retry} s",
                retry_after_s=retry,
            )

    def failed(self, email_key: str, client_address: str | None) -> None:
        """Count a failure of the pair; from the policy's free failures on, make it wait."""
        pair = self._pair(email_key, client_address)
        failures = self._storage.incr(f"login-failures/{pair}", expiry=self.policy.failure_memory_s)
        delay = self.policy.delay_after_s(failures)
        if delay:
            self._storage.clear(f"login-wait/{pair}")
            self._storage.incr(f"login-wait/{pair}", expiry=delay)

    def succeeded(self, email_key: str, client_address: str | None) -> None:
        """Forget the pair's failures: its owner got in."""
        pair = self._pair(email_key, client_address)
        self._storage.clear(f"login-failures/{pair}")
        self._storage.clear(f"login-wait/{pair}")


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int, hash_len: int) -> str:
    """A hash of no one's password, made with the given parameters."""
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, hash_len=hash_len
    )
    return hasher.hash(secrets.token_urlsafe(24))


def dummy_hash_for(hasher: PasswordHasher) -> str:
    """What an unknown or closed account's password is checked against: a hash made with the
    hasher's own cost, so that checking it takes as long as checking a real one."""
    return _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len)


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
    """Check the password and open a cookie session or an API token.

    A known e-mail with a wrong password and an unknown e-mail do the same work (a look-up,
    one argon2 check at the configured cost, an audit row), so their answers take as long.
    Every refusal, a rate-limited one too, is audited.
    """
    key = email.strip().lower()[:254]
    user = db.scalars(select(User).where(User.email == key)).first()
    try:
        limiter.admit(key, client_address)
    except RateLimitedError:
        _audit_refusal(db, "login_limited", user, client_address, request)
        raise
    try:
        if user is None or not user.active or user.deleted_at is not None:
            hasher.verify(dummy_hash_for(hasher), password)
            raise VerificationError
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        limiter.failed(key, client_address)
        _audit_refusal(db, "login_failed", user, client_address, request)
        raise AuthenticationError("wrong e-mail address or password") from None
    limiter.succeeded(key, client_address)
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


def refuse_login(
    db: Session, *, email: str, client_address: str | None, request: str | None
) -> None:
    """Audit a login refused before its password was checked (an expired or foreign form)."""
    key = email.strip().lower()[:254]
    user = db.scalars(select(User).where(User.email == key)).first()
    _audit_refusal(db, "login_refused", user, client_address, request)


def _audit_refusal(
    db: Session,
    action: str,
    user: User | None,
    client_address: str | None,
    request: str | None,
) -> None:
    record_event(
        db,
        None,
        action,
        "user",
        entity_id=user.id if user else None,
        clinic_id=user.clinic_id if user else None,
        client_address=client_address,
        request=request,
    )
    db.commit()


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
