"""Photos attached to injection sessions, stored in the data folder like videos.

Revision ID: 0009_session_photos
Revises: 0008_clinic_locale
Create Date: 2026-12-07 23:30:00

Adds ``session_photos``: where each photo (re-encoded without its metadata) and its thumbnail
are kept in the data folder, their checksum, size and type. The pictures themselves are files,
never database rows. A new table only: no existing row changes. Frozen as plain values, like the
earlier revisions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_session_photos"
down_revision: str | Sequence[str] | None = "0008_clinic_locale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "session_photos"


def upgrade() -> None:
    """Create ``session_photos`` (empty)."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("thumbnail_path", sa.String(length=300), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_session_photos_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["injection_sessions.id"],
            name=op.f("fk_session_photos_session_id_injection_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_session_photos_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_photos")),
    )
    for column in ("patient_id", "session_id", "sha256"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column])


def downgrade() -> None:
    """Drop ``session_photos`` (the files stay in the data folder)."""
    for column in ("sha256", "session_id", "patient_id"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
