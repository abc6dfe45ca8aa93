"""Who may see and change which patient's data: the one place where that is decided.

Clinicians see the patients of their own clinic. A patient sees only their own record, and only
the parts listed in ``PATIENT_READABLE`` (and changes only ``PATIENT_WRITABLE``). Admins manage
accounts and clinic settings, not patient data. Anything not visible is reported as not found,
so that record numbers of other clinics cannot be probed.

Within their own record a patient adds their own reports (self-ratings, side effects, the
course of a cycle, videos to analyse) and corrects them; what a clinician recorded they can see
but neither change nor delete, and deleting stays a clinician's act (``check_may_change``).
Every refusal is noted for the audit log (``services.audit.note_refusal``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import InjectionSession, Patient, User
from hemispasm.clinic.domain.vocab import Reporter, Role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import Refusal, note_refusal, record_event
from hemispasm.errors import ClinicalDataError, NotFoundError, PermissionDeniedError

PATIENT_READABLE = frozenset(
    {"summary", "self_rating", "cycle", "video_analysis", "adverse_event", "session_photo"}
)
"""Parts of their own record a patient can read."""
PATIENT_WRITABLE = frozenset({"self_rating", "cycle", "video_analysis", "adverse_event"})
"""Parts of their own record a patient can add to and change (only what they reported)."""


def reporter_of(actor: Actor) -> Reporter:
    """Who ``actor`` reports as: the patient, or a clinician (for the patient or not)."""
    return Reporter.PATIENT if actor.role is Role.PATIENT else Reporter.CLINICIAN


def refuse(
    db: Session,
    actor: Actor,
    error: NotFoundError | PermissionDeniedError,
    *,
    part: str,
    action: str,
    patient_id: int | None = None,
    entity_id: int | None = None,
) -> NotFoundError | PermissionDeniedError:
    """``error``, noted for the audit log first (the caller raises it)."""
    status = 404 if isinstance(error, NotFoundError) else 403
    refusal = Refusal(actor, action, part, status, str(error), patient_id, entity_id)
    note_refusal(db, refusal)
    return error


def check_may_change(
    db: Session,
    actor: Actor,
    part: str,
    reported_by: Reporter | None,
    *,
    action: str,
    patient_id: int,
    entity_id: int,
) -> None:
    """Refuse a patient's change of a record they did not report, and any patient's delete.

    ``reported_by`` is the stored record's reporter (None: nobody reported anything yet, as in
    a cycle whose course is still empty). Clinicians may change and delete any record.
    """
    if actor.role is not Role.PATIENT:
        return
    noun = part.replace("_", " ")
    if action == "delete":
        reason = f"deleting a {noun} is for your clinic: ask them if it is wrong"
    elif reported_by not in (None, Reporter.PATIENT):
        reason = (
            f"your clinic recorded this {noun}: you can read it but not change it; "
            "ask them if it is wrong"
        )
    else:
        return
    raise refuse(
        db,
        actor,
        PermissionDeniedError(reason),
        part=part,
        action=action,
        patient_id=patient_id,
        entity_id=entity_id,
    )


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse the use case unless the actor has one of ``roles``."""
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise PermissionDeniedError(f"this needs the role {allowed}; you are {actor.role.value}")


def check_clinician_ref(db: Session, actor: Actor, field: str, user_id: int | None) -> None:
    """Refuse a reference to a user who is not an active clinician of the actor's clinic."""
    if user_id is None:
        return
    user = db.get(User, user_id)
    if (
        user is None
        or user.clinic_id != actor.clinic_id
        or user.role is not Role.CLINICIAN
        or user.deleted_at is not None
    ):
        raise ClinicalDataError(field, f"no clinician {user_id} in this clinic")


def is_visible(actor: Actor, patient: Patient | None) -> bool:
    """Whether the patient's record exists for ``actor`` at all."""
    if patient is None or patient.deleted_at is not None or patient.clinic_id != actor.clinic_id:
        return False
    if actor.role is Role.CLINICIAN:
        return True
    return actor.role is Role.PATIENT and actor.patient_id == patient.id


def may(actor: Actor, part: str, *, write: bool) -> bool:
    """Whether ``actor``'s role may read (or write) ``part`` of a record visible to them."""
    if actor.role is Role.CLINICIAN:
        return True
    if actor.role is Role.PATIENT:
        return part in (PATIENT_WRITABLE if write else PATIENT_READABLE)
    return False


def get_patient_for(
    db: Session,
    actor: Actor,
    patient_id: int,
    *,
    part: str,
    action: str,
    entity_id: int | None = None,
    audit: bool = True,
) -> Patient:
    """The patient, if ``actor`` may ``action`` its ``part``; the access is audited (unless
    ``audit`` is False: the caller records it, with more detail), a refusal too.

    Raises
    ------
    PermissionDeniedError
        An admin asking for patient data, or a patient asking for a part their role cannot use.
    NotFoundError
        No such patient, deleted, of another clinic, or another patient's record.
    """

    def refused(error: NotFoundError | PermissionDeniedError) -> Exception:
        return refuse(
            db, actor, error, part=part, action=action, patient_id=patient_id, entity_id=entity_id
        )

    if actor.role is Role.ADMIN:
        raise refused(
            PermissionDeniedError("admins manage accounts and settings, not patient records")
        )
    patient = db.get(Patient, patient_id)
    if patient is None or not is_visible(actor, patient):
        raise refused(NotFoundError("patient", patient_id))
    write = action not in ("read", "list")
    if not may(actor, part, write=write):
        verb = "change" if write else "see"
        raise refused(
            PermissionDeniedError(f"your role cannot {verb} {part.replace('_', ' ')} records")
        )
    if audit:
        record_event(db, actor, action, part, entity_id=entity_id, patient_id=patient.id)
    return patient


def get_session_for(
    db: Session, actor: Actor, patient: Patient, session_id: int, *, part: str, action: str
) -> InjectionSession:
    """The patient's injection session (not deleted), for a caller already allowed to
    ``action`` the patient's ``part``; otherwise a refusal, audited as not found.

    Raises
    ------
    NotFoundError
        No such session, another patient's, or deleted.
    """
    row = db.get(InjectionSession, session_id)
    if row is None or row.patient_id != patient.id or row.deleted_at is not None:
        raise refuse(
            db,
            actor,
            NotFoundError("injection session", session_id),
            part=part,
            action=action,
            patient_id=patient.id,
            entity_id=session_id,
        )
    return row
