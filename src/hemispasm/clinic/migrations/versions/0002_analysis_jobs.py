"""Uploaded videos and the background jobs that analyse them.

Revision ID: 0002_analysis_jobs
Revises: 0001_initial
Create Date: 2026-11-26 10:00:00

Frozen as plain values, like the first revision: the job states and every constraint and index
name, spelled as ``Base.metadata``'s naming convention produces them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_analysis_jobs"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_STATES = ("queued", "running", "done", "failed")


def upgrade() -> None:
    """Create ``uploads`` and ``analysis_jobs``."""
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("raw_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_uploads_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_uploads_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index(op.f("ix_uploads_patient_id"), "uploads", ["patient_id"])
    op.create_index(op.f("ix_uploads_sha256"), "uploads", ["sha256"])

    allowed = ", ".join(f"'{state}'" for state in JOB_STATES)
    op.create_table(
        "analysis_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=48), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("mirrored", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("video_analysis_id", sa.Integer(), nullable=True),
        sa.Column("report_path", sa.String(length=300), nullable=True),
        sa.CheckConstraint(f"state IN ({allowed})", name=op.f("ck_analysis_jobs_job_state")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_analysis_jobs_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_analysis_jobs_upload_id_uploads")
        ),
        sa.ForeignKeyConstraint(
            ["video_analysis_id"],
            ["video_analyses.id"],
            name=op.f("fk_analysis_jobs_video_analysis_id_video_analyses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_jobs")),
    )
    op.create_index(op.f("ix_analysis_jobs_patient_id"), "analysis_jobs", ["patient_id"])
    op.create_index(op.f("ix_analysis_jobs_upload_id"), "analysis_jobs", ["upload_id"])
    op.create_index("ix_analysis_jobs_state", "analysis_jobs", ["state"])


def downgrade() -> None:
    """Drop both tables (the video files in the data folder are left alone)."""
    op.drop_table("analysis_jobs")
    op.drop_table("uploads")
