"""Models of accounts, clinics and patients."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from hemispasm.clinic.api.schemas.common import Input, Name, Output, RefId, Units, partial
from hemispasm.clinic.api.schemas.records import (
    AdverseEventPublic,
    AssessmentPublic,
    CyclePublic,
    DiagnosisPublic,
    MriPublic,
    SelfRatingPublic,
    SessionOverview,
    SurgeryPublic,
    VideoAnalysisSummary,
)
from hemispasm.clinic.domain.schedule import DueStatus
from hemispasm.clinic.domain.vocab import Product, Role, Sex


class LoginIn(Input):
    """E-mail address and password."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=512)


class TokenOut(Output):
    """A bearer token for API clients; shown once."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class SessionOut(Output):
    """A browser login: the cookie is set; send ``csrf_token`` as X-CSRF-Token on changes."""

    csrf_token: str
    expires_at: datetime
    user: UserPublic


class UserCreate(Input):
    """A new account of the admin's clinic."""

    email: str = Field(max_length=254)
    password: str = Field(min_length=10, max_length=512)
    role: Role
    display_name: Name = Field("", max_length=200)
    patient_id: RefId | None = None


class UserUpdate(Input):
    """Changes an admin may make to an account of their clinic."""

    display_name: Name | None = Field(None, max_length=200)
    active: bool | None = None
    password: str | None = Field(None, min_length=10, max_length=512)


class UserPublic(Output):
    """An account."""

    id: int
    clinic_id: int
    email: str
    display_name: str
    role: Role
    patient_id: int | None
    active: bool


class DoseLimitIn(Input):
    """The clinic's warning limits for one product, in that product's units."""

    product: Product
    max_units_per_site: Units = Field(gt=0, le=1000)
    max_units_per_session: Units = Field(gt=0, le=2000)
    max_units_per_lower_face_site: Units | None = Field(None, gt=0, le=1000)


class DoseLimitOut(Output):
    """Stored limits of one product."""

    product: Product
    max_units_per_site: float
    max_units_per_session: float
    max_units_per_lower_face_site: float | None


class ClinicUpdate(Input):
    """The clinic's re-injection intervals (days), dose limits and the phone number patients call
    (an empty string removes it)."""

    interval_days: int | None = Field(None, ge=14, le=365)
    phone: str | None = Field(None, max_length=40, pattern=r"^$|^\+?[0-9][0-9 ()./-]{2,38}$")
    min_interval_days: int | None = Field(None, ge=0, le=365)
    due_soon_days: int | None = Field(None, ge=0, le=90)
    dose_limits: list[DoseLimitIn] | None = Field(None, max_length=10)
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    """The IANA time zone the pages show times in (``Europe/Madrid``); checked by the service."""


class ClinicPublic(Output):
    """A clinic and its rules."""

    id: int
    name: str
    interval_days: int
    min_interval_days: int
    due_soon_days: int
    phone: str | None
    time_zone: str
    dose_limits: list[DoseLimitOut]


class PatientCreate(Input):
    """A new patient of the clinic."""

    mrn: Name = Field(min_length=1, max_length=64)
    name: Name = Field(min_length=1, max_length=200)
    birth_date: date | None = None
    sex: Sex = Sex.UNKNOWN
    phone: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)
    clinician_id: RefId | None = None


PatientUpdate = partial(PatientCreate, "PatientUpdate")


class PatientPublic(Output):
    """A patient with where they stand in the injection cycle."""

    id: int
    mrn: str
    name: str
    birth_date: date | None
    sex: Sex
    phone: str | None
    email: str | None
    address: str | None
    clinician_id: int | None
    last_session_on: date | None
    last_product: Product | None
    next_due_on: date | None


class ScheduleOut(Output):
    """Next due date, earliest allowed date and status under the clinic's rules."""

    last_session_on: date | None
    next_due_on: date | None
    earliest_allowed_on: date | None
    status: DueStatus


class TimelineOut(Output):
    """A patient's whole course, oldest first in every list."""

    patient: PatientPublic
    schedule: ScheduleOut
    effect_trend_days_per_cycle: float | None
    cycles: list[CyclePublic]
    sessions: list[SessionOverview]
    diagnoses: list[DiagnosisPublic]
    mri_studies: list[MriPublic]
    adverse_events: list[AdverseEventPublic]
    assessments: list[AssessmentPublic]
    self_ratings: list[SelfRatingPublic]
    video_analyses: list[VideoAnalysisSummary]
    surgeries: list[SurgeryPublic]
    caveat: str


class SummaryOut(Output):
    """What a patient sees of their own course."""

    patient_id: int
    schedule: ScheduleOut
    effect_trend_days_per_cycle: float | None
    cycles: list[CyclePublic]
    self_ratings: list[SelfRatingPublic]
    video_analyses: list[VideoAnalysisSummary]
    caveat: str
