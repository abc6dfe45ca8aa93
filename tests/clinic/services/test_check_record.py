"""``check_record`` refuses what ``create_record`` refuses and writes nothing, not even audit."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas.records import SessionCreate
from hemispasm.clinic.db.models import AuditEvent, InjectionSession, InjectionSite, Patient, User
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import check_record, create_record
from hemispasm.clinic.services.treatment import INJECTION_SESSIONS
from hemispasm.errors import (
    ClinicalDataError,
    HemispasmError,
    InjectionTooEarlyError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.clinic.api.conftest import TODAY, World, settings, world

__all__ = ["settings", "world"]

LAST_SESSION_ON = TODAY - timedelta(days=30)


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def session_values(**changes: Any) -> dict[str, Any]:
    """Values as the API hands them to the use case (the schema's own dump)."""
    body = {
        "session_on": TODAY.isoformat(),
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "early_reason": "spasms back after four weeks",
        "sites": [
            {"muscle": "orbicularis_oculi_pretarsal_upper", "side": "left", "units": 2.5},
            {"muscle": "zygomaticus_major", "side": "left", "units": 1.25},
        ],
    } | changes
    return SessionCreate.model_validate(body).model_dump()


def counts(db: Session) -> tuple[int, ...]:
    """Rows of sessions, sites and audit events (counting flushes whatever is pending)."""
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (InjectionSession, InjectionSite, AuditEvent)
    )


@pytest.fixture
def earlier_session(db: Session, world: World) -> int:
    """A session of P1 thirty days before today: a session today is early without a reason."""
    row = create_record(
        db,
        actor_of(world["clinician_a"].user),
        INJECTION_SESSIONS,
        world.patients["P1"],
        session_values(session_on=LAST_SESSION_ON.isoformat(), early_reason=None),
    )
    return int(row.id)


def test_good_values_pass_without_anything_written_and_can_then_be_stored(
    db: Session, world: World, earlier_session: int
) -> None:
    actor = actor_of(world["clinician_a"].user)
    patient_id = world.patients["P1"]
    before = counts(db)
    check_record(db, actor, INJECTION_SESSIONS, patient_id, session_values())  # no error
    assert not db.new and not db.dirty
    assert counts(db) == before
    patient = db.get(Patient, patient_id)
    assert patient is not None and patient.last_session_on == LAST_SESSION_ON

    row = create_record(db, actor, INJECTION_SESSIONS, patient_id, session_values())
    assert row.injector_id == actor.user_id and len(row.sites) == 2
    sessions, sites, events = counts(db)
    assert (sessions, sites) == (before[0] + 1, before[1] + 2) and events == before[2] + 1


def other_clinician(world: World) -> dict[str, Any]:
    return {"injector_id": world["clinician_b"].user.id}


def an_admin(world: World) -> dict[str, Any]:
    return {"injector_id": world["admin_a"].user.id}


BAD_VALUES = [
    pytest.param(
        lambda w: {"early_reason": None}, InjectionTooEarlyError, "early_reason", id="early"
    ),
    pytest.param(
        lambda w: {"session_on": (TODAY + timedelta(days=1)).isoformat()},
        ClinicalDataError,
        "session_on",
        id="future",
    ),
    pytest.param(
        lambda w: {"session_on": "1959-12-31", "early_reason": None},
        ClinicalDataError,
        "session_on",
        id="before-birth",
    ),
    pytest.param(
        lambda w: {"expiry_on": (TODAY - timedelta(days=1)).isoformat()},
        ClinicalDataError,
        "expiry_on",
        id="expired",
    ),
    pytest.param(
        lambda w: {"product": "other"}, ClinicalDataError, "product_name", id="other-unnamed"
    ),
    pytest.param(
        lambda w: {"effect_began_on": (TODAY + timedelta(days=3)).isoformat()},
        ClinicalDataError,
        "effect_began_on",
        id="future-effect",
    ),
    pytest.param(other_clinician, ClinicalDataError, "injector_id", id="other-clinic-injector"),
    pytest.param(an_admin, ClinicalDataError, "injector_id", id="admin-injector"),
]


def first_error(action: Any) -> HemispasmError:
    with pytest.raises(HemispasmError) as caught:
        action()
    return caught.value


@pytest.mark.parametrize(("change", "kind", "field"), BAD_VALUES)
def test_bad_values_raise_what_create_record_raises_and_nothing_is_written(
    db: Session, world: World, earlier_session: int, change: Any, kind: type, field: str
) -> None:
    actor = actor_of(world["clinician_a"].user)
    patient_id = world.patients["P1"]
    values = session_values(**change(world))
    before = counts(db)

    checked = first_error(lambda: check_record(db, actor, INJECTION_SESSIONS, patient_id, values))
    assert counts(db) == before
    created = first_error(lambda: create_record(db, actor, INJECTION_SESSIONS, patient_id, values))
    db.rollback()

    assert type(checked) is type(created) and isinstance(checked, kind)
    assert isinstance(checked, ClinicalDataError) and checked.field == field
    assert str(checked) == str(created)
    assert counts(db) == before


def test_the_session_stays_usable_after_a_refused_check(
    db: Session, world: World, earlier_session: int
) -> None:
    actor = actor_of(world["clinician_a"].user)
    patient_id = world.patients["P1"]
    with pytest.raises(InjectionTooEarlyError, match=re.escape(LAST_SESSION_ON.isoformat())):
        check_record(db, actor, INJECTION_SESSIONS, patient_id, session_values(early_reason=None))
    row = create_record(db, actor, INJECTION_SESSIONS, patient_id, session_values())
    assert row.session_on == TODAY and row.early_reason == "spasms back after four weeks"


@pytest.mark.parametrize(
    ("persona", "patient", "error", "message"),
    [
        ("clinician_b", "P1", NotFoundError, "patient .* not found"),
        ("clinician_a", "Q1", NotFoundError, "patient .* not found"),
        ("patient_p1", "P1", PermissionDeniedError, "cannot change injection session"),
        ("admin_a", "P1", PermissionDeniedError, "not patient records"),
    ],
)
def test_access_is_refused_as_create_record_refuses_it_and_not_audited(
    db: Session, world: World, persona: str, patient: str, error: type, message: str
) -> None:
    actor = actor_of(world[persona].user)
    patient_id = world.patients[patient]
    before = counts(db)
    with pytest.raises(error, match=message):
        check_record(db, actor, INJECTION_SESSIONS, patient_id, session_values())
    with pytest.raises(error, match=message):
        create_record(db, actor, INJECTION_SESSIONS, patient_id, session_values())
    db.rollback()
    assert counts(db) == before
