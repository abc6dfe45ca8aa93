"""Seed a PostgreSQL schema with a large clinic, for the API benchmark (benchmarks/bench_api.py).

One clinic ("Benchmark Clinic", 84-day interval, the default dose limits), five clinicians and
``--patients`` patients, each with one diagnosis, most with an MRI, ``--years`` of injection
sessions every 84-100 days (9-10 sites each, from a per-patient plan on the affected side; cycle
course dates on most), an assessment at about every second session, a self-rating after most
sessions and an adverse effect after about 3 % of them. Each patient's history ends at a recent
date (a few have lapsed for months), so that about a quarter are overdue today; last session,
last product and next due date are set as the session service would set them.

The clinic and its accounts go through the service layer; the big tables are loaded with COPY.
Random draws are seeded; dates count back from today. Labels are fictional ("Bench Patient 17").

Usage::

    .venv/bin/python benchmarks/seed_clinic.py [--url URL] [--schema bench] [--patients 10000]
        [--years 8] [--seed 1]

Drops and recreates the schema, then writes its URL, a clinician's bearer token and browser
sessions of the clinicians and of 20 patients with logins to benchmarks/_work/bench_clinic.json.
Each patient with two or more sessions also has two analysed videos (the same stored result).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from argon2 import PasswordHasher
from sqlalchemy import make_url

from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.migrate import upgrade_to_head
from hemispasm.clinic.db.models import Clinic
from hemispasm.clinic.domain.vocab import (
    SNOMED_HEMIFACIAL_SPASM,
    AdverseEffect,
    AffectedSide,
    InjectionSide,
    Muscle,
    Product,
    Role,
    icd10_code,
)
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic, open_session
from hemispasm.clinic.services.videos import metric_columns
from hemispasm.clinic.settings import new_token

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
CONFIG_FILE = WORK / "bench_clinic.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLINIC_NAME = "Benchmark Clinic"
INTERVAL_DAYS = 84
CLINICIANS = 5
CHUNK_PATIENTS = 500
"""Patients generated and copied at a time (keeps memory flat)."""

Row = tuple[object, ...]

SAMPLE_RESULT = json.loads(
    (HERE.parent / "tests" / "data" / "result_synthetic_left.json").read_text(encoding="utf-8")
)
"""A real ``hemispasm analyze`` result (6.7 kB), stored for every seeded video analysis."""
SAMPLE_COLUMNS = metric_columns(SAMPLE_RESULT)
VIDEO_COLUMNS = tuple(SAMPLE_COLUMNS)
PATIENT_LOGINS = 20
"""Patients with a login (and an open browser session) for the page benchmark."""

# Columns written per table, in load order (parents before children); the rest take defaults.
COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": (
        "id", "clinic_id", "mrn", "name", "birth_date", "sex", "clinician_id",
        "last_session_on", "last_product", "next_due_on", "created_at", "updated_at",
    ),
    "diagnoses": (
        "id", "patient_id", "affected_side", "onset_on", "diagnosed_on", "icd10", "snomed",
        "idiopathic", "created_at", "updated_at",
    ),
    "mri_studies": (
        "id", "patient_id", "study_on", "sequences", "compression_found", "vessels", "site",
        "contact", "dolichoectasia", "created_at", "updated_at",
    ),
    "injection_sessions": (
        "id", "patient_id", "session_on", "injector_id", "product", "lot", "expiry_on",
        "dilution_units_per_0_1_ml", "effect_began_on", "effect_peak_on", "wore_off_on",
        "course_reported_by", "created_at", "updated_at",
    ),
    "injection_sites": ("id", "session_id", "muscle", "side", "units"),
    "adverse_events": (
        "id", "patient_id", "session_id", "effect", "severity", "onset_on", "resolved_on",
        "reported_by", "created_at", "updated_at",
    ),
    "assessments": (
        "id", "patient_id", "assessed_on", "assessor_id", "jankovic_severity",
        "jankovic_frequency", "smc_grade", "hfs7_total", "created_at", "updated_at",
    ),
    "self_ratings": ("id", "patient_id", "rated_on", "score", "created_at", "updated_at"),
    "video_analyses": (
        "id", "patient_id", "recorded_on", "result", *VIDEO_COLUMNS, "created_at", "updated_at",
    ),
}  # fmt: skip

# Plans: the eye is always injected on the affected side; other muscles with these weights.
EYE_SITES = (
    Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER,
    Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER,
    Muscle.ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS,
)
OPTIONAL_SITES = {
    Muscle.ORBICULARIS_OCULI_PRESEPTAL: 5,
    Muscle.CORRUGATOR: 6,
    Muscle.FRONTALIS: 4,
    Muscle.PROCERUS: 1,
    Muscle.ZYGOMATICUS_MAJOR: 7,
    Muscle.ZYGOMATICUS_MINOR: 3,
    Muscle.RISORIUS: 3,
    Muscle.LEVATOR_LABII_SUPERIORIS: 3,
    Muscle.ORBICULARIS_ORIS: 3,
    Muscle.DEPRESSOR_ANGULI_ORIS: 3,
    Muscle.MENTALIS: 3,
    Muscle.PLATYSMA: 3,
    Muscle.BUCCINATOR: 1,
    Muscle.MASSETER: 1,
}
BALANCING_SITES = (Muscle.FRONTALIS, Muscle.ORBICULARIS_ORIS, Muscle.ZYGOMATICUS_MAJOR)
"""Small contralateral doses some clinicians give for symmetry."""
UPPER_UNITS = (1.25, 2.5, 2.5, 3.75, 5.0)
LOWER_UNITS = (1.0, 1.25, 1.25, 2.0, 2.5)
"""Units per site of onabotulinumtoxinA-like products; abobotulinumtoxinA takes three times."""
PRODUCTS = {
    # product: (share of patients, dilutions in U per 0.1 mL, unit factor)
    Product.ONABOTULINUMTOXIN_A: (0.55, (2.5, 5.0), 1.0),
    Product.INCOBOTULINUMTOXIN_A: (0.25, (2.5, 5.0), 1.0),
    Product.ABOBOTULINUMTOXIN_A: (0.20, (10.0, 20.0), 3.0),
}
ADVERSE = {
    AdverseEffect.PTOSIS: 4,
    AdverseEffect.LIP_OR_LOWER_FACE_WEAKNESS: 5,
    AdverseEffect.TEARING: 2,
    AdverseEffect.BRUISING: 3,
    AdverseEffect.INCOMPLETE_LID_CLOSURE_DRY_EYE: 2,
    AdverseEffect.BROW_ASYMMETRY: 1,
    AdverseEffect.DIPLOPIA: 1,
}
MRI_SEQUENCES = ("3D T2 CISS", "3D TOF MRA", "T1 post-contrast")
VESSELS = ("aica", "aica", "aica", "pica", "pica", "vertebral", "vein", "several")


@dataclass(frozen=True)
class Site:
    """One site of a patient's usual plan."""

    muscle: Muscle
    side: InjectionSide
    units: float


