"""Initial schema of the clinic records, with an append-only audit log.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25 13:01:58

Frozen here as plain values, so that later model changes cannot alter what this revision does:
the vocabularies (``enum_column`` makes VARCHAR(48) plus a CHECK constraint named after the enum
type) and every constraint and index name, spelled as ``Base.metadata``'s naming convention
produces it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabularies of hemispasm.clinic.domain.vocab at this revision.
PRODUCTS = ("onabotulinumtoxinA", "abobotulinumtoxinA", "incobotulinumtoxinA", "other")
ROLES = ("admin", "clinician", "patient")
SEXES = ("female", "male", "other", "unknown")
AFFECTED_SIDES = ("left", "right", "bilateral")
INJECTION_SIDES = ("left", "right")
COMPRESSION_SITES = ("root_exit_zone", "other")
CONTACT_KINDS = ("contact", "compression")
REPORTERS = ("patient", "clinician")
SEVERITIES = ("mild", "moderate", "severe")
SURGERY_OUTCOMES = ("complete", "partial", "none", "pending")
ADVERSE_EFFECTS = (
    "ptosis",
    "lip_or_lower_face_weakness",
    "diplopia",
    "incomplete_lid_closure_dry_eye",
    "tearing",
    "bruising",
    "brow_asymmetry",
    "swallowing_difficulty",
    "breathing_difficulty",
    "other",
)
MUSCLES = (
    "orbicularis_oculi_pretarsal_upper",
    "orbicularis_oculi_pretarsal_lower",
    "orbicularis_oculi_preseptal",
    "orbicularis_oculi_orbital_lateral_canthus",
    "corrugator",
    "procerus",
    "frontalis",
    "zygomaticus_major",
    "zygomaticus_minor",
    "risorius",
    "levator_labii_superioris",
    "orbicularis_oris",
    "depressor_anguli_oris",
    "mentalis",
    "buccinator",
    "platysma",
    "masseter",
)

APPEND_ONLY_MESSAGE = "audit_events is append-only"

PG_APPEND_ONLY_FUNCTION = f"""
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
"""
# Row triggers do not see TRUNCATE, hence the statement trigger beside them.
PG_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events"
    " FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)
SQLITE_APPEND_ONLY_TRIGGERS = tuple(
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events"
    f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)

VOCABULARY = sa.String(length=48)


def _one_of(table: str, column: str, values: tuple[str, ...], *, type_name: str) -> sa.Constraint:
    """The CHECK constraint keeping ``column`` within ``values``, named after the enum type."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{type_name}"))


def _timestamps() -> list[sa.Column[object]]:
    """created_at, updated_at and deleted_at of every clinical record."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _json() -> sa.JSON:
    """JSON, stored as JSONB on PostgreSQL."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _dialect() -> str:
    """The database's dialect: the triggers below are written for PostgreSQL and SQLite only."""
    name = op.get_context().dialect.name
    if name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"dialect must be postgresql or sqlite, but got {name!r}")
    return name


def _create_patient_owned(table: str, *items: sa.schema.SchemaItem) -> None:
    """Create a table of records that belong to a patient (with its patient_id index)."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        *items,
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f(f"fk_{table}_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_patient_id"), table, ["patient_id"])


def upgrade() -> None:
    """Create every table, the users <-> patients link and the audit log's guard triggers."""
    _create_accounts()
    _create_patients()
    _create_treatment()
    _create_surgery_and_assessments()
    _guard_audit_events()


def downgrade() -> None:
    """Drop the triggers and every table (with their rows)."""
    if _dialect() == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
        op.drop_constraint(op.f("fk_users_patient_id_patients"), "users", type_="foreignkey")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")
        # SQLite empties a table before dropping it and checks the foreign keys pointing at it;
        # deferred to the commit, the checks pass because every referring table is gone too
        # (users <-> patients is a cycle that no drop order would satisfy).
        op.execute("PRAGMA defer_foreign_keys = ON")
    for table in (
        "self_ratings",
        "assessments",
        "video_analyses",
        "surgeries",
        "adverse_events",
        "injection_sites",
        "injection_sessions",
        "mri_studies",
        "diagnoses",
        "patients",
        "audit_events",
        "auth_sessions",
        "users",
        "dose_limits",
        "clinics",
    ):
        op.drop_table(table)


