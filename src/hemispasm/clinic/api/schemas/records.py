"""Models of the records that belong to a patient: diagnosis, MRI, sessions, cycles, effects,
assessments, self-ratings, video analyses, surgery."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, computed_field

from hemispasm.clinic.api.schemas.common import Input, Name, Output, RefId, Units, partial
from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.domain.dosing import MAX_DILUTION_UNITS_PER_0_1_ML, MAX_UNITS_PER_SITE
from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    AnalysisSource,
    CompressionSite,
    ContactKind,
    InjectionSide,
    Muscle,
    Product,
    Reporter,
    Severity,
    SurgeryComplication,
    SurgeryOutcome,
    Vessel,
)
from hemispasm.report.contract import AnalysisResult

Notes = Annotated[str | None, Field(None, max_length=5000)]
ShortText = Annotated[str | None, Field(None, max_length=500)]


class RecordOut(Output):
    """Fields every stored record has."""

    id: int
    patient_id: int
    created_at: datetime
    updated_at: datetime


# --- diagnosis and work-up -------------------------------------------------------------------


class DiagnosisCreate(Input):
    """The diagnosis of hemifacial spasm; the ICD-10 and SNOMED CT codes follow from the side."""

    affected_side: AffectedSide
    onset_on: date | None = None
    diagnosed_on: date | None = None
    idiopathic: bool = False
    notes: Notes = None


DiagnosisUpdate = partial(DiagnosisCreate, "DiagnosisUpdate")


class DiagnosisPublic(RecordOut, DiagnosisCreate):
    """A stored diagnosis."""

    model_config = Output.model_config
    icd10: str
    snomed: str


class MriCreate(Input):
    """An MRI looking for the cause: vessel(s) at the facial nerve, or another lesion."""

    study_on: date
    sequences: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    compression_found: bool | None = None
    vessels: list[Vessel] = Field(default_factory=list, max_length=7)
    site: CompressionSite | None = None
    contact: ContactKind | None = None
    dolichoectasia: bool | None = None
    other_lesion: ShortText = None
    notes: Notes = None


MriUpdate = partial(MriCreate, "MriUpdate")


class MriPublic(RecordOut, MriCreate):
    """A stored MRI study."""

    model_config = Output.model_config


# --- injection sessions ----------------------------------------------------------------------


class SiteIn(Input):
    """Units into one muscle on one side."""

    muscle: Muscle
    side: InjectionSide
    units: Units = Field(gt=0, le=MAX_UNITS_PER_SITE)


class SiteOut(Output):
    """An injected site with the volume that follows from the session's dilution."""

    muscle: Muscle
    side: InjectionSide
    units: float
    volume_ml: float


class DoseWarningOut(Output):
    """A dose above the clinic's limit for the product."""

    scope: str
    units: float
    limit: float
    message: str


class SessionCreate(Input):
    """An injection session: one product, its dilution and the sites injected."""

    session_on: date
    product: Product
    product_name: Annotated[Name | None, Field(None, max_length=120)] = None
    lot: Annotated[Name | None, Field(None, max_length=64)] = None
    expiry_on: date | None = None
    dilution_units_per_0_1_ml: Units = Field(gt=0, le=MAX_DILUTION_UNITS_PER_0_1_ML)
    sites: list[SiteIn] = Field(default_factory=list, max_length=60)
    injector_id: RefId | None = None
    early_reason: ShortText = None
    notes: Notes = None
    effect_began_on: date | None = None
    effect_peak_on: date | None = None
    wore_off_on: date | None = None


SessionUpdate = partial(SessionCreate, "SessionUpdate")


class SessionOut(RecordOut):
    """The stored fields of a session and its totals per side."""

    session_on: date
    product: Product
    product_name: str | None
    lot: str | None
    expiry_on: date | None
    dilution_units_per_0_1_ml: float
    injector_id: int | None
    early_reason: str | None
    notes: str | None
    effect_began_on: date | None
    effect_peak_on: date | None
    wore_off_on: date | None
    course_reported_by: Reporter | None
    total_units: float
    units_left: float
    units_right: float


class SessionPublic(SessionOut):
    """A stored session with its sites and dose-limit warnings."""

    sites: list[SiteOut]
    warnings: list[DoseWarningOut]


class SessionOverview(SessionOut):
    """A session in the timeline: its totals and how many dose-limit warnings it has; its sites
    and the warnings' texts are in ``GET /patients/{id}/sessions/{session}``."""

    site_count: int
    warning_count: int


class CourseUpdate(Input):
    """When the effect of a session began, peaked and wore off (patients may set these)."""

    effect_began_on: date | None = None
    effect_peak_on: date | None = None
    wore_off_on: date | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_unset=True)


