"""When a clinician acknowledged an urgent side effect that a patient reported, and who.

Revision ID: 0006_urgent_acknowledged
Revises: 0005_reporter_audit_chain
Create Date: 2026-12-07 19:45:00

Adds ``adverse_events.acknowledged_at`` and ``adverse_events.acknowledged_by`` (both empty:
an urgent report stored before this revision waits in the clinic's urgent inbox like a new one),
and a partial index of the urgent effects nobody acknowledged yet (counted on every page).
Plain columns without a foreign key, like ``video_analyses.corrected_by``, so that SQLite adds
and drops them in place instead of copying a table that other tables point at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_urgent_acknowledged"
down_revision: str | Sequence[str] | None = "0005_reporter_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING_URGENT = (
    "effect IN ('swallowing_difficulty', 'breathing_difficulty') AND acknowledged_at IS NULL"
)
"""Frozen copy of ``db.treatment.WAITING_URGENT_SQL``."""


def upgrade() -> None:
    """Add the acknowledgement of each side effect (empty until a clinician acknowledges it)."""
    op.add_column(
        "adverse_events", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("adverse_events", sa.Column("acknowledged_by", sa.Integer(), nullable=True))
    op.create_index(
        "ix_adverse_events_waiting_urgent",
        "adverse_events",
        ["patient_id"],
        sqlite_where=sa.text(WAITING_URGENT),
        postgresql_where=sa.text(WAITING_URGENT),
    )


def downgrade() -> None:
    """Drop the acknowledgements (SQLite 3.35 and later drop a column in place)."""
    op.drop_index("ix_adverse_events_waiting_urgent", table_name="adverse_events")
    for column in ("acknowledged_by", "acknowledged_at"):
        op.drop_column("adverse_events", column)
