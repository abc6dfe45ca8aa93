"""The migrations build the schema the models describe, guard the audit log, and undo cleanly.

Every test gets its own database on each backend: a fresh SQLite file, or a fresh PostgreSQL
schema that is dropped afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, Engine, Enum, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.migrate import (
    MIGRATION_LOCK_ID,
    alembic_config,
    current_revision,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
from hemispasm.clinic.db.models import Base
from hemispasm.clinic.domain.vocab import Muscle, Product, Role, Sex
from tests.clinic.conftest import POSTGRES_URL, postgres_schema_url, skip_or_fail_without_postgres

TABLES = Base.metadata.tables
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The URL of a new PostgreSQL schema, dropped with all it holds on exit."""
    skip_or_fail_without_postgres()
    schema = f"hs_mig_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on each backend, removed after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        with fresh_postgres_schema() as url:
            yield url


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema, for what only PostgreSQL does."""
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def migrated_url(empty_url: str) -> str:
    """The URL of a database upgraded to the head revision."""
    upgrade_to_head(empty_url)
    return empty_url


@pytest.fixture
def migrated_engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, disposed of before the database is removed."""
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


def schema_differences(conn: Connection) -> list[object]:
    """What autogenerate would change to make the database match the models."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def table_names(url: str) -> set[str]:
    """The tables of the database at ``url`` (of its first schema on PostgreSQL)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def wait_for_migration_lock_waiters(conn: Connection, *, count: int, timeout_s: float = 30) -> bool:
    """Whether ``count`` sessions came to wait for the migration lock within ``timeout_s``."""
    query = text(
        "SELECT count(*) FROM pg_locks"
        " WHERE locktype = 'advisory' AND objid::bigint = :id AND NOT granted"
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if conn.execute(query, {"id": MIGRATION_LOCK_ID}).scalar_one() >= count:
            return True
        time.sleep(0.05)
    return False


def add_clinic(conn: Connection, name: str = "Neurology East") -> int:
    """A clinic row, by the models' table (so its Python defaults apply)."""
    result = conn.execute(insert(TABLES["clinics"]).values(name=name))
    return int(result.inserted_primary_key[0])


def add_patient(conn: Connection, clinic_id: int, mrn: str = "MRN-1", **values: object) -> int:
    """A patient row of ``clinic_id``."""
    row = {"clinic_id": clinic_id, "mrn": mrn, "name": "Ada Example", "sex": Sex.FEMALE, **values}
    result = conn.execute(insert(TABLES["patients"]).values(**row))
    return int(result.inserted_primary_key[0])


def add_audit_event(conn: Connection) -> int:
    """An audit row."""
    result = conn.execute(
        insert(TABLES["audit_events"]).values(at=NOW, action="read", entity="patient")
    )
    return int(result.inserted_primary_key[0])


def test_a_new_database_has_no_revision(empty_url: str) -> None:
    assert current_revision(empty_url) is None


def test_upgrade_from_empty_reaches_the_head_revision(empty_url: str) -> None:
    upgrade_to_head(empty_url)

    assert current_revision(empty_url) == head_revision()
    assert head_revision().startswith("0009_")  # the newest revision of this release


def test_upgrading_a_migrated_database_again_changes_nothing(migrated_url: str) -> None:
    tables = table_names(migrated_url)

    upgrade_to_head(migrated_url)

    assert current_revision(migrated_url) == head_revision()
    assert table_names(migrated_url) == tables


def test_it_migrates_a_connection_handed_to_it(empty_url: str) -> None:
    config = alembic_config(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()

    assert current_revision(empty_url) == head_revision()


def test_a_migration_on_postgresql_waits_for_one_already_running(
    empty_postgres_url: str,
) -> None:
    # Server workers that start together must take turns. (SQLite runs are not guarded.)
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade_to_head(empty_postgres_url)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    engine = make_engine(empty_postgres_url)
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            worker = threading.Thread(target=migrate)
            worker.start()
            waiting = wait_for_migration_lock_waiters(holder, count=1)
            revision_while_waiting = current_revision(empty_postgres_url)
            holder.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            holder.commit()
            worker.join(timeout=60)
    finally:
        engine.dispose()

    assert waiting
    assert revision_while_waiting is None
    assert not worker.is_alive() and errors == []
    assert current_revision(empty_postgres_url) == head_revision()


def test_the_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        assert schema_differences(conn) == []


def test_the_comparison_notices_a_column_whose_type_differs(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        conn.execute(text("ALTER TABLE self_ratings DROP COLUMN note"))
        conn.execute(text("ALTER TABLE self_ratings ADD COLUMN note VARCHAR(10)"))

    with migrated_engine.connect() as conn:
        [[change]] = schema_differences(conn)
    assert change[:4] == ("modify_type", None, "self_ratings", "note")


def test_every_vocabulary_column_has_a_check_constraint_of_its_values(
    migrated_engine: Engine,
) -> None:
    # autogenerate does not compare CHECK constraints: compare their names and allowed values.
    with migrated_engine.connect() as conn:
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            found = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
            assert set(found) == expected, table.name
            for column in table.columns:
                if isinstance(column.type, Enum):
                    sqltext = found[f"ck_{table.name}_{column.type.name}"]
                    for value in column.type.enums:
                        assert f"'{value}'" in sqltext, (table.name, column.name, value)


def test_downgrade_to_base_leaves_no_tables_but_the_version_table(migrated_url: str) -> None:
    downgrade_to_base(migrated_url)

    assert table_names(migrated_url) <= {"alembic_version"}
    assert current_revision(migrated_url) is None


def test_downgrade_to_base_drops_the_audit_trigger_function_on_postgresql(
    empty_postgres_url: str,
) -> None:
    # (SQLite triggers have no function of their own: they go with their table.)
    upgrade_to_head(empty_postgres_url)

    downgrade_to_base(empty_postgres_url)

    engine = make_engine(empty_postgres_url)
    try:
        with engine.connect() as conn:
            functions = conn.execute(
                text(
                    "SELECT count(*) FROM pg_proc"
                    " WHERE pronamespace = current_schema()::regnamespace"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert functions == 0


def test_downgrade_drops_tables_that_hold_rows_linked_in_a_cycle(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as conn:
            clinic_id = add_clinic(conn)
            users = TABLES["users"]
            clinician_id = conn.execute(
                insert(users).values(
                    clinic_id=clinic_id,
                    email="clinician@example.org",
                    role=Role.CLINICIAN,
                    password_hash="x",
                )
            ).inserted_primary_key[0]
            patient_id = add_patient(conn, clinic_id, clinician_id=clinician_id)
            conn.execute(
                insert(users).values(
                    clinic_id=clinic_id,
                    email="patient@example.org",
                    role=Role.PATIENT,
                    password_hash="x",
                    patient_id=patient_id,
                )
            )
            add_audit_event(conn)
    finally:
        engine.dispose()

    downgrade_to_base(migrated_url)

    assert table_names(migrated_url) <= {"alembic_version"}


def test_it_upgrades_again_after_a_downgrade(migrated_url: str) -> None:
    downgrade_to_base(migrated_url)

    upgrade_to_head(migrated_url)

    assert current_revision(migrated_url) == head_revision()
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            assert schema_differences(conn) == []
    finally:
        engine.dispose()


def test_audit_events_accept_new_rows(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        add_audit_event(conn)
        add_audit_event(conn)

    with migrated_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'edited' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_audit_events_refuse_updates_and_deletes(migrated_engine: Engine, statement: str) -> None:
    with migrated_engine.begin() as conn:
        event_id = add_audit_event(conn)

    with (
        pytest.raises(IntegrityError, match="audit_events is append-only"),
        migrated_engine.begin() as conn,
    ):
        conn.execute(text(statement), {"id": event_id})

    with migrated_engine.connect() as conn:
        row = conn.execute(text("SELECT action FROM audit_events")).one()
    assert row.action == "read"


def test_audit_events_refuse_truncate_on_postgresql(empty_postgres_url: str) -> None:
    # (SQLite has no TRUNCATE; its DELETE without WHERE is refused above.)
    upgrade_to_head(empty_postgres_url)
    engine = make_engine(empty_postgres_url)
    try:
        with engine.begin() as conn:
            add_audit_event(conn)

        with (
            pytest.raises(IntegrityError, match="audit_events is append-only"),
            engine.begin() as conn,
        ):
            conn.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()


def test_check_constraint_refuses_an_unknown_muscle(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        patient_id = add_patient(conn, add_clinic(conn))
        session_id = conn.execute(
            insert(TABLES["injection_sessions"]).values(
                patient_id=patient_id,
                session_on=date(2026, 3, 2),
                product=Product.ONABOTULINUMTOXIN_A,
                dilution_units_per_0_1_ml=2.5,
            )
        ).inserted_primary_key[0]
    insert_site = text(
        "INSERT INTO injection_sites (session_id, muscle, side, units)"
        " VALUES (:session_id, :muscle, 'left', 2.5)"
    )
    with migrated_engine.begin() as conn:
        conn.execute(insert_site, {"session_id": session_id, "muscle": Muscle.CORRUGATOR.value})

    with (
        pytest.raises(IntegrityError, match="ck_injection_sites_muscle"),
        migrated_engine.begin() as conn,
    ):
        conn.execute(insert_site, {"session_id": session_id, "muscle": "nose"})


def test_unique_constraint_refuses_a_second_patient_with_the_same_record_number(
    migrated_engine: Engine,
) -> None:
    with migrated_engine.begin() as conn:
        clinic_id = add_clinic(conn)
        add_patient(conn, clinic_id, mrn="MRN-7")

    duplicate = (
        r"uq_patients_clinic_mrn|UNIQUE constraint failed: patients\.clinic_id, patients\.mrn"
    )
    with pytest.raises(IntegrityError, match=duplicate), migrated_engine.begin() as conn:
        add_patient(conn, clinic_id, mrn="MRN-7")


def test_the_same_record_number_is_accepted_in_another_clinic(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        add_patient(conn, add_clinic(conn, "Neurology East"), mrn="MRN-7")
        add_patient(conn, add_clinic(conn, "Neurology West"), mrn="MRN-7")

    with migrated_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patients")).scalar_one() == 2
