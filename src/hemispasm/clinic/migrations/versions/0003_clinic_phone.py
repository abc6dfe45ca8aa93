"""The phone number a clinic's patients call, shown with the diary's urgent-help message.

Revision ID: 0003_clinic_phone
Revises: 0002_analysis_jobs
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_clinic_phone"
down_revision: str | Sequence[str] | None = "0002_analysis_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``clinics.phone`` (empty for every clinic until an admin sets it)."""
    op.add_column("clinics", sa.Column("phone", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop ``clinics.phone`` (SQLite 3.35 and later drop a column in place, so the table is not
    copied, which its foreign keys would refuse)."""
    op.drop_column("clinics", "phone")
