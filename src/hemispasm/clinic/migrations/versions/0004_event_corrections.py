"""A clinician's corrections of the events of a video analysis, and the corrected figures.

Revision ID: 0004_event_corrections
Revises: 0003_clinic_phone
Create Date: 2026-12-08 09:00:00

Adds ``event_corrections`` (one row per correction, append-only like the audit log) and, on
``video_analyses``, the result recomputed from the corrected events with who corrected it when.
Frozen as plain values, like the earlier revisions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_event_corrections"
down_revision: str | Sequence[str] | None = "0003_clinic_phone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ("confirm", "reject", "relabel", "add")
APPEND_ONLY_MESSAGE = "event_corrections is append-only"

PG_APPEND_ONLY_FUNCTION = f"""
CREATE FUNCTION event_corrections_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
"""
PG_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER event_corrections_append_only BEFORE UPDATE OR DELETE ON event_corrections"
    " FOR EACH ROW EXECUTE FUNCTION event_corrections_append_only()",
    "CREATE TRIGGER event_corrections_no_truncate BEFORE TRUNCATE ON event_corrections"
    " FOR EACH STATEMENT EXECUTE FUNCTION event_corrections_append_only()",
)
SQLITE_APPEND_ONLY_TRIGGERS = tuple(
    f"CREATE TRIGGER event_corrections_no_{verb.lower()} BEFORE {verb} ON event_corrections"
    f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)


def _json() -> sa.JSON:
    """JSON, stored as JSONB on PostgreSQL."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _dialect() -> str:
    """The database's dialect: the triggers are written for PostgreSQL and SQLite only."""
    name = op.get_context().dialect.name
    if name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"dialect must be postgresql or sqlite, but got {name!r}")
    return name


def upgrade() -> None:
    """Create ``event_corrections`` with its guard triggers; add the corrected figures to
    ``video_analyses`` (empty until a clinician corrects an analysis)."""
    allowed = ", ".join(f"'{a}'" for a in ACTIONS)
    op.create_table(
        "event_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("video_analysis_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=True),
        sa.Column("corrected_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"action IN ({allowed})", name=op.f("ck_event_corrections_correction_action")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_event_corrections_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["video_analysis_id"],
            ["video_analyses.id"],
            name=op.f("fk_event_corrections_video_analysis_id_video_analyses"),
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by"], ["users.id"], name=op.f("fk_event_corrections_corrected_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_corrections")),
    )
    op.create_index(op.f("ix_event_corrections_patient_id"), "event_corrections", ["patient_id"])
    op.create_index(
        "ix_event_corrections_analysis_id", "event_corrections", ["video_analysis_id", "id"]
    )
    if _dialect() == "postgresql":
        op.execute(PG_APPEND_ONLY_FUNCTION)
        for statement in PG_APPEND_ONLY_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_APPEND_ONLY_TRIGGERS:
            op.execute(statement)
    # Plain columns (no foreign key), so that SQLite adds and drops them in place instead of
    # copying the table, which the foreign keys pointing at it would refuse.
    op.add_column("video_analyses", sa.Column("corrected_result", _json(), nullable=True))
    op.add_column(
        "video_analyses", sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("video_analyses", sa.Column("corrected_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the corrected figures and ``event_corrections`` (with every correction)."""
    for column in ("corrected_by", "corrected_at", "corrected_result"):
        op.drop_column("video_analyses", column)
    if _dialect() == "postgresql":
        op.execute("DROP TRIGGER event_corrections_no_truncate ON event_corrections")
        op.execute("DROP TRIGGER event_corrections_append_only ON event_corrections")
        op.execute("DROP FUNCTION event_corrections_append_only()")
    else:
        op.execute("DROP TRIGGER event_corrections_no_delete")
        op.execute("DROP TRIGGER event_corrections_no_update")
    op.drop_index("ix_event_corrections_analysis_id", table_name="event_corrections")
    op.drop_index(op.f("ix_event_corrections_patient_id"), table_name="event_corrections")
    op.drop_table("event_corrections")
