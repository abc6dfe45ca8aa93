"""An app on the test's transaction, a frozen clock, and personas of two clinics.

Personas (healthchecks-style): in clinic A an admin, a clinician, and patients P1 and P2 (P1 and
P2 each have a patient login); in clinic B an admin, a clinician and patient Q1 with a login.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.models import Patient, User
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import (
    create_user,
    get_or_create_clinic,
    open_session,
    password_hasher,
)
from hemispasm.clinic.settings import Settings
from tests.clinic.conftest import session_on

TODAY = date(2026, 6, 15)
PASSWORD = "correct horse battery"


def make_test_settings(**overrides: Any) -> Settings:
    """Fast password hashing; everything else as in production."""
    values: dict[str, Any] = {
        "environment": "test",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "database_url": "sqlite://",
    }
    return Settings(**(values | overrides))


@dataclass
class Persona:
    """A user with a bearer token."""

    name: str
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this persona."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """Two clinics with their people."""

    personas: dict[str, Persona]
    patients: dict[str, int]

    def __getitem__(self, name: str) -> Persona:
        return self.personas[name]


def build_world(db: Session, settings: Settings) -> World:
    """Create the personas of both clinics (committed into the test's transaction)."""
    hasher = password_hasher(settings)
    a = get_or_create_clinic(db, "Clinic A")
    b = get_or_create_clinic(db, "Clinic B")
    patients = {}
    for key, clinic, mrn in (("P1", a, "A-001"), ("P2", a, "A-002"), ("Q1", b, "B-001")):
        p = Patient(
            clinic_id=clinic.id, mrn=mrn, name=f"Demo Patient {key}", birth_date=date(1960, 1, 1)
        )
        db.add(p)
        db.flush()
        patients[key] = p.id
    specs = [
        ("admin_a", a, Role.ADMIN, None),
        ("clinician_a", a, Role.CLINICIAN, None),
        ("patient_p1", a, Role.PATIENT, patients["P1"]),
        ("patient_p2", a, Role.PATIENT, patients["P2"]),
        ("admin_b", b, Role.ADMIN, None),
        ("clinician_b", b, Role.CLINICIAN, None),
        ("patient_q1", b, Role.PATIENT, patients["Q1"]),
    ]
    personas = {}
    for name, clinic, role, patient_id in specs:
        user = create_user(
            db,
            hasher=hasher,
            clinic=clinic,
            email=f"{name}@example.org",
            password=PASSWORD,
            role=role,
            display_name=name.replace("_", " ").title(),
            patient_id=patient_id,
        )
        login = open_session(db, user, kind="bearer", lifetime=timedelta(days=1))
        personas[name] = Persona(name, user, login.token)
    db.commit()
    return World(personas, patients)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The test settings, with a data folder of the test's own."""
    return make_test_settings(data_dir=tmp_path / "data")


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    """The personas."""
    return build_world(db, settings)


@pytest.fixture
def client(connection: Connection, settings: Settings) -> Iterator[TestClient]:
    """A client of an app whose every request runs inside the test's transaction."""
    app = create_app(settings, session_factory=lambda: session_on(connection), clock=lambda: TODAY)
    with TestClient(app, base_url="https://testserver") as c:
        yield c