def _create_accounts() -> None:
    """Clinics, their dose limits, users, login sessions and the audit log."""
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("min_interval_days", sa.Integer(), nullable=False),
        sa.Column("due_soon_days", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
        sa.UniqueConstraint("name", name=op.f("uq_clinics_name")),
    )
    op.create_table(
        "dose_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("product", VOCABULARY, nullable=False),
        sa.Column("max_units_per_site", sa.Float(), nullable=False),
        sa.Column("max_units_per_session", sa.Float(), nullable=False),
        sa.Column("max_units_per_lower_face_site", sa.Float(), nullable=True),
        _one_of("dose_limits", "product", PRODUCTS, type_name="product"),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_dose_limits_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_limits")),
        sa.UniqueConstraint("clinic_id", "product", name=op.f("uq_dose_limits_clinic_product")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", VOCABULARY, nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        _one_of("users", "role", ROLES, type_name="role"),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_users_clinic_id_clinics")
        ),
        # users.patient_id -> patients.id closes a cycle with patients.clinician_id -> users.id.
        # use_alter: SQLite (which accepts a reference to a table it has not seen yet, and cannot
        # add a foreign key later without copying the table) gets it here; databases that can
        # ALTER leave it out here and get it in _create_patients.
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_users_patient_id_patients"),
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_clinic_id"), "users", ["clinic_id"])
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_auth_sessions_token_sha256")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("request", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_audit_events_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_patient_at"), "audit_events", ["patient_id", "at"])


