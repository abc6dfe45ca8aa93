"""A clinic's own rules: re-injection intervals and dose-limit warnings per product."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hemispasm.clinic.db.engine import reads_only
from hemispasm.clinic.db.models import Clinic, DoseLimit, Patient
from hemispasm.clinic.domain.dosing import DoseLimits
from hemispasm.clinic.domain.vocab import Product, Role
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import changes_between, record_event
from hemispasm.clinic.services.treatment import schedule_rules
from hemispasm.errors import ClinicalDataError


def get_clinic(db: Session, actor: Actor) -> Clinic:
    """The actor's clinic with its settings (any staff role)."""
    require_role(actor, Role.ADMIN, Role.CLINICIAN)
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None
    return clinic


def clinic_phone(db: Session, actor: Actor) -> str | None:
    """The number the actor's clinic asks its patients to call (any role of the clinic)."""
    with reads_only(db):
        return db.scalar(select(Clinic.phone).where(Clinic.id == actor.clinic_id))


def clinic_time_zone(db: Session, actor: Actor) -> str:
    """The IANA time zone the actor's clinic shows times in (any role of the clinic)."""
    with reads_only(db):
        zone = db.scalar(select(Clinic.time_zone).where(Clinic.id == actor.clinic_id))
    return zone or "UTC"


def check_time_zone(name: object) -> str:
    """``name`` if it is an IANA time zone this machine knows (``Europe/Madrid``), else a
    ``ClinicalDataError`` naming ``time_zone``."""
    if not isinstance(name, str) or not name.strip():
        raise ClinicalDataError("time_zone", f"must be a time zone name, got {name!r}")
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ClinicalDataError(
            "time_zone", f"{name!r} is not a known time zone (e.g. Europe/Madrid, UTC)"
        ) from None
    return name.strip()


def update_clinic(
    db: Session,
    actor: Actor,
    changes: Mapping[str, Any],
    dose_limits: Sequence[Mapping[str, Any]] | None = None,
) -> Clinic:
    """Change the intervals and, when given, replace the limits of the products listed."""
    require_role(actor, Role.ADMIN)
    clinic = get_clinic(db, actor)
    if "time_zone" in changes:  # refused before anything changes
        changes = {**changes, "time_zone": check_time_zone(changes["time_zone"])}
    before: dict[str, Any] = {key: getattr(clinic, key) for key in changes}
    before["dose_limits"] = _limits_of(clinic)
    for key, value in changes.items():
        setattr(clinic, key, value)
    if changes.get("phone") == "":
        clinic.phone = None
    schedule_rules(clinic)  # refuses impossible intervals
    if clinic.min_interval_days > clinic.interval_days:
        raise ClinicalDataError(
            "min_interval_days",
            f"{clinic.min_interval_days} is longer than interval_days {clinic.interval_days}",
        )
    by_product = {row.product: row for row in clinic.dose_limits}
    for i, entry in enumerate(dose_limits or ()):
        product = Product(entry["product"])
        try:
            DoseLimits(
                product,
                entry["max_units_per_site"],
                entry["max_units_per_session"],
                entry.get("max_units_per_lower_face_site"),
            )
        except ClinicalDataError as exc:
            raise ClinicalDataError(
                f"dose_limits[{i}].{exc.field}", str(exc).split(": ", 1)[1]
            ) from None
        row = by_product.get(product)
        if row is None:
            row = DoseLimit(product=product)
            clinic.dose_limits.append(row)
        row.max_units_per_site = entry["max_units_per_site"]
        row.max_units_per_session = entry["max_units_per_session"]
        row.max_units_per_lower_face_site = entry.get("max_units_per_lower_face_site")
    if "interval_days" in changes:
        _refresh_due_dates(db, clinic)
    after: dict[str, Any] = {key: getattr(clinic, key) for key in changes}
    after["dose_limits"] = _limits_of(clinic)
    detail = {"changes": changes_between(before, after)}
    record_event(db, actor, "update", "clinic", entity_id=clinic.id, detail=detail)
    db.commit()
    return clinic


def _limits_of(clinic: Clinic) -> list[list[Any]]:
    """The clinic's dose limits as plain values, by product."""
    return sorted(
        [
            str(row.product),
            row.max_units_per_site,
            row.max_units_per_session,
            row.max_units_per_lower_face_site,
        ]
        for row in clinic.dose_limits
    )


def _refresh_due_dates(db: Session, clinic: Clinic) -> None:
    """Move every patient's next due date to the clinic's new interval."""
    interval = schedule_rules(clinic).interval
    rows = db.execute(
        select(Patient.id, Patient.last_session_on).where(
            Patient.clinic_id == clinic.id, Patient.last_session_on.is_not(None)
        )
    ).all()
    if rows:
        db.execute(
            update(Patient),
            [{"id": pid, "next_due_on": last + interval} for pid, last in rows if last],
        )
