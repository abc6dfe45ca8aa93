"""What the clinic subcommands of the CLI do: migrate, add a user, serve, seed the demo clinic.
No argument parsing."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.migrate import current_revision, head_revision, upgrade_to_head
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic, password_hasher
from hemispasm.clinic.settings import Settings, load_settings
from hemispasm.errors import ClinicalDataError, ConfigurationError, HemispasmError

if TYPE_CHECKING:
    from hemispasm.clinic.demo.seed import DemoReport
    from hemispasm.clinic.demo.videos import MakeResult
    from hemispasm.clinic.jobs.analysis import Analyse
    from hemispasm.clinic.services.audit import ChainReport


class DatabaseError(HemispasmError):
    """The database cannot be reached or migrated."""


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    """The environment's settings, with the data folder and other values from the command line
    when given (None: not given); a bad value is a ``ConfigurationError``."""
    given = {name: value for name, value in overrides.items() if value is not None}
    if data_dir is not None:
        given["data_dir"] = data_dir
    return load_settings(**given)


def migrate(settings: Settings) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (revision before, revision after)."""
    settings.ensure_data_dir()
    url = settings.sqlalchemy_url
    try:
        before = current_revision(url)
        upgrade_to_head(url)
    except Exception as exc:  # driver errors differ per database; name the database instead
        raise DatabaseError(f"cannot migrate the database {_safe(url)}: {exc}") from exc
    return before, head_revision()


def _safe(url: str) -> str:
    """The URL without a password."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


def read_password(stdin: TextIO | None = None) -> str:
    """The new password: asked twice on a terminal, else the first line of standard input."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat password: "):
            raise ClinicalDataError("password", "the two entries differ")
        return first
    return stdin.readline().rstrip("\r\n")


def add_user(
    settings: Settings,
    *,
    clinic: str,
    role: str,
    email: str,
    password: str,
    display_name: str = "",
    patient_mrn: str | None = None,
) -> str:
    """Create a user (and the clinic if new) after migrating; returns a one-line confirmation."""
    migrate(settings)
    from sqlalchemy import select

    from hemispasm.clinic.db.models import Patient

    try:
        the_role = Role(role)
    except ValueError:
        raise ClinicalDataError(
            "role", f"must be admin, clinician or patient, not {role!r}"
        ) from None
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with make_session_factory(engine)() as db:
            the_clinic = get_or_create_clinic(db, clinic)
            patient_id = None
            if patient_mrn is not None:
                patient_id = db.scalar(
                    select(Patient.id).where(
                        Patient.clinic_id == the_clinic.id, Patient.mrn == patient_mrn
                    )
                )
                if patient_id is None:
                    raise ClinicalDataError(
                        "patient", f"no patient with record number {patient_mrn!r} in {clinic!r}"
                    )
            user = create_user(
                db,
                hasher=password_hasher(settings),
                clinic=the_clinic,
                email=email,
                password=password,
                role=the_role,
                display_name=display_name,
                patient_id=patient_id,
            )
            db.commit()
            return f"added {user.role.value} {user.email} to clinic {the_clinic.name!r}"
    finally:
        engine.dispose()


APP_FACTORY = "hemispasm.clinic.commands:app_from_environment"
"""What each of several server processes imports and calls to build its app."""


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 1,
    note: Callable[[str], None] = lambda _: None,
) -> None:
    """Check the settings allow ``workers`` server processes, migrate, then run the app with
    uvicorn until interrupted. With several processes each builds its app from the environment
    (``app_from_environment``), so the data folder is handed to them as ``HEMISPASM_DATA_DIR``."""
    import uvicorn

    for warning in check_server_processes(settings, workers):
        note(warning)
    migrate(settings)
    options = uvicorn_options(settings, host=host, port=port, workers=workers)
    if workers == 1:
        from hemispasm.clinic.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    os.environ["HEMISPASM_DATA_DIR"] = str(settings.data_dir.resolve())
    uvicorn.run(APP_FACTORY, factory=True, **options)