def _create_patients() -> None:
    """Patients (closing the users <-> patients cycle), diagnoses and MRI studies."""
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", VOCABULARY, nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("last_session_on", sa.Date(), nullable=True),
        sa.Column("last_product", VOCABULARY, nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        *_timestamps(),
        _one_of("patients", "sex", SEXES, type_name="sex"),
        _one_of("patients", "last_product", PRODUCTS, type_name="last_product"),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patients_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["users.id"], name=op.f("fk_patients_clinician_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("clinic_id", "mrn", name=op.f("uq_patients_clinic_mrn")),
    )
    op.create_index(op.f("ix_patients_clinic_name"), "patients", ["clinic_id", "name"])
    # The worklist of patients due for their next session: live records only.
    op.create_index(
        op.f("ix_patients_clinic_next_due"),
        "patients",
        ["clinic_id", "next_due_on"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )
    if _dialect() == "postgresql":
        op.create_foreign_key(
            op.f("fk_users_patient_id_patients"), "users", "patients", ["patient_id"], ["id"]
        )

    _create_patient_owned(
        "diagnoses",
        sa.Column("affected_side", VOCABULARY, nullable=False),
        sa.Column("onset_on", sa.Date(), nullable=True),
        sa.Column("diagnosed_on", sa.Date(), nullable=True),
        sa.Column("icd10", sa.String(length=16), nullable=False),
        sa.Column("snomed", sa.String(length=32), nullable=False),
        sa.Column("idiopathic", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        _one_of("diagnoses", "affected_side", AFFECTED_SIDES, type_name="side"),
    )
    _create_patient_owned(
        "mri_studies",
        sa.Column("study_on", sa.Date(), nullable=False),
        sa.Column("sequences", _json(), nullable=False),
        sa.Column("compression_found", sa.Boolean(), nullable=True),
        sa.Column("vessels", _json(), nullable=False),
        sa.Column("site", VOCABULARY, nullable=True),
        sa.Column("contact", VOCABULARY, nullable=True),
        sa.Column("dolichoectasia", sa.Boolean(), nullable=True),
        sa.Column("other_lesion", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _one_of("mri_studies", "site", COMPRESSION_SITES, type_name="compression_site"),
        _one_of("mri_studies", "contact", CONTACT_KINDS, type_name="contact_kind"),
    )


def _create_treatment() -> None:
    """Injection sessions, their sites and adverse events."""
    _create_patient_owned(
        "injection_sessions",
        sa.Column("session_on", sa.Date(), nullable=False),
        sa.Column("injector_id", sa.Integer(), nullable=True),
        sa.Column("product", VOCABULARY, nullable=False),
        sa.Column("product_name", sa.String(length=120), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column("expiry_on", sa.Date(), nullable=True),
        sa.Column("dilution_units_per_0_1_ml", sa.Float(), nullable=False),
        sa.Column("early_reason", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("effect_began_on", sa.Date(), nullable=True),
        sa.Column("effect_peak_on", sa.Date(), nullable=True),
        sa.Column("wore_off_on", sa.Date(), nullable=True),
        sa.Column("course_reported_by", VOCABULARY, nullable=True),
        _one_of("injection_sessions", "product", PRODUCTS, type_name="product"),
        _one_of("injection_sessions", "course_reported_by", REPORTERS, type_name="reporter"),
        sa.ForeignKeyConstraint(
            ["injector_id"], ["users.id"], name=op.f("fk_injection_sessions_injector_id_users")
        ),
    )
    op.create_index(
        op.f("ix_injection_sessions_patient_date"),
        "injection_sessions",
        ["patient_id", "session_on"],
    )
    op.create_table(
        "injection_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("muscle", VOCABULARY, nullable=False),
        sa.Column("side", VOCABULARY, nullable=False),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        _one_of("injection_sites", "muscle", MUSCLES, type_name="muscle"),
        _one_of("injection_sites", "side", INJECTION_SIDES, type_name="injection_side"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["injection_sessions.id"],
            name=op.f("fk_injection_sites_session_id_injection_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injection_sites")),
    )
    op.create_index(op.f("ix_injection_sites_session_id"), "injection_sites", ["session_id"])
    _create_patient_owned(
        "adverse_events",
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("effect", VOCABULARY, nullable=False),
        sa.Column("severity", VOCABULARY, nullable=False),
        sa.Column("onset_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("reported_by", VOCABULARY, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        _one_of("adverse_events", "effect", ADVERSE_EFFECTS, type_name="adverse_effect"),
        _one_of("adverse_events", "severity", SEVERITIES, type_name="severity"),
        _one_of("adverse_events", "reported_by", REPORTERS, type_name="reporter"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["injection_sessions.id"],
            name=op.f("fk_adverse_events_session_id_injection_sessions"),
        ),
    )


def _create_surgery_and_assessments() -> None:
    """Microvascular decompressions, clinic assessments, self-ratings and video analyses."""
    _create_patient_owned(
        "surgeries",
        sa.Column("surgery_on", sa.Date(), nullable=False),
        sa.Column("surgeon", sa.String(length=200), nullable=True),
        sa.Column("side", VOCABULARY, nullable=False),
        sa.Column("vessels", _json(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("monitoring", sa.String(length=500), nullable=True),
        sa.Column("outcome", VOCABULARY, nullable=False),
        sa.Column("recurrence_on", sa.Date(), nullable=True),
        sa.Column("complications", _json(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        _one_of("surgeries", "side", AFFECTED_SIDES, type_name="side"),
        _one_of("surgeries", "outcome", SURGERY_OUTCOMES, type_name="surgery_outcome"),
    )
    _create_patient_owned(
        "assessments",
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("jankovic_severity", sa.Integer(), nullable=True),
        sa.Column("jankovic_frequency", sa.Integer(), nullable=True),
        sa.Column("smc_grade", sa.Integer(), nullable=True),
        sa.Column("hfs7_total", sa.Integer(), nullable=True),
        sa.Column("hfs30_total", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["users.id"], name=op.f("fk_assessments_assessor_id_users")
        ),
    )
    _create_patient_owned(
        "self_ratings",
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    _create_patient_owned(
        "video_analyses",
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("video_sha256", sa.String(length=64), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("affected_side", sa.String(length=8), nullable=True),
        sa.Column("spasms_per_min", sa.Float(), nullable=False),
        sa.Column("blinks_per_min", sa.Float(), nullable=False),
        sa.Column("pct_time_affected_eye_half_closed", sa.Float(), nullable=False),
        sa.Column("jankovic_total_estimate", sa.Integer(), nullable=True),
        sa.Column("smc_grade_estimate", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
    )
    op.create_index(op.f("ix_video_analyses_video_sha256"), "video_analyses", ["video_sha256"])


def _guard_audit_events() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE) of audit rows in the database itself."""
    if _dialect() == "postgresql":
        op.execute(PG_APPEND_ONLY_FUNCTION)
        for statement in PG_APPEND_ONLY_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_APPEND_ONLY_TRIGGERS:
            op.execute(statement)
