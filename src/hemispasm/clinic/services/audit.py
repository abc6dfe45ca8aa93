"""The append-only audit log: every read and write of patient data, every account event."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.services.actor import Actor


def record_event(
    db: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    *,
    entity_id: int | None = None,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    client_address: str | None = None,
    request: str | None = None,
) -> None:
    """Add one audit row to the current transaction (it commits with the use case)."""
    db.connection().execute(  # a plain INSERT: cheaper than a unit-of-work flush on every read
        insert(AuditEvent).values(
            at=utcnow(),
            user_id=actor.user_id if actor else None,
            clinic_id=actor.clinic_id if actor else clinic_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            client_address=(actor.client_address if actor else client_address),
            request=((actor.request if actor else request) or "")[:300] or None,
        )
    )
