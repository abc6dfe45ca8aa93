"""``hemispasm demo``: the made-up history (a pure plan) and the demo clinic seeded from it.

The video part is stubbed with a stored result (``tests/data/result_synthetic_left.json``); one
slow test makes and measures real sample videos.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import stat
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hemispasm.cli import main
from hemispasm.clinic import commands
from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.base import Base
from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.models import AnalysisJob, Clinic, JobState, Patient, User, VideoAnalysis
from hemispasm.clinic.demo.logins import ACCOUNTS, LOGINS_FILE, read_logins
from hemispasm.clinic.demo.plan import INTERVAL_DAYS, make_plan
from hemispasm.clinic.demo.records import DemoPlan
from hemispasm.clinic.demo.seed import CLINIC_NAME, DemoReport
from hemispasm.clinic.demo.treatment import UNIT_FACTOR
from hemispasm.clinic.demo.videos import RESULT_NAME, SAMPLE_VIDEOS, SampleVideo
from hemispasm.clinic.domain.corrections import CorrectionAction
from hemispasm.clinic.domain.dosing import DEFAULT_LIMITS, SessionDoses, SiteDose, check_dose_limits
from hemispasm.clinic.domain.schedule import DueStatus, ScheduleRules, due_status, next_due
from hemispasm.clinic.domain.vocab import AdverseEffect, AffectedSide, Muscle, Role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import PatientFilter, list_patients
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, ConflictError
from hemispasm.report.folder import TIMESERIES_NAME
from tests.clinic.conftest import POSTGRES_URL, postgres_schema_url, skip_or_fail_without_postgres

TODAY = date(2026, 6, 15)  # a Monday
STORED_RESULT = json.loads(
    (Path(__file__).parents[1] / "data" / "result_synthetic_left.json").read_text(encoding="utf-8")
)
DEMO_MUSCLES = {
    Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER,
    Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER,
    Muscle.ORBICULARIS_OCULI_PRESEPTAL,
    Muscle.ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS,
    Muscle.ZYGOMATICUS_MAJOR,
    Muscle.RISORIUS,
    Muscle.DEPRESSOR_ANGULI_ORIS,
}
LABEL = re.compile(r"^Demo Patient \d+$")


def _plans() -> list[DemoPlan]:
    return [make_plan(seed=seed, today=TODAY, patients=24) for seed in (1, 2, 3)]


# --- the plan: pure, reproducible, clinically plausible --------------------------------------


def test_the_plan_is_the_same_for_the_same_seed_and_day() -> None:
    assert make_plan(seed=5, today=TODAY, patients=12) == make_plan(
        seed=5, today=TODAY, patients=12
    )
    assert make_plan(seed=5, today=TODAY, patients=12) != make_plan(
        seed=6, today=TODAY, patients=12
    )


def test_asking_for_more_patients_leaves_the_first_ones_as_they_were() -> None:
    few = make_plan(seed=1, today=TODAY, patients=4)
    many = make_plan(seed=1, today=TODAY, patients=10)
    assert many.patients[:4] == few.patients


def test_every_date_counts_back_from_today() -> None:
    for today in (TODAY, TODAY + timedelta(days=3), date(2031, 2, 28)):
        plan = make_plan(seed=1, today=today, patients=12)
        for p in plan.patients:
            dates = [s.session_on for s in p.sessions] + [r.rated_on for r in p.self_ratings]
            dates += [v.recorded_on for v in p.videos] + [a.onset_on for a in p.adverse_events]
            assert max(dates) <= today
            assert p.birth_date < p.onset_on <= p.diagnosed_on < p.sessions[0].session_on


@pytest.mark.parametrize(("patients", "seed"), [(0, 1), (1000, 1), (3, -1)])
def test_the_plan_refuses_impossible_sizes_and_seeds(patients: int, seed: int) -> None:
    with pytest.raises(ClinicalDataError, match=r"^(patients|seed): must be"):
        make_plan(seed=seed, today=TODAY, patients=patients)


def test_people_are_labels_with_obviously_made_up_record_numbers() -> None:
    plan = make_plan(seed=1, today=TODAY, patients=24)
    assert [p.name for p in plan.patients] == [f"Demo Patient {n}" for n in range(1, 25)]
    assert [p.mrn for p in plan.patients] == [f"DEMO-{n:04d}" for n in range(1, 25)]


def test_sessions_come_about_every_twelve_weeks_over_two_to_eight_years() -> None:
    gaps = []
    for plan in _plans():
        for p in plan.patients:
            days = [s.session_on for s in p.sessions]
            years = (TODAY - days[0]).days / 365.25
            assert 2 <= years <= 8, (p.number, years)
            surgery = p.surgery.surgery_on if p.surgery else None
            for before, after in itertools.pairwise(days):
                if surgery is not None and before < surgery < after:
                    continue  # the gap of the operation and the months free of spasms
                gaps.append((after - before).days)
    assert min(gaps) >= INTERVAL_DAYS  # never sooner than the clinic's minimum
    assert max(gaps) <= 130
    assert 84 <= statistics.median(gaps) <= 95


def test_doses_stay_within_the_default_limits_on_the_affected_side() -> None:
    for plan in _plans():
        for p in plan.patients:
            for s in p.sessions:
                doses = SessionDoses(
                    s.product,
                    s.dilution_units_per_0_1_ml,
                    tuple(SiteDose(x.muscle, x.side, x.units) for x in s.sites),
                )
                assert check_dose_limits(doses, DEFAULT_LIMITS[s.product]) == []
                factor = UNIT_FACTOR.get(s.product, 1.0)
                assert all(1.0 * factor <= x.units <= 5.0 * factor for x in s.sites)
                assert {x.muscle for x in s.sites} <= DEMO_MUSCLES
                if p.side is not AffectedSide.BILATERAL:
                    assert {x.side.value for x in s.sites} == {p.side.value}
                assert s.expiry_on > s.session_on and s.lot.startswith("DEMO-")


def test_doses_change_only_a_little_from_one_session_to_the_next() -> None:
    for plan in _plans():
        for p in plan.patients:
            for a, b in itertools.pairwise(p.sessions):
                if a.product is not b.product:
                    continue  # a change of product converts the doses
                total_a = sum(x.units for x in a.sites)
                total_b = sum(x.units for x in b.sites)
                assert abs(total_b - total_a) <= 3.75 * UNIT_FACTOR.get(a.product, 1.0)


def test_the_effect_begins_within_a_week_and_wears_off_after_two_to_three_months() -> None:
    reported = 0
    for plan in _plans():
        for p in plan.patients:
            for s in p.sessions:
                if s.effect_began_on is not None:
                    assert 3 <= (s.effect_began_on - s.session_on).days <= 7
                if s.effect_peak_on is not None:
                    assert s.effect_began_on is not None
                    assert 7 <= (s.effect_peak_on - s.effect_began_on).days <= 21
                if s.wore_off_on is not None:
                    reported += 1
                    assert 60 <= (s.wore_off_on - s.session_on).days <= 100
            last = p.sessions[-1]
            if last.session_on + timedelta(days=60) > TODAY:
                assert last.wore_off_on is None  # the effect of the latest one is still on
    assert reported > 100


def test_self_ratings_rise_as_the_effect_wears_off() -> None:
    early: list[int] = []
    late: list[int] = []
    for plan in _plans():
        for p in plan.patients:
            starts = [s.session_on for s in p.sessions]
            for r in p.self_ratings:
                since = min((r.rated_on - d).days for d in starts if d < r.rated_on)
                (early if since <= 40 else late).append(r.score)
    assert min(early + late) >= 0 and max(early + late) <= 10
    assert statistics.mean(early) + 2 < statistics.mean(late)


def test_side_effects_are_common_mild_ones_and_none_is_urgent() -> None:
    seen = set()
    for plan in _plans():
        for p in plan.patients:
            for a in p.adverse_events:
                seen.add(a.effect)
                assert not a.effect.urgent
                assert a.onset_on >= p.sessions[a.session_index].session_on
                assert a.resolved_on is None or a.onset_on <= a.resolved_on <= TODAY
    assert seen == {
        AdverseEffect.PTOSIS,
        AdverseEffect.LIP_OR_LOWER_FACE_WEAKNESS,
        AdverseEffect.INCOMPLETE_LID_CLOSURE_DRY_EYE,
    }
    assert make_plan(seed=9, today=TODAY, patients=2).patients[1].adverse_events


def test_one_patient_at_most_is_bilateral_and_two_had_decompression_surgery() -> None:
    for plan in _plans():
        sides = [p.side for p in plan.patients]
        assert sides.count(AffectedSide.BILATERAL) == 1
        operated = [p for p in plan.patients if p.surgery is not None]
        assert len(operated) == 2
        cured = next(p for p in operated if p.surgery and p.surgery.recurrence_on is None)
        recurred = next(p for p in operated if p.surgery and p.surgery.recurrence_on)
        assert cured.mri and cured.mri.compression_found
        assert cured.sessions[-1].session_on < cured.surgery.surgery_on  # type: ignore[union-attr]
        op = recurred.surgery
        assert op is not None and op.recurrence_on is not None
        assert not [s for s in recurred.sessions if op.surgery_on < s.session_on < op.recurrence_on]
        assert recurred.sessions[-1].session_on > op.recurrence_on
        assert sum(p.mri is not None for p in plan.patients) >= 16


@pytest.mark.parametrize("weekday", range(7))
def test_the_first_patients_are_due_soon_overdue_due_this_week_and_not_due(weekday: int) -> None:
    today = TODAY + timedelta(days=weekday)
    plan = make_plan(seed=1, today=today, patients=4)
    statuses = [
        due_status(p.sessions[-1].session_on, today=today, rules=ScheduleRules())
        for p in plan.patients
    ]
    assert statuses == [
        DueStatus.DUE_SOON,
        DueStatus.OVERDUE,
        DueStatus.DUE_SOON,
        DueStatus.NOT_DUE,
    ]
    monday = today - timedelta(days=today.weekday())
    this_week = next_due(plan.patients[2].sessions[-1].session_on)
    assert monday <= this_week <= monday + timedelta(days=6)
    due_soon = next_due(plan.patients[0].sessions[-1].session_on)
    assert due_soon > monday + timedelta(days=6)


def test_sample_videos_are_stored_before_and_four_weeks_after_an_injection() -> None:
    plan = make_plan(seed=1, today=TODAY, patients=4)
    for p in plan.patients[:3]:
        before, after = p.videos
        assert before.recorded_on in {s.session_on for s in p.sessions}
        assert (after.recorded_on - before.recorded_on).days == 28
        assert {before.video, after.video} <= set(SAMPLE_VIDEOS)
    assert plan.patients[3].videos == ()


def test_the_plan_reads_no_clock_and_touches_no_database() -> None:
    code = (
        "import sys, hemispasm.clinic.demo.plan; "
        "names = ('sqlalchemy', 'fastapi', 'cv2', 'mediapipe'); "
        "print(sorted(m for m in names if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# --- the seeded clinic -----------------------------------------------------------------------


@dataclass
class Seeded:
    """A data folder (and database) after one demo run."""

    settings: Settings
    report: DemoReport
    videos_made: list[str]


def _settings(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        embedded_worker=False,
    )


def _run(settings: Settings, calls: list[str], *, patients: int, seed: int = 1) -> DemoReport:
    def make(video: SampleVideo, folder: Path) -> dict[str, Any]:
        calls.append(video.key)
        return copy.deepcopy(STORED_RESULT)

    return commands.demo(settings, patients=patients, seed=seed, today=TODAY, make_video=make)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """Nine demo patients (every special case) on each backend."""
    data_dir = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        settings = _settings(data_dir)
        calls: list[str] = []
        yield Seeded(settings, _run(settings, calls, patients=9), calls)
        return
    skip_or_fail_without_postgres()
    schema = f"hs_demo_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        settings = _settings(data_dir, postgres_schema_url(schema))
        calls = []
        yield Seeded(settings, _run(settings, calls, patients=9), calls)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def rolled_back(settings: Settings) -> Iterator[Session]:
    """A session whose every change is undone afterwards (reads through audited services)."""
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            outer = conn.begin()
            db = Session(bind=conn, join_transaction_mode="create_savepoint")
            try:
                yield db
            finally:
                db.close()
                outer.rollback()
    finally:
        engine.dispose()


@contextmanager
def _disposing(engine: Engine) -> Iterator[None]:
    try:
        yield
    finally:
        engine.dispose()


def row_counts(settings: Settings) -> dict[str, int]:
    """Rows of every table."""
    engine = make_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_seeding_writes_the_whole_history_through_the_services(seeded: Seeded) -> None:
    report = seeded.report
    assert report.clinic_created and report.patients_added == 9
    added = report.records_added
    for kind in ("diagnoses", "injection sessions", "cycle courses", "assessments"):
        assert added[kind] > 0, kind
    assert added["self-ratings"] > 0 and added["adverse effects"] > 0
    assert added["surgeries"] == 2 and added["video analyses"] == 6 and added["accounts"] == 3
    counts = row_counts(seeded.settings)
    assert counts["patients"] == 9 and counts["injection_sessions"] == added["injection sessions"]
    # every write went through a use case, so each left its line in the audit log
    assert counts["audit_events"] >= sum(added.values()) - added["injection sites"]
    assert sorted(seeded.videos_made) == ["blinks", "mild", "severe"]


def test_running_it_again_changes_nothing_and_says_so(seeded: Seeded) -> None:
    before = row_counts(seeded.settings)
    calls: list[str] = []
    again = _run(seeded.settings, calls, patients=9)
    assert row_counts(seeded.settings) == before
    assert not again.changed and again.patients_added == 0 and not again.clinic_created
    assert calls == []  # no video is made again, and none is even needed
    assert [login.password for login in again.logins] == [
        login.password for login in seeded.report.logins
    ]
    assert all(login.problem is None for login in again.logins)


def test_the_worklist_has_overdue_due_soon_and_due_this_week_patients(seeded: Seeded) -> None:
    with rolled_back(seeded.settings) as db:
        clinic_id = db.scalar(select(Clinic.id).where(Clinic.name == CLINIC_NAME))
        clinician = db.scalar(select(User).where(User.email == ACCOUNTS[1][1]))
        assert clinic_id is not None and clinician is not None
        actor = Actor(clinician.id, clinic_id, Role.CLINICIAN, today=TODAY)
        totals = {
            due: list_patients(db, actor, PatientFilter(due=due), page=1, page_size=50).total
            for due in ("overdue", "due_soon", "due_this_week")
        }
    assert all(totals.values()), totals


def test_the_demo_clinic_has_a_fictional_phone_number_for_its_patients(seeded: Seeded) -> None:
    with rolled_back(seeded.settings) as db:
        phone = db.scalar(select(Clinic.phone).where(Clinic.name == CLINIC_NAME))
    assert phone == "+1 202 555 0100"  # 555-0100 to 555-0199: set aside for fiction


def test_the_logins_work_and_their_file_is_readable_by_the_owner_only(seeded: Seeded) -> None:
    path = seeded.settings.data_dir / LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passwords = read_logins(path)
    assert set(passwords) == {email for _, email, _ in ACCOUNTS}
    assert len(set(passwords.values())) == 3 and all(len(p) >= 10 for p in passwords.values())
    engine = make_engine(seeded.settings.sqlalchemy_url)
    app = create_app(seeded.settings, engine=engine, clock=lambda: TODAY)
    with _disposing(engine), TestClient(app, base_url="https://testserver") as client:

        def token(email: str, password: str) -> dict[str, str]:
            answer = client.post("/api/v1/auth/token", json={"email": email, "password": password})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        wrong = {"email": ACCOUNTS[1][1], "password": "not the demo password"}
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
        clinician = token(ACCOUNTS[1][1], passwords[ACCOUNTS[1][1]])
        overdue = client.get("/api/v1/patients?due=overdue", headers=clinician).json()
        assert overdue["total"] >= 1
        patient = token(ACCOUNTS[2][1], passwords[ACCOUNTS[2][1]])
        me = client.get("/api/v1/auth/me", headers=patient).json()
        assert me["role"] == "patient" and me["display_name"] == "Demo Patient 1"
        summary = client.get(f"/api/v1/patients/{me['patient_id']}/summary", headers=patient)
        assert summary.status_code == 200 and len(summary.json()["video_analyses"]) == 2
        admin = token(ACCOUNTS[0][1], passwords[ACCOUNTS[0][1]])
        refused = client.get(f"/api/v1/patients/{me['patient_id']}", headers=admin)
        assert refused.status_code == 403


def test_no_one_in_the_demo_clinic_has_a_real_looking_name(seeded: Seeded) -> None:
    with rolled_back(seeded.settings) as db:
        names = db.scalars(select(Patient.name)).all()
        users = db.scalars(select(User.display_name)).all()
        mrns = db.scalars(select(Patient.mrn)).all()
    assert names and all(LABEL.match(name) for name in names)
    assert sorted(users) == ["Demo Admin", "Demo Clinician", "Demo Patient 1"]
    assert all(re.fullmatch(r"DEMO-\d{4}", mrn) for mrn in mrns)


def test_videos_are_stored_as_analyses_four_weeks_apart(seeded: Seeded) -> None:
    with rolled_back(seeded.settings) as db:
        rows = db.execute(
            select(VideoAnalysis.patient_id, VideoAnalysis.recorded_on).order_by(
                VideoAnalysis.patient_id, VideoAnalysis.recorded_on
            )
        ).all()
    by_patient: dict[int, list[date]] = {}
    for patient_id, recorded_on in rows:
        by_patient.setdefault(patient_id, []).append(recorded_on)
    assert len(by_patient) == 3
    assert all((b - a).days == 28 for a, b in by_patient.values())


# --- other clinics, the logins file and the command line (SQLite) ---------------------------


def test_another_clinic_in_the_folder_is_left_as_it_is(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    commands.add_user(
        settings, clinic="Another Clinic", role="admin", email="boss@example.org",
        password="a long password 1",
    )  # fmt: skip
    before = row_counts(settings)
    _run(settings, [], patients=2)
    with rolled_back(settings) as db:
        other = db.scalar(select(Clinic.id).where(Clinic.name == "Another Clinic"))
        users = db.scalars(select(User.email).where(User.clinic_id == other)).all()
        patients = db.scalar(select(func.count()).where(Patient.clinic_id == other))
    assert users == ["boss@example.org"] and patients == 0
    assert row_counts(settings)["users"] == before["users"] + 3


def test_a_clinic_of_the_demo_name_made_by_someone_else_is_refused_and_untouched(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    commands.add_user(
        settings, clinic=CLINIC_NAME, role="admin", email="owner@example.org",
        password="a long password 1",
    )  # fmt: skip
    before = row_counts(settings)
    with pytest.raises(ConflictError, match=r"^clinic: a clinic called 'Demo Clinic' with 1 acc"):
        _run(settings, [], patients=2)
    assert row_counts(settings) == before
    assert not (tmp_path / LOGINS_FILE).exists()


def test_a_logins_file_readable_by_others_is_made_private_again(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _run(settings, [], patients=1)
    path = tmp_path / LOGINS_FILE
    path.chmod(0o644)
    again = _run(settings, [], patients=1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("readable by others" in note for note in again.notes)


def test_a_lost_logins_file_is_reported_and_not_replaced_with_wrong_passwords(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    _run(settings, [], patients=1)
    (tmp_path / LOGINS_FILE).unlink()
    again = _run(settings, [], patients=1)
    assert [login.password for login in again.logins] == [None, None, None]
    assert all("not in the logins file" in (login.problem or "") for login in again.logins)
    assert not (tmp_path / LOGINS_FILE).exists()


def test_the_command_prints_the_logins_and_how_to_serve_and_reuses_cached_videos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)
    monkeypatch.setenv("HEMISPASM_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("HEMISPASM_ARGON2_MEMORY_KIB", "8")
    data = tmp_path / "clinic"
    for video in SAMPLE_VIDEOS.values():  # cached: the command must not make any video
        folder = data / "demo-videos" / video.folder_name
        folder.mkdir(parents=True)
        (folder / RESULT_NAME).write_text(json.dumps(STORED_RESULT), encoding="utf-8")
    assert main(["demo", "--data", str(data), "--patients", "3", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    passwords = read_logins(data / LOGINS_FILE)
    assert "Demo Clinic created: 3 of 3 demo patients added" in out
    assert all(email in out and password in out for email, password in passwords.items())
    assert f"hemispasm serve --data {data}" in out and "from the cache" in out
    assert main(["demo", "--data", str(data), "--patients", "3", "--seed", "4"]) == 0
    assert "nothing to do, nothing changed" in capsys.readouterr().out


def test_the_command_refuses_a_negative_seed_with_exit_code_11(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--data", str(tmp_path), "--seed", "-3"]) == 11
    assert "seed: must be an integer >= 0, but got -3" in capsys.readouterr().err


@pytest.mark.slow
def test_real_sample_videos_are_made_measured_and_cached(tmp_path: Path) -> None:
    from hemispasm.clinic.demo.videos import sample_results

    made = sample_results(tmp_path, ["severe", "blinks"])
    severe, blinks = made["severe"].result, made["blinks"].result
    assert made["severe"].made and severe["affected_side"] == "left"
    assert severe["metrics"]["spasms_per_min"] > 0 == blinks["metrics"]["spasms_per_min"]
    assert severe["grades"]["jankovic_total"]["value"] > blinks["grades"]["jankovic_total"]["value"]
    again = sample_results(tmp_path, ["severe"], make=lambda video, folder: {})
    assert not again["severe"].made and again["severe"].result == severe


def test_sample_videos_with_their_time_series_give_reports_that_can_be_corrected(
    tmp_path: Path,
) -> None:
    from hemispasm.clinic.services.corrections import EventChange, correct_event, get_review
    from tests.clinic.jobs.helpers import write_video
    from tests.clinic.reviews import timeseries_csv

    def make(video: SampleVideo, folder: Path) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)
        clip = write_video(folder / "clip.mp4", seconds=12.0)
        result = copy.deepcopy(STORED_RESULT)
        result["source"] |= {"file": clip.name, "sha256": f"{video.seed:064x}"}
        (folder / TIMESERIES_NAME).write_text(timeseries_csv(result), encoding="utf-8")
        return result

    settings = _settings(tmp_path)
    report = commands.demo(settings, patients=9, seed=1, today=TODAY, make_video=make)

    assert report.records_added["video reports with evidence"] == 6
    with rolled_back(settings) as db:
        jobs = db.scalars(select(AnalysisJob).order_by(AnalysisJob.id)).all()
        assert len(jobs) == 6 and all(job.state is JobState.DONE for job in jobs)
        job = jobs[0]
        clinician = db.scalars(select(User).where(User.role == Role.CLINICIAN)).one()
        actor = Actor(clinician.id, clinician.clinic_id, Role.CLINICIAN, today=TODAY)
        pid, aid = job.patient_id, int(job.video_analysis_id or 0)
        review = get_review(db, actor, pid, aid, data_dir=settings.data_dir)
        assert review.files.timeseries is not None and review.files.video is not None
        change = EventChange(CorrectionAction.REJECT)
        correct_event(db, actor, pid, aid, "e1", change, data_dir=settings.data_dir)
        assert db.get_one(VideoAnalysis, aid).spasms_per_min == 15.0
    assert len(list((tmp_path / "uploads").rglob("*.mp4"))) == 3  # one file per sample video


def test_the_report_counts_the_patient_cured_by_surgery_as_no_longer_due(seeded: Seeded) -> None:
    due = seeded.report.due_counts
    assert due.get(DueStatus.STOPPED_AFTER_SURGERY) == 1, due
    assert sum(due.values()) == seeded.report.patients_added
