"""The clinic's time zone, in which the pages show times (upload times of videos).

Revision ID: 0008_clinic_locale
Revises: 0007_session_records
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_clinic_locale"
down_revision: str | Sequence[str] | None = "0007_session_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``clinics.time_zone``: "UTC" for every clinic until an admin sets its own."""
    op.add_column(
        "clinics",
        sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"),
    )


def downgrade() -> None:
    """Drop ``clinics.time_zone`` (in place, as 0003 drops the phone number)."""
    op.drop_column("clinics", "time_zone")
