"""The demo clinic's history as a pure function of a seed and a day.

Nothing here opens a file, talks to a database or reads the clock: ``make_plan(seed=, today=,
patients=)`` returns frozen records, and ``demo.seed`` writes them through the services. Each
patient's history comes from a random stream of its own (the seed and its number), so asking for
more patients leaves the first ones as they were. People are labels ("Demo Patient 7") with record
numbers no clinic uses ("DEMO-0007"); every date counts back from ``today``.
"""

from __future__ import annotations

import random
from datetime import date

from hemispasm.clinic.demo.records import (
    DemoPlan,
    MriPlan,
    PatientPlan,
    SessionPlan,
    SurgeryPlan,
    VideoPlan,
)
from hemispasm.clinic.demo.treatment import days, plan_assessments, plan_ratings, plan_sessions
from hemispasm.clinic.domain.schedule import DEFAULT_DUE_SOON, DEFAULT_INTERVAL
from hemispasm.clinic.domain.vocab import AffectedSide, ContactKind, Sex, Vessel
from hemispasm.errors import ClinicalDataError

MAX_PATIENTS = 999
INTERVAL_DAYS = DEFAULT_INTERVAL.days
"""The clinic's re-injection interval and minimum interval (the defaults of a new clinic)."""
DUE_SOON_DAYS = DEFAULT_DUE_SOON.days
YEARS = (2.4, 8.0)
"""Length of each patient's injection history."""
USUAL_GAP_DAYS = (INTERVAL_DAYS, 95)
LATE_GAP_DAYS = (96, 126)
"""Days between sessions: mostly about 12 weeks, now and then a patient comes late."""
VIDEO_AFTER_DAYS = 28

DUE_KINDS = ("overdue", "due_soon", "due_this_week", "not_due")
FIRST_DUE_KINDS = ("due_soon", "overdue", "due_this_week", "not_due")
"""Patients 1-4 cover every worklist tab; the others are drawn."""
LOGIN_PATIENT = 1
BILATERAL_PATIENT = 7
CURED_BY_SURGERY = 5
RECURRED_AFTER_SURGERY = 9
VIDEO_PAIRS = {1: ("severe", "mild"), 2: ("severe", "blinks"), 3: ("mild", "blinks")}
"""Sample videos (see ``demo.videos``) recorded before and four weeks after an injection."""
ADVERSE_SHOWN_BY = 2
"""This patient surely has a side effect (a ptosis after the third-last session)."""


