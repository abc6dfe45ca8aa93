"""The patient's next injection as an iCalendar (.ics) file, for their own calendar.

Such a file often ends up in a shared calendar (a family's, a work one, a phone synced to a
cloud service), and every reader of that calendar sees it: it says only that a botulinum toxin
injection is due, with the clinic's name and phone, and carries nothing else of the record (no
name, record number, diagnosis, doses or product). The UID is a hash, not the record's id,
and stays the same for the same patient and due date, so that importing the file again updates
the event instead of adding a second one. Every download is audited.

The event's words are the reader's: a ``CalendarWords`` in their language (the pages give the
request's; English by default, as the API answers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Clinic
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.patients import patient_schedule
from hemispasm.errors import ConflictError

ENTITY = "next_injection_calendar"
"""The audit log's name for the download."""
PRODID = "-//hemispasm//next injection//EN"
SUMMARY = "Botulinum toxin injection due"


@dataclass(frozen=True)
class CalendarWords:
    """What the event says, in one language; ``%(name)s`` marks a value filled in."""

    language: str = "en"
    """The language's tag, given to the event's summary and description."""
    summary: str = SUMMARY
    due_on_the_day: str = (
        "Your next botulinum toxin injection is due on this day. To book, %(call)s."
    )
    due_between: str = (
        "Your next botulinum toxin injection is due between %(first)s and %(last)s. "
        "To book, %(call)s."
    )
    call: str = "call %(clinic)s"
    call_on: str = "call %(clinic)s on %(phone)s"
    day: Callable[[date], str] = date.isoformat
    """A date in the language's words."""


ENGLISH = CalendarWords()


@dataclass(frozen=True)
class CalendarFile:
    """An .ics file to download."""

    filename: str
    content: bytes
    first_day: date
    last_day: date


def event_uid(clinic_id: int, patient_id: int, due_on: date) -> str:
    """Stable for one patient and due date; says nothing about who the patient is."""
    key = f"hemispasm:{clinic_id}:{patient_id}:{due_on.isoformat()}".encode()
    return f"{hashlib.sha256(key).hexdigest()[:32]}@hemispasm"


def build_calendar(
    *,
    first_day: date,
    last_day: date,
    uid: str,
    stamp: datetime,
    clinic_name: str,
    clinic_phone: str | None,
    words: CalendarWords = ENGLISH,
) -> bytes:
    """One all-day event from ``first_day`` to ``last_day`` (inclusive) as iCalendar bytes, in
    the language of ``words``."""
    if last_day < first_day:
        raise ValueError(f"last_day {last_day} is before first_day {first_day}")
    if clinic_phone:
        call = words.call_on % {"clinic": clinic_name, "phone": clinic_phone}
    else:
        call = words.call % {"clinic": clinic_name}
    if first_day == last_day:
        description = words.due_on_the_day % {"call": call}
    else:
        description = words.due_between % {
            "first": words.day(first_day),
            "last": words.day(last_day),
            "call": call,
        }
    language = {"LANGUAGE": words.language}
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", first_day)
    event.add("dtend", last_day + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", words.summary, parameters=language)
    event.add("description", description, parameters=language)
    event.add("location", clinic_name)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy appointment
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical()


def next_injection_calendar(
    db: Session, actor: Actor, patient_id: int, *, words: CalendarWords = ENGLISH
) -> CalendarFile:
    """The patient's next due date as an .ics file (the care team's or the patient's own), in
    the language of ``words``.

    The event runs from the earliest allowed date to the due date when the clinic's rules leave
    such a window, else it is the due date alone.

    Raises
    ------
    ConflictError
        No next injection is due (never injected, or injections stopped after surgery).
    NotFoundError, PermissionDeniedError
        As ``access.get_patient_for``.
    """
    patient = get_patient_for(db, actor, patient_id, part="summary", action="read", audit=False)
    schedule = patient_schedule(db, patient, actor.on())
    due = schedule.next_due_on
    if due is None:
        db.rollback()
        raise ConflictError(
            "next_due_on",
            "no next injection is due for this record (no session recorded yet, or injections "
            "stopped after surgery), so there is no date to put in a calendar",
        )
    earliest = schedule.earliest_allowed_on
    first = earliest if earliest is not None and earliest < due else due
    clinic = db.get(Clinic, patient.clinic_id)
    assert clinic is not None
    content = build_calendar(
        first_day=first,
        last_day=due,
        uid=event_uid(patient.clinic_id, patient.id, due),
        stamp=datetime.now(UTC),
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        words=words,
    )
    record_event(
        db,
        actor,
        "export",
        ENTITY,
        patient_id=patient.id,
        detail={"format": "ics", "due_on": due, "first_day": first},
    )
    db.commit()
    return CalendarFile(f"next-injection-{due.isoformat()}.ics", content, first, due)
