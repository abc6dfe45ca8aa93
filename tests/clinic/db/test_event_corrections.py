"""Migration 0004: corrections are append-only in the database itself, and undoing the migration
keeps the video analyses and their detected results. On each backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.migrate import alembic_config, upgrade_to_head
from hemispasm.clinic.db.models import Base
from hemispasm.clinic.domain.vocab import Role
from tests.clinic.db.test_migrations import fresh_postgres_schema

TABLES = Base.metadata.tables
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to the head revision, on each backend."""
    if request.param == "sqlite":
        migrated = f"sqlite:///{tmp_path / 'corrections.sqlite3'}"
        upgrade_to_head(migrated)
        yield migrated
    else:
        with fresh_postgres_schema() as migrated:
            upgrade_to_head(migrated)
            yield migrated


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    eng = make_engine(url)
    yield eng
    eng.dispose()


def add_correction(conn: Connection) -> tuple[int, int]:
    """A clinic, clinician, patient, video analysis and one correction: (analysis, correction)."""
    clinic = conn.execute(insert(TABLES["clinics"]).values(name="Clinic C")).inserted_primary_key[0]
    user = conn.execute(
        insert(TABLES["users"]).values(
            clinic_id=clinic, email="c@example.org", role=Role.CLINICIAN, password_hash="x"
        )
    ).inserted_primary_key[0]
    patient = conn.execute(
        insert(TABLES["patients"]).values(clinic_id=clinic, mrn="C-1", name="Demo Patient C")
    ).inserted_primary_key[0]
    analysis = conn.execute(
        insert(TABLES["video_analyses"]).values(
            patient_id=patient,
            recorded_on=date(2026, 12, 1),
            result={"schema": "hemispasm.analysis/1"},
            video_sha256="0" * 64,
            duration_s=12.0,
            spasms_per_min=20.0,
            blinks_per_min=15.0,
            pct_time_affected_eye_half_closed=9.7,
        )
    ).inserted_primary_key[0]
    correction = conn.execute(
        insert(TABLES["event_corrections"]).values(
            patient_id=patient,
            video_analysis_id=analysis,
            event_key="e1",
            action="reject",
            before={"kind": "spasm"},
            after=None,
            corrected_by=user,
            created_at=NOW,
        )
    ).inserted_primary_key[0]
    return int(analysis), int(correction)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE event_corrections SET action = 'confirm' WHERE id = :id",
        "DELETE FROM event_corrections WHERE id = :id",
    ],
)
def test_a_stored_correction_cannot_be_changed_or_deleted(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        _, correction = add_correction(conn)

    with (
        pytest.raises(IntegrityError, match="event_corrections is append-only"),
        engine.begin() as conn,
    ):
        conn.execute(text(statement), {"id": correction})

    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM event_corrections")).scalar_one() == "reject"


def test_an_unknown_action_is_refused_by_the_database(engine: Engine) -> None:
    with engine.begin() as conn:
        add_correction(conn)
    with (
        pytest.raises(IntegrityError, match="ck_event_corrections_correction_action"),
        engine.begin() as conn,
    ):
        conn.execute(
            text(
                "INSERT INTO event_corrections (patient_id, video_analysis_id, event_key, action,"
                " corrected_by, created_at) SELECT patient_id, video_analysis_id, 'e2', 'approve',"
                " corrected_by, created_at FROM event_corrections"
            )
        )


def test_undoing_the_migration_keeps_the_analyses_and_their_results(
    url: str, engine: Engine
) -> None:
    with engine.begin() as conn:
        analysis, _ = add_correction(conn)
    engine.dispose()

    command.downgrade(alembic_config(url), "0003_clinic_phone")

    with engine.connect() as conn:
        inspector = inspect(conn)
        assert "event_corrections" not in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("video_analyses")}
        assert not columns & {"corrected_result", "corrected_at", "corrected_by"}
        row = conn.execute(
            text("SELECT spasms_per_min FROM video_analyses WHERE id = :id"), {"id": analysis}
        ).one()
    assert row.spasms_per_min == 20.0
    engine.dispose()
    upgrade_to_head(url)