def app_from_environment() -> Any:
    """The app of one of several server processes, on the environment's settings."""
    from hemispasm.clinic.app import create_app

    return create_app(load_settings())


def uvicorn_options(settings: Settings, *, host: str, port: int, workers: int) -> dict[str, Any]:
    """What uvicorn runs the app with. Forwarded headers are believed only from the proxies of
    ``forwarded_allow_ips``; unset, from none (not uvicorn's default of the loopback address or
    ``$FORWARDED_ALLOW_IPS``)."""
    trusted = settings.forwarded_allow_ips
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "info",
        "proxy_headers": trusted is not None,
        "forwarded_allow_ips": trusted or "",
    }


def check_server_processes(settings: Settings, workers: int) -> list[str]:
    """Refuse settings under which ``workers`` server processes would get in each other's way
    (``ConfigurationError``); return warnings for those that merely weaken something."""
    if workers == 1:
        return []
    asked = f"serve --workers {workers}"
    if settings.sqlalchemy_url.startswith("sqlite"):
        raise ConfigurationError(
            f"{asked}: the SQLite database lets one process write at a time, so several server "
            "processes would queue for its lock; set HEMISPASM_DATABASE_URL to a PostgreSQL "
            "database, or serve with --workers 1"
        )
    if settings.embedded_worker and settings.jobs_url is None:
        raise ConfigurationError(
            f"{asked}: each server process would run its own analysis worker on the SQLite job "
            "queue of the data folder; set HEMISPASM_JOBS_URL to a redis:// URL (the processes "
            "then share one queue), or HEMISPASM_EMBEDDED_WORKER=false and run `hemispasm worker`"
        )
    if settings.rate_limit_storage_url.startswith("memory://"):
        return [
            f"{asked}: each process counts login attempts on its own "
            "(HEMISPASM_RATE_LIMIT_STORAGE_URL is memory://), so a client may try up to "
            f"{workers} times the login limit; point it at Redis to share one count"
        ]
    return []


def run_worker(settings: Settings, *, analyse: Analyse | None = None) -> None:
    """What ``hemispasm worker`` does: migrate the database, then run a worker until stopped."""
    import logging

    from sqlalchemy.pool import NullPool

    from hemispasm.clinic.jobs.worker import Worker

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    migrate(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        Worker(settings, make_session_factory(engine), analyse=analyse).run()
    finally:
        engine.dispose()


def demo(
    settings: Settings,
    *,
    patients: int,
    seed: int,
    today: date,
    make_video: MakeResult | None = None,
    note: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """Migrate, then create what is missing of the demo clinic (see ``hemispasm.clinic.demo``)."""
    from hemispasm.clinic.demo.plan import make_plan
    from hemispasm.clinic.demo.seed import seed_demo
    from hemispasm.clinic.demo.videos import make_and_analyse

    plan = make_plan(seed=seed, today=today, patients=patients)
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        return seed_demo(
            engine,
            plan,
            hasher=password_hasher(settings),
            data_dir=settings.data_dir,
            make_video=make_video or make_and_analyse,
            note=note,
        )
    finally:
        engine.dispose()


def verify_audit(settings: Settings) -> ChainReport:
    """Walk the audit log's hash chain in one consistent read (it takes no write lock, so the
    server keeps running); a database that is missing or not migrated is a ``DatabaseError``."""
    from sqlalchemy.exc import SQLAlchemyError

    from hemispasm.clinic.db.engine import READS_ONLY, is_sqlite_file
    from hemispasm.clinic.services.audit import verify_chain

    url = settings.sqlalchemy_url
    if is_sqlite_file(url) and not Path(url.partition(":///")[2].split("?", 1)[0]).is_file():
        raise DatabaseError(f"no database at {_safe(url)}: check --data")
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            options: dict[str, object] = {READS_ONLY: True}
            if engine.dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"  # one snapshot for the walk
            with conn.execution_options(**options).begin():
                return verify_chain(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot read the audit log of {_safe(url)} (run hemispasm db upgrade?): "
            f"{type(exc).__name__}"
        ) from None
    finally:
        engine.dispose()
