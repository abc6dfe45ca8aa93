"""Who reported each record a patient can add, where each analysis came from, and the audit chain.

Revision ID: 0005_reporter_audit_chain
Revises: 0004_event_corrections
Create Date: 2026-12-07 17:00:00

- ``self_ratings.reported_by`` and ``video_analyses.reported_by`` (patient or clinician; adverse
  events and cycle courses had theirs already). Existing self-ratings count as the patient's;
  an existing analysis is the patient's when a patient uploaded its video, else the clinic's.
- ``video_analyses.source``: ``analysis`` when the server analysed an uploaded video (a job
  points at it), ``imported`` for a result sent by hand.
- ``audit_events.detail`` (canonical JSON: changed fields before and after, patients a list
  showed, why access was refused), ``prev_hash`` and ``row_hash``: each row's SHA-256 covers its
  content and the hash of the row before it. The rows already stored are chained here, in id
  order; ``prev_hash`` is unique, so two rows can never follow the same one.

Frozen as plain values, like the earlier revisions: the chain's canonical form is copied below
and must stay what ``hemispasm.clinic.services.audit`` computes (a test checks both agree).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_reporter_audit_chain"
down_revision: str | Sequence[str] | None = "0004_event_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORTERS = ("patient", "clinician")
SOURCES = ("analysis", "imported")
CHAIN_TAG = "hemispasm.audit/1"
GENESIS_HASH = "0" * 64
CHAIN_COLUMNS = (
    "at",
    "user_id",
    "clinic_id",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "client_address",
    "request",
    "detail",
)
APPEND_ONLY_MESSAGE = "audit_events is append-only"
SQLITE_APPEND_ONLY_TRIGGERS = {
    f"audit_events_no_{verb.lower()}": (
        f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events"
        f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    )
    for verb in ("UPDATE", "DELETE")
}


def _dialect() -> str:
    """The database's dialect: the statements below are written for PostgreSQL and SQLite only."""
    name = op.get_context().dialect.name
    if name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"dialect must be postgresql or sqlite, but got {name!r}")
    return name


def _add_choice(
    table: str, column: str, values: tuple[str, ...], *, default: str, type_name: str
) -> None:
    """Add a NOT NULL vocabulary column with its CHECK constraint, in place on both databases
    (a column constraint: SQLite can add it without copying the table, and drop it again)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(48) NOT NULL DEFAULT '{default}'"
        f" CONSTRAINT ck_{table}_{type_name} CHECK ({column} IN ({allowed}))"
    )


def _timestamp(value: Any) -> str:
    """A stored time as the chain writes it: UTC, microseconds, ``Z``."""
    if isinstance(value, str):  # SQLite hands back text to a plain SELECT
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """The SHA-256 of one audit row's canonical content and the hash of the row before it."""
    content = [row[c] if c != "at" else _timestamp(row[c]) for c in CHAIN_COLUMNS]
    text = json.dumps([CHAIN_TAG, *content, prev_hash], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _chain_existing_rows() -> None:
    """Compute ``prev_hash`` and ``row_hash`` of every stored audit row, oldest first."""
    bind = op.get_bind()
    audit = sa.table(
        "audit_events",
        sa.column("id"),
        *(sa.column(c) for c in CHAIN_COLUMNS),
        sa.column("prev_hash"),
        sa.column("row_hash"),
    )
    rows = bind.execute(
        sa.select(audit.c.id, *(audit.c[c] for c in CHAIN_COLUMNS)).order_by(audit.c.id)
    )
    prev_hash = GENESIS_HASH
    for row in rows.mappings().all():
        row_hash = _row_hash(dict(row), prev_hash)
        bind.execute(
            audit.update()
            .where(audit.c.id == row["id"])
            .values(prev_hash=prev_hash, row_hash=row_hash)
        )
        prev_hash = row_hash


def upgrade() -> None:
    """Add the reporter and source columns (filled for existing rows) and chain the audit log."""
    dialect = _dialect()
    _add_choice("self_ratings", "reported_by", REPORTERS, default="patient", type_name="reporter")
    _add_choice(
        "video_analyses", "reported_by", REPORTERS, default="clinician", type_name="reporter"
    )
    _add_choice(
        "video_analyses", "source", SOURCES, default="imported", type_name="analysis_source"
    )
    op.execute(
        "UPDATE video_analyses SET source = 'analysis' WHERE id IN"
        " (SELECT video_analysis_id FROM analysis_jobs WHERE video_analysis_id IS NOT NULL)"
    )
    op.execute(
        "UPDATE video_analyses SET reported_by = 'patient' WHERE id IN"
        " (SELECT j.video_analysis_id FROM analysis_jobs j"
        " JOIN uploads u ON u.id = j.upload_id JOIN users s ON s.id = u.uploaded_by"
        " WHERE s.role = 'patient' AND j.video_analysis_id IS NOT NULL)"
    )

    op.add_column("audit_events", sa.Column("detail", sa.Text(), nullable=True))
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("row_hash", sa.String(length=64), nullable=True))
    # The rows are only ever added to: lift the guard for this one pass over the stored rows.
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        _chain_existing_rows()
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        _chain_existing_rows()
        op.execute(SQLITE_APPEND_ONLY_TRIGGERS["audit_events_no_update"])
    op.create_index("ix_audit_events_prev_hash", "audit_events", ["prev_hash"], unique=True)


def downgrade() -> None:
    """Drop the chain, the sources and the reporters of self-ratings and analyses (adverse
    events and cycle courses keep theirs, which are older than this revision)."""
    op.drop_index("ix_audit_events_prev_hash", table_name="audit_events")
    for column in ("row_hash", "prev_hash", "detail"):
        op.drop_column("audit_events", column)
    for table, column in (
        ("video_analyses", "source"),
        ("video_analyses", "reported_by"),
        ("self_ratings", "reported_by"),
    ):
        op.drop_column(table, column)
