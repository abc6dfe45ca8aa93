"""Patient routes: register, find, worklists (overdue, due soon, this week), timeline, summary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hemispasm.clinic.api.deps import (
    ClinicianIdQuery,
    CurrentActor,
    DbDep,
    PagingDep,
    PatientId,
)
from hemispasm.clinic.api.schemas import records as r
from hemispasm.clinic.api.schemas.common import CONFLICT, Page
from hemispasm.clinic.api.schemas.people import (
    PatientCreate,
    PatientPublic,
    PatientUpdate,
    ScheduleOut,
    SummaryOut,
    TimelineOut,
)
from hemispasm.clinic.domain.vocab import Product
from hemispasm.clinic.services import patients as svc
from hemispasm.clinic.services.timeline import SessionView, patient_summary, patient_timeline

router = APIRouter(prefix="/patients", tags=["patients"])

VIDEO_CAVEAT = (
    "Video measures and grades are estimates computed from a video; they support, and do not "
    "replace, a clinician's rating."
)


@router.get("", response_model=Page[PatientPublic], summary="Find patients, or list who is due")
def list_patients(
    actor: CurrentActor,
    db: DbDep,
    paging: PagingDep,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",  # no control characters
            description="part of name or MRN",
        ),
    ] = None,
    due: Annotated[
        str | None,
        Query(pattern="^(overdue|due_soon|due_this_week)$", description="worklist filter"),
    ] = None,
    clinician_id: ClinicianIdQuery = None,
    product: Annotated[Product | None, Query(description="product of the last session")] = None,
) -> Any:
    filters = svc.PatientFilter(q=q, due=due, clinician_id=clinician_id, product=product)
    page = svc.list_patients(db, actor, filters, page=paging.page, page_size=paging.page_size)
    return {
        "items": [PatientPublic.model_validate(p) for p in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }


@router.post(
    "",
    response_model=PatientPublic,
    status_code=201,
    summary="Register a patient",
    responses=CONFLICT,
)
def create_patient(body: PatientCreate, actor: CurrentActor, db: DbDep) -> Any:
    return svc.create_patient(db, actor, body.model_dump())


@router.get("/{patient_id}", response_model=PatientPublic, summary="Read a patient")
def read_patient(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Any:
    return svc.get_patient(db, actor, patient_id)


@router.patch(
    "/{patient_id}", response_model=PatientPublic, summary="Correct a patient", responses=CONFLICT
)
def update_patient(
    patient_id: PatientId,
    body: PatientUpdate,  # type: ignore[valid-type]
    actor: CurrentActor,
    db: DbDep,
) -> Any:
    return svc.update_patient(db, actor, patient_id, body.changes())  # type: ignore[attr-defined]


@router.delete("/{patient_id}", status_code=204, summary="Delete a patient (kept, marked deleted)")
def delete_patient(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Response:
    svc.delete_patient(db, actor, patient_id)
    return Response(status_code=204)


def _cycles(sessions: Any) -> list[r.CyclePublic]:
    return [r.CyclePublic.model_validate(s) for s in sessions]


_OVERVIEW_FIELDS = frozenset(r.SessionOverview.model_fields)


def _overview(view: SessionView) -> dict[str, Any]:
    totals = view.totals
    return {k: v for k, v in view.values.items() if k in _OVERVIEW_FIELDS} | {
        "total_units": totals.total_units,
        "units_left": totals.units_left,
        "units_right": totals.units_right,
        "site_count": totals.site_count,
        "warning_count": totals.warning_count,
    }


def _dump(model: type[BaseModel], rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [model.model_validate(x).model_dump() for x in rows]


@router.get(
    "/{patient_id}/timeline",
    response_model=TimelineOut,
    summary="A patient's course",
    name="read_patient_timeline",
)
def timeline(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Response:
    """The most-read route: its ~350 stored sites go to JSON as plain data, not models (tests
    check the answer against ``TimelineOut``)."""
    t = patient_timeline(db, actor, patient_id)
    body = {
        "patient": PatientPublic.model_validate(t.patient).model_dump(),
        "schedule": ScheduleOut.model_validate(t.schedule).model_dump(),
        "effect_trend_days_per_cycle": t.effect_trend_days_per_cycle,
        "cycles": _dump(r.CyclePublic, (s.values for s in t.sessions)),
        "sessions": [_overview(s) for s in t.sessions],
        "diagnoses": _dump(r.DiagnosisPublic, t.diagnoses),
        "mri_studies": _dump(r.MriPublic, t.mri_studies),
        "adverse_events": _dump(r.AdverseEventPublic, t.adverse_events),
        "assessments": _dump(r.AssessmentPublic, t.assessments),
        "self_ratings": _dump(r.SelfRatingPublic, t.self_ratings),
        "video_analyses": _dump(r.VideoAnalysisSummary, t.video_analyses),
        "surgeries": _dump(r.SurgeryPublic, t.surgeries),
        "caveat": VIDEO_CAVEAT,
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get(
    "/{patient_id}/summary",
    response_model=SummaryOut,
    summary="A patient's own view",
    name="read_patient_summary",
)
def summary(patient_id: PatientId, actor: CurrentActor, db: DbDep) -> Any:
    t = patient_summary(db, actor, patient_id)
    return SummaryOut(
        patient_id=t.patient.id,
        schedule=ScheduleOut.model_validate(t.schedule),
        effect_trend_days_per_cycle=t.effect_trend_days_per_cycle,
        cycles=_cycles(t.cycles),
        self_ratings=[r.SelfRatingPublic.model_validate(x) for x in t.self_ratings],
        video_analyses=[r.VideoAnalysisSummary.model_validate(x) for x in t.video_analyses],
        caveat=VIDEO_CAVEAT,
    )
