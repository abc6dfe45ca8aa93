"""Settings of the clinic server, from the environment (``HEMISPASM_*``) and an optional .env file.

``get_settings()`` is cached; tests build their own ``Settings`` and hand it to ``create_app``.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hemispasm.errors import ConfigurationError

DEFAULT_DATA_DIR = Path("hemispasm-data")
DATABASE_FILE = "hemispasm.sqlite3"
EMBEDDED_WORKER_CONNECTIONS = 3
"""Database connections the embedded analysis worker may hold at once: its job, the renewal of
the job's lease, the recovery of lost jobs (each a thread of its own)."""


class Settings(BaseSettings):
    """Everything the server reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="HEMISPASM_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    """When unset, a SQLite file inside ``data_dir``."""
    secret_key: str | None = None
    """Signs nothing today (sessions are random server-side tokens) but is required in production
    for the features that will; never defaulted there."""

    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    token_days: float = Field(default=30.0, gt=0, le=365)
    cookie_secure: bool = True
    server_threads: int = Field(default=40, ge=1, le=1000)
    """Threads of one server process that run routes and pages (FastAPI's thread pool); each
    holds at most one database connection at a time."""
    db_pool_size: int = Field(default=20, ge=1, le=1000)
    """Connections each server process keeps open to PostgreSQL; more are opened, up to
    ``db_max_connections``, while that many are in use (SQLite keeps them all)."""
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    login_rate_limit: str = "10/minute"
    """Login attempts allowed per client address, whatever the accounts. Failures of one account
    from one address are slowed down besides (``services.accounts.LoginPolicy``)."""
    rate_limit_storage_url: str = "memory://"
    """``memory://`` for one process; ``redis://127.0.0.1:6379`` when several workers serve."""
    forwarded_allow_ips: str | None = None
    """The proxies (comma-separated addresses or networks, e.g. ``127.0.0.1`` or ``10.1.2.0/24``;
    ``*`` for any) whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` headers are believed. Unset,
    no proxy is trusted: the headers are ignored and the client is the address that connected."""

    emergency_number: str = Field(default="112", pattern=r"^[0-9]{2,6}$")
    """The emergency number patients are told to call at once with an urgent side effect (112
    in Europe and on most mobile phones; set 911, 999, 000, ... where that is the number)."""

    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)

    # --- video uploads and their analysis jobs (hemispasm.clinic.jobs) ---
    jobs_url: str | None = None
    """Where analysis jobs queue: unset, a SQLite file in ``data_dir``; ``redis://host:port/db``
    when separate ``hemispasm worker`` processes (on several machines) share the work."""
    jobs_queue_name: str = Field(default="hemispasm", pattern=r"^[A-Za-z0-9_]{1,64}$")
    """The queue's name (its Redis keys are named after it)."""
    embedded_worker: bool = True
    """Run one analysis worker inside the server process (no other service needed)."""
    max_upload_bytes: int = Field(default=200_000_000, gt=0)
    """The largest video accepted for upload."""
    max_photo_bytes: int = Field(default=10_000_000, gt=0)
    """The largest photo (JPEG or PNG) accepted for attaching to an injection session."""
    delete_raw_videos_after_analysis: bool = False
    """Clinic policy: delete an uploaded video once analysed, keeping its results and report."""
    job_retries: int = Field(default=2, ge=0, le=20)
    """Retries of an analysis after a transient failure (a bad video is never retried)."""
    job_retry_delay_s: float = Field(default=30.0, ge=0)
    job_lease_s: float = Field(default=60.0, gt=0)
    """A running job whose worker has not renewed its lease for this long is taken as lost."""
    job_lease_renew_s: float = Field(default=10.0, gt=0)
    job_recovery_interval_s: float = Field(default=30.0, gt=0)
    """How often each worker looks for lost jobs (besides when it starts)."""

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_proxies(cls, value: str | None) -> str | None:
        if value is None:
            return None
        entries = [entry.strip() for entry in value.split(",")]
        if entries == ["*"]:
            return "*"
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    "must be IP addresses or networks separated by commas (e.g. 127.0.0.1 or "
                    f"10.1.2.0/24), or *; {entry!r} is neither"
                ) from None
        return ",".join(entries)

    @model_validator(mode="after")
    def _refuse_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if not self.secret_key or len(self.secret_key) < 32:
                raise ValueError(
                    "HEMISPASM_SECRET_KEY must be set to at least 32 characters in production"
                )
            if not self.cookie_secure:
                raise ValueError("HEMISPASM_COOKIE_SECURE cannot be false in production")
        return self

    @model_validator(mode="after")
    def _check_jobs(self) -> Settings:
        if self.jobs_url is not None and not self.jobs_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError(
                "HEMISPASM_JOBS_URL must be a redis://, rediss:// or unix:// URL, or unset for "
                f"the SQLite queue in the data folder; got one starting {self.jobs_url[:8]!r}"
            )
        if self.job_lease_renew_s >= self.job_lease_s:
            raise ValueError(
                "HEMISPASM_JOB_LEASE_RENEW_S must be shorter than HEMISPASM_JOB_LEASE_S, "
                f"got {self.job_lease_renew_s} and {self.job_lease_s}"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"

    @property
    def db_max_connections(self) -> int:
        """The most connections one server process can use at once: one per server thread and
        the embedded worker's, so that no request ever waits for a free connection."""
        return self.server_threads + EMBEDDED_WORKER_CONNECTIONS

    def ensure_data_dir(self) -> None:
        """Create the data folder when the database lives in it."""
        if not self.database_url:
            self.data_dir.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: Any) -> Settings:
    """The environment's settings with ``overrides`` (from the command line); an impossible or
    unsafe value is a ``ConfigurationError`` whose one line names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(describe_settings_error(error)) from None


_NEVER_ECHOED = frozenset({"secret_key", "database_url", "jobs_url", "rate_limit_storage_url"})
"""Settings whose value may hold a password: an error names them but does not repeat them."""


def describe_settings_error(error: ValidationError) -> str:
    """One line naming each bad setting by its environment variable, with pydantic's reason and
    the value given (except where it may hold a password)."""
    problems = []
    for item in error.errors():
        reason = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:
            field = "_".join(str(part) for part in item["loc"])
            given = item.get("input")
            if field not in _NEVER_ECHOED and isinstance(given, str | int | float):
                reason += f" (got {given!r})"
            problems.append(f"HEMISPASM_{field.upper()}: {reason}")
        else:  # a rule over several settings names them itself
            problems.append(reason)
    return "bad configuration: " + "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()


def new_token() -> str:
    """A random URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(32)
