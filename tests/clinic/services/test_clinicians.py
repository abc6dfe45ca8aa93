"""The clinicians of a clinic, as offered when choosing who injected a session."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import Clinic, User
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, list_clinicians, password_hasher
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.errors import PermissionDeniedError
from tests.clinic.api.conftest import PASSWORD, TODAY, World, settings, world

__all__ = ["settings", "world"]


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def add_user(
    db: Session,
    settings: Settings,
    clinic_id: int,
    key: str,
    name: str,
    role: Role = Role.CLINICIAN,
) -> User:
    clinic = db.get(Clinic, clinic_id)
    assert clinic is not None
    user = create_user(
        db,
        hasher=password_hasher(settings),
        clinic=clinic,
        email=f"{key}@example.org",
        password=PASSWORD,
        role=role,
        display_name=name,
    )
    db.commit()
    return user


def test_only_the_active_clinicians_of_the_actors_clinic_are_listed_by_name(
    db: Session, settings: Settings, world: World
) -> None:
    clinic_a = world["clinician_a"].user.clinic_id
    lower = add_user(db, settings, clinic_a, "c_lower", "clinician m")  # sorts without case
    last = add_user(db, settings, clinic_a, "c_last", "Clinician Z")
    twin = add_user(db, settings, clinic_a, "c_twin", "Clinician Z")  # same name: by id
    unnamed = add_user(db, settings, clinic_a, "c_unnamed", "")
    add_user(db, settings, clinic_a, "c_gone", "Clinician Deleted").deleted_at = utcnow()
    add_user(db, settings, clinic_a, "c_off", "Clinician Deactivated").active = False
    add_user(db, settings, clinic_a, "second_admin", "Admin Two", role=Role.ADMIN)
    db.commit()

    listed = list_clinicians(db, actor_of(world["clinician_a"].user))

    assert [u.id for u in listed] == [
        unnamed.id,
        world["clinician_a"].user.id,  # "Clinician A"
        lower.id,
        last.id,
        twin.id,
    ]
    assert world["clinician_b"].user.id not in {u.id for u in listed}


def test_an_admin_sees_the_same_clinicians_and_another_clinic_sees_only_its_own(
    db: Session, world: World
) -> None:
    as_clinician = list_clinicians(db, actor_of(world["clinician_a"].user))
    as_admin = list_clinicians(db, actor_of(world["admin_a"].user))
    assert [u.id for u in as_admin] == [u.id for u in as_clinician]
    assert [u.id for u in list_clinicians(db, actor_of(world["admin_b"].user))] == [
        world["clinician_b"].user.id
    ]


def test_a_patient_is_refused_the_list_of_clinicians(db: Session, world: World) -> None:
    with pytest.raises(PermissionDeniedError, match="needs the role clinician or admin"):
        list_clinicians(db, actor_of(world["patient_p1"].user))