@dataclass
class Ids:
    """The next id of each table (the tables are empty: ids start at 1)."""

    next_id: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 1))

    def take(self, table: str) -> int:
        """A fresh id for ``table``."""
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value


def stamp(day: date) -> datetime:
    """A timezone-aware time on ``day``, for created_at and updated_at."""
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema``."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as libpq (psycopg.connect) reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PatientGenerator:
    """Rows of each patient's history, drawn from one seeded random stream."""

    def __init__(
        self, *, seed: int, today: date, years: int, clinic_id: int, clinicians: Sequence[int]
    ) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.span = timedelta(days=round(years * 365.25))
        self.clinic_id = clinic_id
        self.clinicians = list(clinicians)
        self.ids = Ids()

    def chunks(self, patients: int, size: int) -> Iterator[dict[str, list[Row]]]:
        """All patients' rows by table, ``size`` patients at a time."""
        for start in range(1, patients + 1, size):
            chunk: dict[str, list[Row]] = {table: [] for table in COLUMNS}
            for number in range(start, min(start + size, patients + 1)):
                self.patient(number, chunk)
            yield chunk

    def patient(self, number: int, rows: dict[str, list[Row]]) -> None:
        """Append every row of patient ``number`` (1-based) to ``rows``."""
        rng, today = self.rng, self.today
        patient_id = self.ids.take("patients")
        clinician = rng.choice(self.clinicians)
        dates = self._session_dates()
        products = list(PRODUCTS)
        first_product = rng.choices(products, weights=[PRODUCTS[p][0] for p in products])[0]
        switched = rng.choice([p for p in products if p is not first_product])
        switch_at = rng.randrange(len(dates)) if rng.random() < 0.1 else len(dates)
        roll = rng.random()
        affected = (
            AffectedSide.LEFT
            if roll < 0.5
            else AffectedSide.RIGHT
            if roll < 0.98
            else AffectedSide.BILATERAL
        )
        birth = today - timedelta(days=round(rng.randint(45, 88) * 365.25) + rng.randint(0, 364))
        onset = max(
            dates[0] - timedelta(days=rng.randint(180, 3650)), birth + timedelta(days=30 * 365)
        )
        diagnosed = min(onset + timedelta(days=rng.randint(30, 700)), dates[0])
        rows["diagnoses"].append(
            (
                self.ids.take("diagnoses"), patient_id, affected.value, onset, diagnosed,
                icd10_code(affected), SNOMED_HEMIFACIAL_SPASM, rng.random() < 0.1,
                stamp(diagnosed), stamp(diagnosed),
            )
        )  # fmt: skip
        if rng.random() < 0.8:
            studied = min(diagnosed + timedelta(days=rng.randint(0, 60)), dates[0])
            rows["mri_studies"].append(self._mri(patient_id, studied))

        plans: dict[Product, list[Site]] = {}
        for index, day in enumerate(dates):
            product = first_product if index < switch_at else switched
            if product not in plans:
                plans[product] = self._plan(affected, PRODUCTS[product][2])
            injector = clinician if rng.random() < 0.85 else rng.choice(self.clinicians)
            next_day = dates[index + 1] if index + 1 < len(dates) else None
            self._session(rows, patient_id, day, next_day, product, plans[product], injector)

        self._videos(rows, patient_id, dates)
        last = dates[-1]
        last_product = first_product if len(dates) - 1 < switch_at else switched
        sex = rng.choices(("female", "male", "unknown"), weights=(64, 35, 1))[0]
        rows["patients"].append(
            (
                patient_id, self.clinic_id, f"BENCH-{number:06d}", f"Bench Patient {number}",
                birth, sex, clinician, last, last_product.value,
                last + timedelta(days=INTERVAL_DAYS), stamp(diagnosed), stamp(last),
            )
        )  # fmt: skip

    def _videos(self, rows: dict[str, list[Row]], patient_id: int, dates: list[date]) -> None:
        """Two analysed videos: 3 days before the last-but-one session and 4 weeks after it."""
        if len(dates) < 2:
            return
        result = json.dumps(SAMPLE_RESULT)
        for recorded in (dates[-2] - timedelta(days=3), dates[-2] + timedelta(days=28)):
            rows["video_analyses"].append(
                (self.ids.take("video_analyses"), patient_id, recorded, result,
                 *SAMPLE_COLUMNS.values(), stamp(recorded), stamp(recorded))
            )  # fmt: skip

    def _session_dates(self) -> list[date]:
        """Oldest first: every 84-100 days over the span, up to a recent (or lapsed) last visit."""
        rng = self.rng
        if rng.random() < 0.08:  # lapsed: no visit for 4 months to 3 years
            last = self.today - timedelta(days=rng.randint(120, 1100))
        else:
            last = self.today - timedelta(days=rng.randint(1, 104))
        dates = [last]
        while dates[-1] - timedelta(days=100) >= last - self.span:
            dates.append(dates[-1] - timedelta(days=rng.randint(84, 100)))
        dates.reverse()
        return dates

    def _mri(self, patient_id: int, studied: date) -> Row:
        rng = self.rng
        found = rng.random() < 0.85
        return (
            self.ids.take("mri_studies"), patient_id, studied,
            json.dumps(list(MRI_SEQUENCES[: rng.randint(2, 3)])), found,
            json.dumps([rng.choice(VESSELS)] if found else []),
            "root_exit_zone" if found else None,
            rng.choice(("contact", "compression")) if found else None,
            rng.random() < 0.05, stamp(studied), stamp(studied),
        )  # fmt: skip

    def _units(self, muscle: Muscle, factor: float) -> float:
        return factor * self.rng.choice(LOWER_UNITS if muscle.is_lower_face else UPPER_UNITS)

    def _plan(self, affected: AffectedSide, factor: float) -> list[Site]:
        """A patient's usual sites for one product: the eye, often more, 8-11 in all."""
        rng = self.rng
        if affected is AffectedSide.BILATERAL:
            sides = [InjectionSide.LEFT, InjectionSide.RIGHT]
        else:
            sides = [InjectionSide(affected.value)]
        main = rng.choice(sides)
        plan = [Site(m, side, self._units(m, factor)) for side in sides for m in EYE_SITES]
        if len(sides) == 1 and rng.random() < 0.5:
            other = InjectionSide.RIGHT if main is InjectionSide.LEFT else InjectionSide.LEFT
            plan.append(Site(rng.choice(BALANCING_SITES), other, factor * 1.25))
        pool = dict(OPTIONAL_SITES)
        target = rng.randint(8, 11)
        while len(plan) < target:
            muscle = rng.choices(list(pool), weights=list(pool.values()))[0]
            del pool[muscle]
            plan.append(Site(muscle, main, self._units(muscle, factor)))
        return plan

    def _session(
        self,
        rows: dict[str, list[Row]],
        patient_id: int,
        day: date,
        next_day: date | None,
        product: Product,
        plan: list[Site],
        injector: int,
    ) -> None:
        """One session with its sites, course, and the assessment, rating or effect after it."""
        rng, ids, today = self.rng, self.ids, self.today
        session_id = ids.take("injection_sessions")
        began = peak = wore_off = reporter = None
        if rng.random() < 0.85:
            began = day + timedelta(days=rng.randint(2, 6))
            peak = began + timedelta(days=rng.randint(7, 18))
            if next_day is not None:
                wore_off = next_day - timedelta(days=rng.randint(0, 20))
            else:
                wore_off = day + timedelta(days=rng.randint(70, 100))
            if wore_off >= today:
                wore_off = None
            if peak >= today:
                began = peak = None
            if began is not None or wore_off is not None:
                reporter = "patient" if rng.random() < 0.6 else "clinician"
        rows["injection_sessions"].append(
            (
                session_id, patient_id, day, injector, product.value,
                f"B{rng.randrange(100_000):05d}", day + timedelta(days=rng.randint(180, 700)),
                rng.choice(PRODUCTS[product][1]), began, peak, wore_off, reporter,
                stamp(day), stamp(day),
            )
        )  # fmt: skip
        sites = list(plan)
        if rng.random() < 0.15 and len(sites) > len(EYE_SITES):  # one site left out this time
            del sites[rng.randrange(len(EYE_SITES), len(sites))]
        if rng.random() < 0.15:  # one site added this time
            used = {s.muscle for s in sites if s.side is plan[0].side}
            extra = rng.choice([m for m in OPTIONAL_SITES if m not in used] or list(EYE_SITES))
            sites.append(Site(extra, plan[0].side, self._units(extra, PRODUCTS[product][2])))
        site_rows = rows["injection_sites"]
        for site in sites:
            site_rows.append(
                (ids.take("injection_sites"), session_id, site.muscle.value, site.side.value,
                 site.units)
            )  # fmt: skip

        if rng.random() < 0.5:
            rows["assessments"].append(
                (
                    ids.take("assessments"), patient_id, day, injector, rng.randint(1, 4),
                    rng.randint(1, 4), rng.randint(1, 4),
                    rng.randint(0, 28) if rng.random() < 0.4 else None, stamp(day), stamp(day),
                )
            )  # fmt: skip
        rated = day + timedelta(days=rng.randint(20, 60))
        if rng.random() < 0.75 and rated < today:
            rows["self_ratings"].append(
                (ids.take("self_ratings"), patient_id, rated, rng.randint(0, 10), stamp(rated),
                 stamp(rated))
            )  # fmt: skip
        onset = day + timedelta(days=rng.randint(3, 10))
        if rng.random() < 0.03 and onset < today:
            resolved: date | None = onset + timedelta(days=rng.randint(7, 40))
            if resolved is not None and resolved >= today:
                resolved = None
            effect = rng.choices(list(ADVERSE), weights=list(ADVERSE.values()))[0]
            rows["adverse_events"].append(
                (
                    ids.take("adverse_events"), patient_id, session_id, effect.value,
                    "mild" if rng.random() < 0.8 else "moderate", onset, resolved,
                    "patient" if rng.random() < 0.7 else "clinician", stamp(onset), stamp(onset),
                )
            )  # fmt: skip


