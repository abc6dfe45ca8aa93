"""Plausibility of recorded dates: nothing clinical happens in the future or before birth."""

from __future__ import annotations

from datetime import date

from hemispasm.errors import ClinicalDataError

EARLIEST_DATE = date(1900, 1, 1)


def check_not_future(field: str, value: date | None, *, today: date) -> None:
    """Refuse a date after ``today`` (or before 1900, a typing error).

    Examples
    --------
    >>> check_not_future("rated_on", date(2030, 1, 1), today=date(2026, 1, 1))
    Traceback (most recent call last):
    ...
    hemispasm.errors.ClinicalDataError: rated_on: 2030-01-01 is in the future (today 2026-01-01)
    """
    if value is None:
        return
    if value > today:
        raise ClinicalDataError(field, f"{value.isoformat()} is in the future (today {today})")
    if value < EARLIEST_DATE:
        raise ClinicalDataError(field, f"{value.isoformat()} is before {EARLIEST_DATE}")


def check_not_before(
    field: str, value: date | None, *, earlier_field: str, earlier: date | None
) -> None:
    """Refuse ``value`` when it falls before the date it must follow."""
    if value is not None and earlier is not None and value < earlier:
        raise ClinicalDataError(
            field, f"{value.isoformat()} is before {earlier_field} {earlier.isoformat()}"
        )
