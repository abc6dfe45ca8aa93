"""Re-injection timing: when the next session is due, the earliest it is allowed, who is overdue.

The usual rule (a label and practice convention, not a law of nature) is a session every 12 weeks
and never sooner; both intervals are the clinic's settings. An earlier session is allowed only with
a recorded reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hemispasm.errors import ClinicalDataError, InjectionTooEarlyError

DEFAULT_INTERVAL = timedelta(weeks=12)
DEFAULT_MIN_INTERVAL = timedelta(weeks=12)
DEFAULT_DUE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class ScheduleRules:
    """A clinic's re-injection settings."""

    interval: timedelta = DEFAULT_INTERVAL
    min_interval: timedelta = DEFAULT_MIN_INTERVAL
    due_soon: timedelta = DEFAULT_DUE_SOON

    def __post_init__(self) -> None:
        for name in ("interval", "min_interval"):
            value = getattr(self, name)
            if value <= timedelta(0):
                raise ClinicalDataError(name, f"must be positive, but got {value}")
        if self.due_soon < timedelta(0):
            raise ClinicalDataError("due_soon", f"must not be negative, but got {self.due_soon}")


class DueStatus(StrEnum):
    """Where a patient stands in the injection cycle on a given day."""

    NEVER_INJECTED = "never_injected"
    STOPPED_AFTER_SURGERY = "stopped_after_surgery"
    """Relieved by decompression after the last session, with no recurrence recorded."""
    NOT_DUE = "not_due"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def next_due(last_session: date, rules: ScheduleRules = ScheduleRules()) -> date:
    """The date the next session is due."""
    return last_session + rules.interval


def earliest_allowed(last_session: date, rules: ScheduleRules = ScheduleRules()) -> date:
    """The first date a new session is allowed without a recorded reason."""
    return last_session + rules.min_interval


def injections_stopped(
    last_session: date | None, surgeries: Iterable[tuple[date, bool, date | None]]
) -> bool:
    """Whether a decompression ended the need for injections.

    ``surgeries`` are (date, complete relief?, recurrence date or None). Injections stop when a
    surgery on or after the last session relieved the spasm completely and no recurrence is
    recorded; a recurrence, or a session after the surgery, puts the patient back on the schedule.
    """
    return any(
        complete and recurrence is None and (last_session is None or on >= last_session)
        for on, complete, recurrence in surgeries
    )


def due_status(
    last_session: date | None,
    *,
    today: date,
    rules: ScheduleRules = ScheduleRules(),
    stopped: bool = False,
) -> DueStatus:
    """Overdue after the due date, due soon within ``rules.due_soon`` of it, else not due;
    never injected, or stopped after a decompression (``stopped``, see ``injections_stopped``)."""
    if last_session is None:
        return DueStatus.NEVER_INJECTED
    if stopped:
        return DueStatus.STOPPED_AFTER_SURGERY
    due = next_due(last_session, rules)
    if today > due:
        return DueStatus.OVERDUE
    if due - today <= rules.due_soon:
        return DueStatus.DUE_SOON
    return DueStatus.NOT_DUE


def check_session_date(
    session_date: date,
    *,
    last_session: date | None,
    today: date,
    early_reason: str | None = None,
    rules: ScheduleRules = ScheduleRules(),
) -> None:
    """Refuse a session in the future or, without a reason, before the earliest allowed date."""
    if session_date > today:
        raise ClinicalDataError(
            "session_on",
            f"{session_date.isoformat()} is in the future (today {today.isoformat()})",
        )
    if last_session is None or session_date < last_session:
        return  # the first session, or an older one entered late: no interval to keep
    allowed = earliest_allowed(last_session, rules)
    if session_date < allowed and not (early_reason and early_reason.strip()):
        raise InjectionTooEarlyError(
            "early_reason",
            f"a session on {session_date.isoformat()} is before the earliest allowed date "
            f"{allowed.isoformat()} ({rules.min_interval.days} days after the session of "
            f"{last_session.isoformat()}); record a reason to go ahead",
        )
