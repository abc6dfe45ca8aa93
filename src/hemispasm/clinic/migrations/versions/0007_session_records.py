"""The vials used in each injection session, and the patient's consent to it.

Revision ID: 0007_session_records
Revises: 0006_urgent_acknowledged
Create Date: 2026-12-07 20:10:00

Adds ``session_vials`` (size, lot, expiry, diluent and units drawn up of each vial) and
``session_consents`` (date, kind and who recorded it). New tables only: no existing row changes.
Frozen as plain values, like the earlier revisions.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007_session_records"
down_revision: str | Sequence[str] | None = "0006_urgent_acknowledged"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSENT_KINDS = ("written", "verbal", "on_file")


def _record_columns() -> list[sa.Column[Any]]:
    """The id, patient and session of a row, then its timestamps (``PatientOwned``)."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
    ]


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f(f"fk_{table}_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["injection_sessions.id"],
            name=op.f(f"fk_{table}_session_id_injection_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    """Create ``session_vials`` and ``session_consents`` (empty)."""
    op.create_table(
        "session_vials",
        *_record_columns(),
        sa.Column("vial_units", sa.Float(), nullable=False),
        sa.Column("diluent_ml", sa.Float(), nullable=False),
        sa.Column("units_drawn_up", sa.Float(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("expiry_on", sa.Date(), nullable=False),
        *_timestamps(),
        *_keys("session_vials"),
    )
    allowed = ", ".join(f"'{k}'" for k in CONSENT_KINDS)
    op.create_table(
        "session_consents",
        *_record_columns(),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(f"kind IN ({allowed})", name=op.f("ck_session_consents_consent_kind")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_session_consents_recorded_by_users")
        ),
        *_keys("session_consents"),
    )
    for table in ("session_vials", "session_consents"):
        op.create_index(op.f(f"ix_{table}_patient_id"), table, ["patient_id"])
        op.create_index(op.f(f"ix_{table}_session_id"), table, ["session_id"])


def downgrade() -> None:
    """Drop both tables, with every vial and consent recorded."""
    for table in ("session_consents", "session_vials"):
        op.drop_index(op.f(f"ix_{table}_session_id"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_patient_id"), table_name=table)
        op.drop_table(table)
