"""Routes for the records of one patient, built from one description per kind of record.

No ``from __future__ import annotations`` here: FastAPI reads the body and response models of
these generated routes from their (closure) annotations.
"""

from collections.abc import Callable, Collection
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from hemispasm.clinic.api.deps import CurrentActor, DbDep, PagingDep, PatientId, RecordId
from hemispasm.clinic.api.schemas import records as s
from hemispasm.clinic.api.schemas.common import Input, Page, PartialInput
from hemispasm.clinic.api.schemas.sessions import session_out
from hemispasm.clinic.services import records as svc
from hemispasm.clinic.services.clinical import (
    ASSESSMENTS,
    DIAGNOSES,
    MRI_STUDIES,
    SELF_RATINGS,
    SURGERIES,
)
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import (
    ADVERSE_EVENTS,
    CYCLES,
    INJECTION_SESSIONS,
)
from hemispasm.clinic.services.videos import VIDEO_ANALYSES

router = APIRouter(prefix="/patients/{patient_id}")

ALL = frozenset({"list", "create", "read", "update", "delete"})
Convert = Callable[[Any, Any], BaseModel]


def _validate_with(model: type[BaseModel]) -> Convert:
    def convert(row: Any, db: Any) -> BaseModel:
        return model.model_validate(row)

    return convert


def add_record_routes(
    path: str,
    kind: RecordKind,
    *,
    create: type[Input] | None,
    update: type[PartialInput] | type[s.CourseUpdate],
    public: type[BaseModel],
    listed: type[BaseModel] | None = None,
    convert: Convert | None = None,
    operations: Collection[str] = ALL,
) -> None:
    """Add list, create, read, update and delete routes for ``kind`` under ``path``."""
    one = convert or _validate_with(public)
    listed_model = listed or public
    many = _validate_with(listed_model) if listed else one
    tag = path.strip("/")
    noun = kind.part.replace("_", " ")
    plural = tag.replace("-", "_")  # operation ids: list_patient_diagnoses, read_patient_diagnosis

    if "list" in operations:

        @router.get(
            path,
            response_model=Page[listed_model],  # type: ignore[valid-type]
            tags=[tag],
            summary=f"List {noun}s",
            name=f"list_patient_{plural}",
        )
        def list_(patient_id: PatientId, actor: CurrentActor, db: DbDep, paging: PagingDep) -> Any:
            page = svc.list_records(
                db, actor, kind, patient_id, page=paging.page, page_size=paging.page_size
            )
            return {
                "items": [many(row, db) for row in page.items],
                "total": page.total,
                "page": page.page,
                "page_size": page.page_size,
            }

    if "create" in operations and create is not None:
        create_model = create

        @router.post(
            path,
            response_model=public,
            status_code=201,
            tags=[tag],
            summary=f"Add a {noun}",
            name=f"create_patient_{kind.part}",
        )
        def create_(
            patient_id: PatientId,
            body: create_model,  # type: ignore[valid-type]
            actor: CurrentActor,
            db: DbDep,
        ) -> Any:
            values = body.model_dump()  # type: ignore[attr-defined]
            row = svc.create_record(db, actor, kind, patient_id, values)
            return one(row, db)

    if "read" in operations:

        @router.get(
            f"{path}/{{record_id}}",
            response_model=public,
            tags=[tag],
            summary=f"Read a {noun}",
            name=f"read_patient_{kind.part}",
        )
        def read_(
            patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep
        ) -> Any:
            return one(svc.get_record(db, actor, kind, patient_id, record_id), db)

    if "update" in operations:
        update_model = update

        @router.patch(
            f"{path}/{{record_id}}",
            response_model=public,
            tags=[tag],
            summary=f"Change a {noun}",
            name=f"update_patient_{kind.part}",
        )
        def update_(
            patient_id: PatientId,
            record_id: RecordId,
            body: update_model,  # type: ignore[valid-type]
            actor: CurrentActor,
            db: DbDep,
        ) -> Any:
            changes = body.changes()  # type: ignore[attr-defined]
            row = svc.update_record(db, actor, kind, patient_id, record_id, changes)
            return one(row, db)

    if "delete" in operations:

        @router.delete(
            f"{path}/{{record_id}}",
            status_code=204,
            tags=[tag],
            summary=f"Delete a {noun}",
            name=f"delete_patient_{kind.part}",
        )
        def delete_(
            patient_id: PatientId, record_id: RecordId, actor: CurrentActor, db: DbDep
        ) -> Response:
            svc.delete_record(db, actor, kind, patient_id, record_id)
            return Response(status_code=status.HTTP_204_NO_CONTENT)


add_record_routes(
    "/diagnoses",
    DIAGNOSES,
    create=s.DiagnosisCreate,
    update=s.DiagnosisUpdate,
    public=s.DiagnosisPublic,
)
add_record_routes(
    "/mri-studies", MRI_STUDIES, create=s.MriCreate, update=s.MriUpdate, public=s.MriPublic
)
add_record_routes(
    "/sessions",
    INJECTION_SESSIONS,
    create=s.SessionCreate,
    update=s.SessionUpdate,
    public=s.SessionPublic,
    convert=session_out,
)
add_record_routes(
    "/cycles",
    CYCLES,
    create=None,
    update=s.CourseUpdate,
    public=s.CyclePublic,
    operations=("list", "read", "update"),
)
add_record_routes(
    "/adverse-events",
    ADVERSE_EVENTS,
    create=s.AdverseEventCreate,
    update=s.AdverseEventUpdate,
    public=s.AdverseEventPublic,
)
add_record_routes(
    "/assessments",
    ASSESSMENTS,
    create=s.AssessmentCreate,
    update=s.AssessmentUpdate,
    public=s.AssessmentPublic,
)
add_record_routes(
    "/self-ratings",
    SELF_RATINGS,
    create=s.SelfRatingCreate,
    update=s.SelfRatingUpdate,
    public=s.SelfRatingPublic,
)
add_record_routes(
    "/video-analyses",
    VIDEO_ANALYSES,
    create=s.VideoAnalysisCreate,
    update=s.VideoAnalysisUpdate,
    public=s.VideoAnalysisPublic,
    listed=s.VideoAnalysisSummary,
)
add_record_routes(
    "/surgeries",
    SURGERIES,
    create=s.SurgeryCreate,
    update=s.SurgeryUpdate,
    public=s.SurgeryPublic,
)
