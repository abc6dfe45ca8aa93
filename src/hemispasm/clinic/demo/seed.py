"""Write the demo plan into a database through the services, adding only what is missing.

The demo clinic is "Demo Clinic" with three logins (admin, clinician, patient) whose random
passwords are kept in ``demo-logins.txt`` (mode 0600) in the data folder. Every record goes
through the same schema and service as an API request, so the rules and the audit log apply; each
patient's history is one transaction (the services' commits become savepoints inside it), so a
patient is either complete or absent. A second run finds every record number present and writes
nothing. A clinic of the same name that the demo did not make is refused, never changed.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Clinic, Patient, User
from hemispasm.clinic.demo.history import write_history
from hemispasm.clinic.demo.logins import (
    ACCOUNTS,
    LOGINS_FILE,
    demo_user,
    make_owner_only,
    read_logins,
    write_logins,
)
from hemispasm.clinic.demo.records import DemoPlan
from hemispasm.clinic.demo.videos import MakeResult, SampleResult, make_and_analyse, sample_results
from hemispasm.clinic.domain.schedule import DueStatus
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import patient_schedule
from hemispasm.errors import ConflictError

CLINIC_NAME = "Demo Clinic"
DEMO_PHONE = "+1 202 555 0100"
"""The demo clinic's phone number, shown to patients with the urgent-help message: fictional
(555-0100 to 555-0199 are set aside for fiction in the North American numbering plan)."""
VIDEOS_FOLDER = "demo-videos"
REQUEST = "hemispasm demo"
"""What the audit log names as the source of the demo's records."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and its password (None when this run cannot know it)."""

    role: Role
    email: str
    password: str | None
    created: bool
    problem: str | None = None


@dataclass(frozen=True)
class DemoReport:
    """What a run of ``hemispasm demo`` found and did."""

    clinic: str
    clinic_created: bool
    logins: tuple[DemoLogin, ...]
    logins_file: Path
    logins_file_changed: bool
    patients_planned: int
    patients_added: int
    records_added: Mapping[str, int]
    videos: tuple[SampleResult, ...]
    due_counts: Mapping[DueStatus, int]
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether this run wrote anything."""
        return (
            self.clinic_created
            or self.logins_file_changed
            or any(n for n in self.records_added.values())
        )

    @property
    def video_seconds(self) -> float:
        """Time spent making and measuring sample videos in this run."""
        return sum(v.seconds for v in self.videos)


@contextmanager
def _transaction(conn: Connection) -> Iterator[Session]:
    """One database transaction; the services' commits inside it become savepoints."""
    with conn.begin():
        db = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield db
            db.commit()  # what a service flushed without committing (accounts do)
        finally:
            db.close()


@dataclass(frozen=True)
class _Staff:
    """The demo clinic and its staff accounts after the first transaction."""

    clinic_id: int
    clinician_id: int
    clinic_created: bool
    existed: Mapping[str, bool]
    """Whether each demo account existed before this run."""
    passwords: Mapping[str, str | None]
    file_changed: bool
    accounts_created: int


