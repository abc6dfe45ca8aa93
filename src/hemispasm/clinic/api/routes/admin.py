"""Accounts of the clinic, its rules, and its audit log: for admins (rules readable by staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Json
from sqlalchemy import func, select

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PagingDep, PatientIdQuery, UserId
from hemispasm.clinic.api.schemas.common import CONFLICT, Output, Page
from hemispasm.clinic.api.schemas.people import (
    ClinicPublic,
    ClinicUpdate,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from hemispasm.clinic.db.models import AuditEvent, Clinic
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services import accounts, clinics
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.audit import changes_between, record_event

router = APIRouter(tags=["admin"])


@router.get("/users", response_model=list[UserPublic], summary="Accounts of the clinic")
def list_users(actor: CurrentActor, db: DbDep) -> Any:
    return accounts.list_users(db, actor)


@router.post(
    "/users",
    response_model=UserPublic,
    status_code=201,
    summary="Add an account",
    responses=CONFLICT,
)
def create_user(body: UserCreate, request: Request, actor: CurrentActor, db: DbDep) -> Any:
    require_role(actor, Role.ADMIN)
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    user = accounts.create_user(
        db,
        hasher=request.app.state.hasher,
        clinic=clinic,
        email=body.email,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        patient_id=body.patient_id,
        actor=actor,
    )
    db.commit()
    return user


@router.get("/users/{user_id}", response_model=UserPublic, summary="Read an account")
def read_user(user_id: UserId, actor: CurrentActor, db: DbDep) -> Any:
    return accounts.get_user_for(db, actor, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Change an account")
def update_user(
    user_id: UserId, body: UserUpdate, request: Request, actor: CurrentActor, db: DbDep
) -> Any:
    user = accounts.get_user_for(db, actor, user_id)
    changes = body.model_dump(exclude_unset=True)
    shown = {k: v for k, v in changes.items() if k != "password" and v is not None}
    changed = changes_between({k: getattr(user, k) for k in shown}, shown)
    if changes.get("password") is not None:
        changed["password"] = {"before": "(kept secret)", "after": "(a new one)"}
        accounts.check_password(changes["password"])
        user.password_hash = request.app.state.hasher.hash(changes.pop("password"))
        accounts.revoke_sessions(db, user.id)
    changes.pop("password", None)
    for key, value in changes.items():
        if value is not None:
            setattr(user, key, value)
    if changes.get("active") is False:
        accounts.revoke_sessions(db, user.id)
    record_event(db, actor, "update", "user", entity_id=user.id, detail={"changes": changed})
    db.commit()
    return user


@router.get("/clinic", response_model=ClinicPublic, summary="The clinic's rules")
def read_clinic(actor: CurrentActor, db: DbDep) -> Any:
    return clinics.get_clinic(db, actor)


@router.patch("/clinic", response_model=ClinicPublic, summary="Change the clinic's rules")
def update_clinic(body: ClinicUpdate, actor: CurrentActor, db: DbDep) -> Any:
    changes = body.model_dump(exclude_unset=True, exclude={"dose_limits"})
    changes = {k: v for k, v in changes.items() if v is not None}
    limits = [d.model_dump() for d in body.dose_limits] if body.dose_limits else None
    return clinics.update_clinic(db, actor, changes, limits)


class AuditEventOut(Output):
    """One audit log entry."""

    id: int
    at: datetime
    user_id: UserId | None
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    client_address: str | None
    request: str | None
    detail: Json[dict[str, Any]] | None = None
    """An update's changed fields ``{"changes": {field: {"before", "after"}}}``, the patients a
    list showed ``{"patient_ids": [...]}``, or a refusal's ``{"attempted", "status", "reason"}``."""
    prev_hash: str | None = None
    row_hash: str | None = None
    """SHA-256 of this entry and ``prev_hash``, the hash of the entry before it (the chain that
    ``hemispasm audit verify`` checks)."""


@router.get("/audit-events", response_model=Page[AuditEventOut], summary="The clinic's audit log")
def list_audit_events(
    actor: CurrentActor, db: DbDep, paging: PagingDep, patient_id: PatientIdQuery = None
) -> Any:
    require_role(actor, Role.ADMIN)
    where = [AuditEvent.clinic_id == actor.clinic_id]
    if patient_id is not None:
        where.append(AuditEvent.patient_id == patient_id)
    total = db.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = db.scalars(
        select(AuditEvent)
        .where(*where)
        .order_by(AuditEvent.id.desc())
        .limit(paging.page_size)
        .offset((paging.page - 1) * paging.page_size)
    ).all()
    record_event(db, actor, "list", "audit_event", patient_id=patient_id)
    db.commit()
    return {"items": rows, "total": total, "page": paging.page, "page_size": paging.page_size}
