from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hemispasm.clinic.domain.schedule import (
    DueStatus,
    ScheduleRules,
    check_session_date,
    due_status,
    earliest_allowed,
    injections_stopped,
    next_due,
)
from hemispasm.errors import ClinicalDataError, InjectionTooEarlyError

LAST = date(2026, 8, 3)
TODAY = date(2026, 11, 25)


def test_the_next_session_is_due_twelve_weeks_after_the_last_by_default() -> None:
    assert next_due(LAST) == date(2026, 10, 26)
    assert earliest_allowed(LAST) == date(2026, 10, 26)
    custom = ScheduleRules(interval=timedelta(weeks=14), min_interval=timedelta(weeks=10))
    assert next_due(LAST, custom) == LAST + timedelta(weeks=14)
    assert earliest_allowed(LAST, custom) == LAST + timedelta(weeks=10)


@pytest.mark.parametrize(
    ("last", "status"),
    [
        (None, DueStatus.NEVER_INJECTED),
        (TODAY - timedelta(weeks=12, days=1), DueStatus.OVERDUE),
        (TODAY - timedelta(weeks=12), DueStatus.DUE_SOON),
        (TODAY - timedelta(weeks=10), DueStatus.DUE_SOON),
        (TODAY - timedelta(weeks=9), DueStatus.NOT_DUE),
    ],
)
def test_it_sorts_patients_by_where_they_are_in_the_cycle(
    last: date | None, status: DueStatus
) -> None:
    assert due_status(last, today=TODAY) == status


@given(days=st.integers(0, 400), later=st.integers(1, 100))
def test_time_passing_never_makes_a_patient_less_due(days: int, later: int) -> None:
    order = [DueStatus.NOT_DUE, DueStatus.DUE_SOON, DueStatus.OVERDUE]
    last = TODAY - timedelta(days=days)
    now = due_status(last, today=TODAY)
    then = due_status(last, today=TODAY + timedelta(days=later))
    assert order.index(then) >= order.index(now)


def test_an_early_session_needs_a_recorded_reason() -> None:
    early = LAST + timedelta(weeks=10)
    with pytest.raises(InjectionTooEarlyError, match=r"^early_reason: a session on 2026-10-12"):
        check_session_date(early, last_session=LAST, today=TODAY)
    with pytest.raises(InjectionTooEarlyError):
        check_session_date(early, last_session=LAST, today=TODAY, early_reason="   ")
    check_session_date(early, last_session=LAST, today=TODAY, early_reason="travel abroad")
    check_session_date(LAST + timedelta(weeks=12), last_session=LAST, today=TODAY)
    check_session_date(LAST, last_session=None, today=TODAY)


def test_it_refuses_a_session_in_the_future() -> None:
    with pytest.raises(ClinicalDataError, match=r"^session_on: 2026-11-26 is in the future"):
        check_session_date(TODAY + timedelta(days=1), last_session=LAST, today=TODAY)


def test_it_refuses_impossible_rules() -> None:
    with pytest.raises(ClinicalDataError, match=r"^interval: must be positive"):
        ScheduleRules(interval=timedelta(0))
    with pytest.raises(ClinicalDataError, match=r"^due_soon: must not be negative"):
        ScheduleRules(due_soon=timedelta(days=-1))


def test_a_curative_decompression_after_the_last_session_stops_the_schedule() -> None:
    cured = (LAST + timedelta(days=20), True, None)
    assert injections_stopped(LAST, [cured])
    assert due_status(LAST, today=TODAY, stopped=True) is DueStatus.STOPPED_AFTER_SURGERY


@pytest.mark.parametrize(
    "surgery",
    [
        (LAST + timedelta(days=20), False, None),  # partial relief or none
        (LAST + timedelta(days=20), True, LAST + timedelta(days=200)),  # the spasm came back
        (LAST - timedelta(days=20), True, None),  # injections went on after the surgery
    ],
    ids=["not-complete", "recurred", "injected-since"],
)
def test_the_schedule_goes_on_unless_relief_was_complete_and_lasting(
    surgery: tuple[date, bool, date | None],
) -> None:
    assert not injections_stopped(LAST, [surgery])
    assert not injections_stopped(LAST, [])
