"""What the clinic subcommands of the CLI do: migrate, add a user, serve, seed the demo clinic.
No argument parsing."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.migrate import current_revision, head_revision, upgrade_to_head
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic, password_hasher
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, HemispasmError

if TYPE_CHECKING:
    from hemispasm.clinic.demo.seed import DemoReport
    from hemispasm.clinic.demo.videos import MakeResult
    from hemispasm.clinic.jobs.analysis import Analyse
    from hemispasm.clinic.services.audit import ChainReport


class DatabaseError(HemispasmError):
    """The database cannot be reached or migrated."""


def settings_for(data_dir: Path | None) -> Settings:
    """The environment's settings, with the data folder from the command line when given."""
    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


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


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Migrate, then run the app with uvicorn until interrupted."""
    import uvicorn

    from hemispasm.clinic.app import create_app

    migrate(settings)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)


def run_worker(settings: Settings, *, analyse: Analyse | None = None) -> None:
    """What ``hemispasm worker`` does: migrate the database, then run a worker until stopped."""
    import logging

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