def recreate_schema(conninfo: str, schema: str) -> None:
    """Drop ``schema`` (with everything in it) and create it empty."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')


@dataclass(frozen=True)
class Accounts:
    """The clinic, its clinicians, and the logins the benchmarks use."""

    clinic_id: int
    clinician_ids: list[int]
    token: str
    """A bearer token of the first clinician (API benchmark)."""
    clinician_cookies: list[str]
    """A browser session of each clinician (page benchmark)."""


def create_accounts(url: str) -> Accounts:
    """The clinic, its clinicians, a bearer token and browser sessions."""
    engine = make_engine(url)
    # The passwords are random and never used: a cheap hash keeps the seeding quick.
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        with make_session_factory(engine)() as db:
            clinic = get_or_create_clinic(db, CLINIC_NAME)
            clinic.interval_days = clinic.min_interval_days = INTERVAL_DAYS
            clinic.due_soon_days = 14
            users = [
                create_user(
                    db,
                    hasher=hasher,
                    clinic=clinic,
                    email=f"clinician{i}@bench.example",
                    password=new_token(),
                    role=Role.CLINICIAN,
                    display_name=f"Bench Clinician {i}",
                )
                for i in range(1, CLINICIANS + 1)
            ]
            year = timedelta(days=365)
            token = open_session(db, users[0], kind="bearer", lifetime=year).token
            cookies = [open_session(db, u, kind="cookie", lifetime=year).token for u in users]
            db.commit()
            return Accounts(clinic.id, [u.id for u in users], token, cookies)
    finally:
        engine.dispose()


def create_patient_logins(url: str, clinic_id: int, patient_ids: Sequence[int]) -> list[str]:
    """A login and an open browser session for each of ``patient_ids``: the session tokens."""
    engine = make_engine(url)
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        with make_session_factory(engine)() as db:
            clinic = db.get_one(Clinic, clinic_id)
            cookies = []
            for patient_id in patient_ids:
                user = create_user(
                    db,
                    hasher=hasher,
                    clinic=clinic,
                    email=f"patient{patient_id}@bench.example",
                    password=new_token(),
                    role=Role.PATIENT,
                    display_name=f"Bench Patient {patient_id}",
                    patient_id=patient_id,
                )
                login = open_session(db, user, kind="cookie", lifetime=timedelta(days=365))
                cookies.append(login.token)
            db.commit()
            return cookies
    finally:
        engine.dispose()


def copy_rows(conn: psycopg.Connection, table: str, rows: Sequence[Row]) -> None:
    """COPY ``rows`` into ``table`` (columns as in ``COLUMNS``)."""
    columns = ", ".join(COLUMNS[table])
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


FOREIGN_KEYS = """
SELECT c.conname, child.relname, a.attname, parent.relname
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""