def make_plan(*, seed: int, today: date, patients: int = 24) -> DemoPlan:
    """The demo clinic's patients and their histories, the same for the same arguments."""
    if isinstance(patients, bool) or not isinstance(patients, int):
        raise TypeError(f"patients must be an int, but got {type(patients).__name__}")
    if not 1 <= patients <= MAX_PATIENTS:
        raise ClinicalDataError("patients", f"must be 1 to {MAX_PATIENTS}, but got {patients}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ClinicalDataError("seed", f"must be an integer >= 0, but got {seed!r}")
    people = tuple(_patient(seed, number, today) for number in range(1, patients + 1))
    return DemoPlan(seed=seed, today=today, patients=people)


def _last_session_on(rng: random.Random, kind: str, today: date) -> date:
    """A last session whose due date puts the patient on the worklist tab ``kind``."""
    sunday = today + days(6 - today.weekday())
    if kind == "overdue":
        due = today - days(rng.randint(1, 70))
    elif kind == "due_this_week":
        due = today + days(rng.randint(0, (sunday - today).days))
    elif kind == "due_soon":
        due = sunday + days(rng.randint(1, DUE_SOON_DAYS - (sunday - today).days))
    else:
        due = today + days(rng.randint(DUE_SOON_DAYS + 1, INTERVAL_DAYS - 10))
    return due - days(INTERVAL_DAYS)


def _session_dates(rng: random.Random, first_allowed: date, last: date) -> list[date]:
    """Session dates back from ``last`` to ``first_allowed``, never closer than the minimum."""
    dates = [last]
    while True:
        gap = rng.randint(*(LATE_GAP_DAYS if rng.random() < 0.2 else USUAL_GAP_DAYS))
        earlier = dates[-1] - days(gap)
        if earlier < first_allowed:
            return dates[::-1]
        dates.append(earlier)


def _patient(seed: int, number: int, today: date) -> PatientPlan:
    rng = random.Random(f"hemispasm-demo:{seed}:{number}")
    if number <= len(FIRST_DUE_KINDS):
        kind = FIRST_DUE_KINDS[number - 1]
    else:
        kind = rng.choices(DUE_KINDS, weights=(25, 20, 15, 40))[0]
    if number in VIDEO_PAIRS:
        side = AffectedSide.LEFT  # the sample videos show a left-sided spasm
    elif number == BILATERAL_PATIENT:
        side = AffectedSide.BILATERAL
    else:
        side = rng.choice((AffectedSide.LEFT, AffectedSide.RIGHT))

    start = today - days(round(rng.uniform(*YEARS) * 365.25))
    surgery: SurgeryPlan | None = None
    if number == CURED_BY_SURGERY:
        last = today - days(rng.randint(400, 700))
        dates = _session_dates(rng, min(start, last - days(700)), last)
        surgery_on = last + days(rng.randint(30, 60))
        surgery = _surgery(rng, surgery_on, side, recurrence_on=None)
        kind = "after_surgery"
    elif number == RECURRED_AFTER_SURGERY:
        surgery_on = today - days(rng.randint(900, 1300))
        recurrence_on = surgery_on + days(rng.randint(180, 360))
        before = _session_dates(rng, surgery_on - days(900), surgery_on - days(rng.randint(30, 60)))
        after_start = recurrence_on + days(rng.randint(20, 60))
        after = _session_dates(rng, after_start, _last_session_on(rng, kind, today))
        dates = before + after
        surgery = _surgery(rng, surgery_on, side, recurrence_on=recurrence_on)
    else:
        dates = _session_dates(rng, start, _last_session_on(rng, kind, today))

    diagnosed_on = dates[0] - days(rng.randint(14, 60))
    onset_on = diagnosed_on - days(rng.randint(180, 1800))
    birth_date = today - days(rng.randint(45 * 365, 82 * 365))
    mri = _mri(rng, diagnosed_on, dates[0], needs_compression=surgery is not None)
    adverse_at = len(dates) - 3 if number == ADVERSE_SHOWN_BY else None
    sessions, adverse = plan_sessions(rng, side, dates, today, adverse_at=adverse_at)
    untreated = rng.randint(6, 9)
    return PatientPlan(
        number=number,
        mrn=f"DEMO-{number:04d}",
        name=f"Demo Patient {number}",
        birth_date=birth_date,
        sex=rng.choices((Sex.FEMALE, Sex.MALE), weights=(6, 4))[0],
        side=side,
        onset_on=onset_on,
        diagnosed_on=diagnosed_on,
        due_kind=kind,
        has_login=number == LOGIN_PATIENT,
        mri=mri,
        sessions=sessions,
        adverse_events=adverse,
        assessments=plan_assessments(rng, sessions),
        self_ratings=plan_ratings(rng, sessions, untreated, today, surgery),
        surgery=surgery,
        videos=_videos(number, sessions, today),
    )


def _surgery(
    rng: random.Random, surgery_on: date, side: AffectedSide, *, recurrence_on: date | None
) -> SurgeryPlan:
    vessel = rng.choice((Vessel.AICA, Vessel.PICA))
    if recurrence_on is None:
        notes = "Spasms stopped within weeks of the operation and have not come back."
    else:
        notes = "Free of spasms for some months; they came back and injections started again."
    return SurgeryPlan(surgery_on, side, (vessel,), recurrence_on, notes)


def _mri(
    rng: random.Random, diagnosed_on: date, first_session: date, *, needs_compression: bool
) -> MriPlan | None:
    if not needs_compression and rng.random() < 0.2:
        return None  # no work-up recorded
    study_on = min(diagnosed_on + days(rng.randint(7, 40)), first_session - days(1))
    if needs_compression or rng.random() < 0.85:
        vessel = rng.choices((Vessel.AICA, Vessel.PICA, Vessel.VERTEBRAL), weights=(5, 3, 1))[0]
        return MriPlan(
            study_on,
            compression_found=True,
            vessels=(vessel,),
            contact=rng.choice((ContactKind.CONTACT, ContactKind.COMPRESSION)),
            dolichoectasia=vessel is Vessel.VERTEBRAL,
            notes="A vessel lies against the facial nerve where it leaves the brainstem.",
        )
    return MriPlan(
        study_on,
        compression_found=False,
        vessels=(),
        contact=None,
        dolichoectasia=False,
        notes="No vessel against the facial nerve and no other lesion.",
    )


def _videos(number: int, sessions: tuple[SessionPlan, ...], today: date) -> tuple[VideoPlan, ...]:
    """Before and four weeks after the latest injection that is four weeks past."""
    pair = VIDEO_PAIRS.get(number)
    done = [s for s in sessions if s.session_on + days(VIDEO_AFTER_DAYS) <= today]
    if pair is None or not done:
        return ()
    injected = done[-1].session_on
    return (
        VideoPlan(injected, pair[0], "Recorded in the clinic just before the injection."),
        VideoPlan(
            injected + days(VIDEO_AFTER_DAYS),
            pair[1],
            "Recorded four weeks after the injection.",
        ),
    )