class CyclePublic(Output):
    """One cycle as the patient sees it."""

    id: int
    session_on: date
    product: Product
    effect_began_on: date | None
    effect_peak_on: date | None
    wore_off_on: date | None
    course_reported_by: Reporter | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effect_days(self) -> int | None:
        """Days from the effect's onset (or the injection) to wear-off, when reported."""
        return CycleCourse(
            self.session_on, self.effect_began_on, self.effect_peak_on, self.wore_off_on
        ).effect_days


# --- effects and ratings -----------------------------------------------------------------------


class AdverseEventCreate(Input):
    """A side effect after an injection (swallowing and breathing difficulty are urgent)."""

    effect: AdverseEffect
    severity: Severity
    onset_on: date
    resolved_on: date | None = None
    session_id: RefId | None = None
    notes: Notes = None


AdverseEventUpdate = partial(AdverseEventCreate, "AdverseEventUpdate")


class AdverseEventPublic(RecordOut, AdverseEventCreate):
    """A stored adverse effect."""

    model_config = Output.model_config
    reported_by: Reporter

    @computed_field  # type: ignore[prop-decorator]
    @property
    def urgent(self) -> bool:
        """Signs of distant spread of the toxin (swallowing or breathing difficulty)."""
        return self.effect.urgent


class AssessmentCreate(Input):
    """Clinic ratings: Jankovic (0-4 each), SMC grade (1-4), questionnaire totals (no items)."""

    assessed_on: date
    jankovic_severity: int | None = Field(None, ge=0, le=4)
    jankovic_frequency: int | None = Field(None, ge=0, le=4)
    smc_grade: int | None = Field(None, ge=1, le=4)
    hfs7_total: int | None = Field(None, ge=0, le=28)
    hfs30_total: int | None = Field(None, ge=0, le=120)
    assessor_id: RefId | None = None
    notes: Notes = None


AssessmentUpdate = partial(AssessmentCreate, "AssessmentUpdate")


class AssessmentPublic(RecordOut, AssessmentCreate):
    """A stored assessment with the Jankovic total when both parts were rated."""

    model_config = Output.model_config

    @computed_field  # type: ignore[prop-decorator]
    @property
    def jankovic_total(self) -> int | None:
        """Severity plus frequency (0-8), when both were rated."""
        if self.jankovic_severity is None or self.jankovic_frequency is None:
            return None
        return self.jankovic_severity + self.jankovic_frequency


class SelfRatingCreate(Input):
    """The patient's own rating: 0 no spasms, 10 the worst they can imagine."""

    rated_on: date
    score: int = Field(ge=0, le=10)
    note: Notes = None


SelfRatingUpdate = partial(SelfRatingCreate, "SelfRatingUpdate")


class SelfRatingPublic(RecordOut, SelfRatingCreate):
    """A stored self-rating."""

    model_config = Output.model_config
    reported_by: Reporter
    """The patient, or a clinician who entered the patient's rating (then only clinicians may
    change it)."""


class VideoAnalysisCreate(Input):
    """A ``hemispasm.analysis/1`` result (the result.json of ``hemispasm analyze``)."""

    recorded_on: date
    result: AnalysisResult
    notes: Notes = None


VideoAnalysisUpdate = partial(VideoAnalysisCreate, "VideoAnalysisUpdate")


class VideoAnalysisSummary(Output):
    """The headline measures of a stored analysis; they are estimates that support a clinician."""

    id: int
    patient_id: int
    recorded_on: date
    video_sha256: str
    duration_s: float
    affected_side: str | None
    spasms_per_min: float
    blinks_per_min: float
    pct_time_affected_eye_half_closed: float
    jankovic_total_estimate: int | None
    smc_grade_estimate: int | None
    notes: str | None
    corrected_at: datetime | None = None
    """When a clinician last corrected its events (the measures above then count them as
    corrected); null while uncorrected."""
    source: AnalysisSource
    """``analysis``: the server analysed an uploaded video; ``imported``: a clinician sent in a
    result made elsewhere (the server did not measure it)."""
    reported_by: Reporter
    """Who supplied it: the patient who uploaded the video, or a clinician."""


class VideoAnalysisPublic(VideoAnalysisSummary):
    """A stored analysis with its whole result: as detected, and as corrected by a clinician."""

    result: AnalysisResult
    corrected_result: AnalysisResult | None = None


class SurgeryCreate(Input):
    """A microvascular decompression."""

    surgery_on: date
    surgeon: Annotated[Name | None, Field(None, max_length=200)] = None
    side: AffectedSide
    vessels: list[Vessel] = Field(default_factory=list, max_length=7)
    findings: Notes = None
    monitoring: ShortText = None
    outcome: SurgeryOutcome = SurgeryOutcome.PENDING
    recurrence_on: date | None = None
    complications: list[SurgeryComplication] = Field(default_factory=list, max_length=4)
    notes: Notes = None


SurgeryUpdate = partial(SurgeryCreate, "SurgeryUpdate")


class SurgeryPublic(RecordOut, SurgeryCreate):
    """A stored surgery."""

    model_config = Output.model_config
