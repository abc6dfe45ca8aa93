"""The urgent reports a clinic's clinicians see and acknowledge."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from hemispasm.clinic.api.schemas.common import Output
from hemispasm.clinic.domain.vocab import AdverseEffect, Severity


class UrgentReportPublic(Output):
    """A side effect a patient reported, with the patient it belongs to and its acknowledgement."""

    id: int = Field(description="the side effect's id (an adverse event of the patient)")
    patient_id: int
    patient_name: str
    mrn: str
    effect: AdverseEffect
    severity: Severity
    onset_on: date
    reported_at: datetime = Field(description="when the report was stored")
    notes: str | None
    acknowledged_at: datetime | None = Field(
        description="when a clinician acknowledged it; null while it waits"
    )
    acknowledged_by: int | None = Field(description="the user id of that clinician")