def check_foreign_keys(conn: psycopg.Connection) -> None:
    """Refuse the load if any row points at a missing parent (the checks were off during COPY)."""
    for name, child, column, parent in conn.execute(FOREIGN_KEYS).fetchall():
        row = conn.execute(
            f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{column})"
        ).fetchone()
        if row and row[0]:
            raise RuntimeError(f"{row[0]} rows of {child} break the foreign key {name}")


def load(conninfo: str, generator: PatientGenerator, *, patients: int) -> dict[str, int]:
    """Generate and COPY every patient's rows in one transaction; row counts by table.

    Foreign keys are checked once at the end rather than row by row (twice as fast): the
    session runs with ``session_replication_role = replica``, which needs a superuser; without
    one, the rows are checked as they arrive.
    """
    counts = dict.fromkeys(COLUMNS, 0)
    with psycopg.connect(conninfo) as conn:
        try:
            conn.execute("SET session_replication_role = replica")
            deferred_checks = True
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            deferred_checks = False
        conn.execute("SET synchronous_commit = off")
        for chunk in generator.chunks(patients, CHUNK_PATIENTS):
            for table, rows in chunk.items():
                copy_rows(conn, table, rows)
                counts[table] += len(rows)
        for table in COLUMNS:  # the ids were given explicitly: move the sequences past them
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        if deferred_checks:
            check_foreign_keys(conn)
        conn.commit()
    return counts


