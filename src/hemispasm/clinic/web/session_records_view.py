"""What a session page shows of its vials and consent (``_session_records.html``): the stored
records and, after a refused post, the form as it was typed with its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from hemispasm.clinic.domain.vials import CONSENT_LABELS
from hemispasm.clinic.services import session_records as svc
from hemispasm.clinic.services.actor import Actor

PENDING = "session_records_form"
"""``request.state`` key: the refused form, for the session page shown again."""


@dataclass
class RecordsForm:
    """A form of the include as posted: its values as typed, and the message per field."""

    name: str
    """"vial" or "consent"."""
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def session_records_context(
    request: Request, db: Session, actor: Actor, patient_id: int, session_id: int
) -> dict[str, Any]:
    """What ``_session_records.html`` needs: the stored records and any refused form."""
    pending: RecordsForm | None = getattr(request.state, PENDING, None)
    return {
        "records": svc.read_session_records(db, actor, patient_id, session_id),
        "records_form": pending,
        "consent_labels": CONSENT_LABELS,
    }