def seed_demo(
    engine: Engine,
    plan: DemoPlan,
    *,
    hasher: PasswordHasher,
    data_dir: Path,
    make_video: MakeResult = make_and_analyse,
    note: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """Create what is missing of the demo clinic of ``plan``; see the module's docstring."""
    started = time.perf_counter()
    logins_file = data_dir / LOGINS_FILE
    notes = []
    if make_owner_only(logins_file):
        notes.append(f"{logins_file} was readable by others; it is now readable by you only")
    counts: Counter[str] = Counter()
    with engine.connect() as conn:
        with _transaction(conn) as db:
            staff = _clinic_and_staff(db, hasher, logins_file)
        counts["accounts"] += staff.accounts_created
        present = set(
            conn.scalars(select(Patient.mrn).where(Patient.clinic_id == staff.clinic_id)).all()
        )
        conn.rollback()
        missing = [p for p in plan.patients if p.mrn not in present]
        wanted = {v.video for p in missing for v in p.videos}
        results = sample_results(data_dir / VIDEOS_FOLDER, wanted, make=make_video, note=note)
        clinician = Actor(
            user_id=staff.clinician_id, clinic_id=staff.clinic_id, role=Role.CLINICIAN,
            request=REQUEST, today=plan.today,
        )  # fmt: skip
        if missing:
            note(f"writing {len(missing)} demo patients")
        patient_password = staff.passwords[ACCOUNTS[2][1]]
        for patient in missing:
            with _transaction(conn) as db:
                password = patient_password if patient.has_login else None
                counts.update(
                    write_history(db, clinician, patient, results, hasher, password, data_dir)
                )
        with _transaction(conn) as db:
            logins = tuple(_logins(db, staff, hasher))
            due = _due_counts(db, staff.clinic_id, plan)
    return DemoReport(
        clinic=CLINIC_NAME,
        clinic_created=staff.clinic_created,
        logins=logins,
        logins_file=logins_file,
        logins_file_changed=staff.file_changed,
        patients_planned=len(plan.patients),
        patients_added=len(missing),
        records_added=dict(counts),
        videos=tuple(results.values()),
        due_counts=due,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _clinic_and_staff(db: Session, hasher: PasswordHasher, logins_file: Path) -> _Staff:
    """The demo clinic and its admin and clinician, made if missing, with the passwords of all
    three demo accounts (the logins file's, or new ones for accounts still to be made)."""
    clinic = db.scalars(select(Clinic).where(Clinic.name == CLINIC_NAME)).first()
    clinic_created = clinic is None
    if clinic is not None:
        _check_demo_clinic(db, clinic)
    clinic = get_or_create_clinic(db, CLINIC_NAME)
    if clinic_created:
        clinic.phone = DEMO_PHONE
    existed = {
        email: demo_user(db, clinic.id, role, email) is not None for role, email, _ in ACCOUNTS
    }
    known = read_logins(logins_file)
    passwords = {
        email: known.get(email) or (None if existed[email] else secrets.token_urlsafe(12))
        for _, email, _ in ACCOUNTS
    }
    file_changed = any(passwords[email] != known.get(email) for email in passwords)
    if file_changed:  # written before the accounts exist, so no account's password is lost
        entries = {}
        for role, email, _ in ACCOUNTS:
            if (password := passwords[email]) is not None:
                entries[email] = (role, password)
        write_logins(logins_file, entries)
    created = 0
    for role, email, name in ACCOUNTS:
        password = passwords[email]
        if role is not Role.PATIENT and not existed[email] and password is not None:
            create_user(
                db, hasher=hasher, clinic=clinic, email=email, password=password, role=role,
                display_name=name,
            )  # fmt: skip
            created += 1
    clinician_id = db.scalar(select(User.id).where(User.email == ACCOUNTS[1][1]))
    if clinician_id is None:  # cannot happen: found above, or made with a new password
        raise RuntimeError("the demo clinician account is missing")
    return _Staff(
        clinic.id, clinician_id, clinic_created, existed, passwords, file_changed, created
    )


def _due_counts(db: Session, clinic_id: int, plan: DemoPlan) -> dict[DueStatus, int]:
    """How many of the clinic's patients stand where in the injection cycle today."""
    patients = db.scalars(
        select(Patient).where(Patient.clinic_id == clinic_id, Patient.deleted_at.is_(None))
    ).all()
    return dict(Counter(patient_schedule(db, p, plan.today).status for p in patients))


def _check_demo_clinic(db: Session, clinic: Clinic) -> None:
    """Refuse a clinic of the demo's name that holds data the demo did not make."""
    admin = db.scalar(
        select(User.id).where(User.clinic_id == clinic.id, User.email == ACCOUNTS[0][1])
    )
    if admin is not None:
        return
    users = db.scalar(select(func.count()).select_from(User).where(User.clinic_id == clinic.id))
    patients = db.scalar(
        select(func.count()).select_from(Patient).where(Patient.clinic_id == clinic.id)
    )
    if users or patients:
        raise ConflictError(
            "clinic",
            f"a clinic called {clinic.name!r} with {users} accounts and {patients} patients "
            "already exists and was not made by the demo; it is left as it is (use a new "
            "--data folder for the demo)",
        )


def _logins(db: Session, staff: _Staff, hasher: PasswordHasher) -> Iterator[DemoLogin]:
    """Each demo login, checking that the stored password still is the file's."""
    for role, email, _ in ACCOUNTS:
        user = db.scalars(select(User).where(User.email == email)).first()
        password = staff.passwords[email]
        problem = None
        if user is None:
            problem = "not created: its patient record is missing or was deleted"
        elif password is None:
            problem = "its password is not in the logins file; an admin can set a new one"
        elif not user.active or user.deleted_at is not None:
            problem = "the account was deactivated in the app"
        elif staff.existed[email]:
            try:
                hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                problem = "the password was changed in the app; the file's no longer works"
        created = not staff.existed[email] and user is not None
        yield DemoLogin(role, email, password, created, problem)