def vacuum_analyze(conninfo: str) -> None:
    """Statistics and visibility map of the loaded tables, as autovacuum would leave them."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for table in (*COLUMNS, "clinics", "dose_limits", "users", "auth_sessions"):
            conn.execute(f"VACUUM (ANALYZE) {table}")


def count_overdue(conninfo: str, today: date) -> int:
    """Patients whose next session was due before today."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM patients WHERE next_due_on < %s", (today,)
        ).fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="the database (default: %(default)s)")
    parser.add_argument("--schema", default="bench", help="dropped and recreated (default: bench)")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=8, help="of sessions per patient")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    reserved = args.schema in ("public", "information_schema") or args.schema.startswith("pg_")
    if reserved or not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.schema):
        parser.error(f"--schema must be a plain lower-case name, not public; got {args.schema!r}")
    if args.patients < 1 or args.years < 1:
        parser.error(f"--patients and --years must be >= 1, got {args.patients} and {args.years}")
    url = args.url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    url_in_schema = schema_url(url, args.schema)
    today = date.today()

    started = time.perf_counter()
    recreate_schema(libpq_url(url), args.schema)
    upgrade_to_head(url_in_schema)
    accounts = create_accounts(url_in_schema)
    migrated = time.perf_counter()
    generator = PatientGenerator(
        seed=args.seed,
        today=today,
        years=args.years,
        clinic_id=accounts.clinic_id,
        clinicians=accounts.clinician_ids,
    )
    counts = load(libpq_url(url_in_schema), generator, patients=args.patients)
    patient_cookies = create_patient_logins(
        url_in_schema, accounts.clinic_id, range(1, min(PATIENT_LOGINS, counts["patients"]) + 1)
    )
    loaded = time.perf_counter()
    vacuum_analyze(libpq_url(url_in_schema))
    done = time.perf_counter()
    overdue = count_overdue(libpq_url(url_in_schema), today)

    WORK.mkdir(exist_ok=True)
    config = {
        "url": url_in_schema,
        "schema": args.schema,
        "token": accounts.token,
        "clinician_cookies": accounts.clinician_cookies,
        "patient_cookies": patient_cookies,
        "patient_ids": [1, counts["patients"]],
        "seeded_on": today.isoformat(),
        "seed": args.seed,
        "counts": counts,
    }
    CONFIG_FILE.write_text(json.dumps(config, indent=2) + "\n")
    print(f"Seeded schema {args.schema!r} on {today.isoformat()} (seed {args.seed}):")
    for table, n in counts.items():
        print(f"  {table:<20} {n:>10,}")
    print(f"  overdue today        {overdue:>10,}")
    print(
        f"Time: {done - started:.1f} s (schema and accounts {migrated - started:.1f} s, "
        f"generate and COPY {loaded - migrated:.1f} s, VACUUM ANALYZE {done - loaded:.1f} s)."
    )
    print(f"Wrote {CONFIG_FILE.relative_to(HERE.parent)} (holds a bearer token: keep it local).")


if __name__ == "__main__":
    main()
