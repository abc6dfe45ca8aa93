"""What a clinician sends to correct an analysis's events, and what the corrections look like.

Shared by the JSON API and the report page's forms, so both refuse the same values with the same
words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from hemispasm.clinic.api.schemas.common import Input, Output
from hemispasm.clinic.domain.corrections import CorrectionAction
from hemispasm.report.contract import AnalysisResult, Event

Kind = Literal["spasm", "blink"]
Side = Literal["left", "right", "both"]
EventTypeName = Literal["twitch", "partial", "burst", "tonic", "complete", "incomplete"]
Seconds = Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]
"""A time in the video, in seconds (a day at most)."""


class EventCorrectionCreate(Input):
    """Confirm, reject or relabel one event; a relabelling names the kind and side (and, if
    known, the type)."""

    action: Literal["confirm", "reject", "relabel"]
    kind: Kind | None = None
    side: Side | None = None
    type: EventTypeName | None = None


class EventCreate(Input):
    """An event the analysis missed: when, and what it was."""

    start_s: Seconds
    end_s: Seconds
    kind: Kind
    side: Side
    type: EventTypeName | None = None


class EventCorrectionPublic(Output):
    """One stored correction: which event, what was done, the event before and after (as
    result.json writes events; null when there was none or it was rejected), who and when."""

    id: int
    video_analysis_id: int
    event_key: str
    action: CorrectionAction
    before: Event | None
    after: Event | None
    corrected_by: int
    created_at: datetime


class CorrectionsPublic(Output):
    """Every correction of an analysis (newest first) and the result recomputed from them."""

    video_analysis_id: int
    corrected_at: datetime | None
    corrected_by: int | None
    corrected_result: AnalysisResult | None
    corrections: list[EventCorrectionPublic]
