"""Video analyses across the clinic, found by their measures."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PagingDep
from hemispasm.clinic.api.schemas.common import Page
from hemispasm.clinic.api.schemas.records import VideoAnalysisSummary
from hemispasm.clinic.services.videos import AnalysisFilter, query_analyses

router = APIRouter(tags=["video-analyses"])


@router.get(
    "/video-analyses",
    response_model=Page[VideoAnalysisSummary],
    summary="Find the clinic's video analyses by their measures (estimates, not ratings)",
)
def find_analyses(
    actor: CurrentActor,
    db: DbDep,
    paging: PagingDep,
    min_spasms_per_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    max_spasms_per_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    min_pct_time_affected_eye_half_closed: Annotated[float | None, Query(ge=0, le=100)] = None,
    recorded_from: date | None = None,
    recorded_to: date | None = None,
    affected_side: Annotated[str | None, Query(pattern="^(left|right)$")] = None,
) -> Any:
    filters = AnalysisFilter(
        min_spasms_per_min=min_spasms_per_min,
        max_spasms_per_min=max_spasms_per_min,
        min_pct_time_affected_eye_half_closed=min_pct_time_affected_eye_half_closed,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        affected_side=affected_side,
    )
    page = query_analyses(db, actor, filters, page=paging.page, page_size=paging.page_size)
    return {
        "items": [VideoAnalysisSummary.model_validate(x) for x in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }
