"""Routes that need no login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from hemispasm import __version__
from hemispasm.clinic.api.deps import DbDep
from hemispasm.clinic.db.engine import reads_only

router = APIRouter(tags=["system"])


@router.get("/health", summary="Whether the server and its database answer", name="check_health")
def health(db: DbDep) -> dict[str, Any]:
    with reads_only(db):  # a probe must not queue for SQLite's write lock
        db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
