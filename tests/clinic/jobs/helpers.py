"""Small videos, a stand-in for the analysis, and a clinic in a committed SQLite database.

Tests with real worker threads or processes cannot see the rows of a test's rolled-back
transaction, so they get their own migrated SQLite file with one clinic in it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hemispasm.clinic.db.engine import make_engine, make_session_factory
from hemispasm.clinic.db.migrate import upgrade_to_head
from hemispasm.clinic.db.models import AnalysisJob, Patient
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services.accounts import create_user, get_or_create_clinic, password_hasher
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.uploads import IncomingVideo, accept_upload
from hemispasm.clinic.settings import Settings
from hemispasm.video.writer import VideoWriter
from tests.clinic.conftest import skip_or_fail

TODAY = date(2026, 6, 15)
RESULT: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "data" / "result_synthetic_left.json").read_text()
)
REDIS_URL = os.environ.get("HEMISPASM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


# --- videos ---------------------------------------------------------------------------------------


def write_video(
    path: Path, *, seconds: float = 4.0, fps: int = 5, shade: int = 128, codec: str = "libx264"
) -> Path:
    """A small gray video (H.264 unless told): readable, but with no face in it."""
    with VideoWriter(path, fps=fps, width=32, height=32, codec=codec) as writer:
        for i in range(round(seconds * fps)):
            writer.write(np.full((32, 32, 3), shade, np.uint8), timestamp_s=i / fps)
    return path


@cache
def video_bytes(
    seconds: float = 4.0, shade: int = 128, suffix: str = ".mp4", codec: str = "libx264"
) -> bytes:
    """The bytes of ``write_video`` (made once per session for each set of arguments)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip{suffix}"
        return write_video(path, seconds=seconds, shade=shade, codec=codec).read_bytes()


# --- the analysis, stood in for -------------------------------------------------------------------


@dataclass
class FakeAnalysis:
    """Stands in for the pipeline: each call takes the next outcome ("ok", "block", or an
    exception to raise; the last outcome repeats), writes a report folder and returns a valid
    result for the video."""

    outcomes: list[Any] = field(default_factory=lambda: ["ok"])
    calls: list[Path] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    during: Callable[[], None] | None = None
    """Called in the middle of each analysis (to change the world under it)."""

    def __call__(self, video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]:
        outcome = self.outcomes[min(len(self.calls), len(self.outcomes) - 1)]
        self.calls.append(video)
        self.started.set()
        if self.during is not None:
            self.during()
        if outcome == "block":
            self.release.wait(30)
        elif isinstance(outcome, BaseException):
            raise outcome
        return write_fake_report(video, out_dir, mirrored=mirrored)


def write_fake_report(video: Path, out_dir: Path, *, mirrored: bool = False) -> dict[str, Any]:
    """A result.json for ``video`` (the synthetic result, with this video's hash) and a
    report.html beside it."""
    result = copy.deepcopy(RESULT)
    result["source"]["sha256"] = hashlib.sha256(video.read_bytes()).hexdigest()
    result["source"]["file"] = video.name
    result["source"]["mirrored"] = mirrored
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(json.dumps(result))
    (out_dir / "report.html").write_text("<!doctype html><title>report</title>")
    return result


# --- a clinic in its own database -----------------------------------------------------------------


@dataclass
class Clinic:
    """A committed database with one clinic, a clinician, and a patient with a login."""

    url: str
    engine: Engine
    clinician: Actor
    patient: Actor

    def session(self) -> Session:
        """A new session on the database."""
        return make_session_factory(self.engine)()


def make_clinic(tmp_path: Path, settings: Settings) -> Clinic:
    """Migrate a SQLite file in ``tmp_path`` and add a clinic to it."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url, poolclass=NullPool)
    hasher = password_hasher(settings)
    with make_session_factory(engine)() as db:
        clinic = get_or_create_clinic(db, "Clinic J")
        patient = Patient(clinic_id=clinic.id, mrn="J-1", name="Demo Patient J")
        db.add(patient)
        db.flush()
        clinician = create_user(
            db,
            hasher=hasher,
            clinic=clinic,
            email="clinician.j@example.org",
            password="a long password 1",
            role=Role.CLINICIAN,
        )
        patient_user = create_user(
            db,
            hasher=hasher,
            clinic=clinic,
            email="patient.j@example.org",
            password="a long password 1",
            role=Role.PATIENT,
            patient_id=patient.id,
        )
        db.commit()
        actors = (
            Actor(clinician.id, clinic.id, Role.CLINICIAN, today=TODAY),
            Actor(patient_user.id, clinic.id, Role.PATIENT, patient_id=patient.id, today=TODAY),
        )
    return Clinic(url, engine, *actors)


def upload(
    db: Session,
    actor: Actor,
    settings: Settings,
    content: bytes,
    enqueue: Callable[[int], None],
    *,
    patient_id: int | None = None,
) -> int:
    """Upload ``content`` as ``actor`` for their patient (or ``patient_id``); the new job's id."""
    incoming = IncomingVideo(
        settings.data_dir, max_bytes=settings.max_upload_bytes, filename="clip.mp4"
    )
    try:
        incoming.write(content)
        job = accept_upload(
            db,
            actor,
            data_dir=settings.data_dir,
            patient_id=patient_id or int(actor.patient_id or 0),
            incoming=incoming,
            recorded_on=None,
            mirrored=False,
            enqueue=enqueue,
        )
    finally:
        incoming.discard()
    return job.id


def job_row(clinic: Clinic, job_id: int) -> AnalysisJob:
    """The job as stored now."""
    with clinic.session() as db:
        job = db.get(AnalysisJob, job_id)
        assert job is not None
        return job


def wait_for(condition: Callable[[], bool], *, timeout_s: float = 20, what: str = "") -> None:
    """Poll ``condition`` until true; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what or condition}")
        time.sleep(0.05)


def wait_for_state(clinic: Clinic, job_id: int, *states: str, timeout_s: float = 20) -> AnalysisJob:
    """Wait until the job is in one of ``states``; the job then."""
    wait_for(
        lambda: job_row(clinic, job_id).state.value in states,
        timeout_s=timeout_s,
        what=f"job {job_id} to be {' or '.join(states)} (it is {job_row(clinic, job_id).state})",
    )
    return job_row(clinic, job_id)


# --- queue backends -------------------------------------------------------------------------------


def redis_unreachable() -> str | None:
    """None when Redis answers at REDIS_URL, else why not."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # any failure to connect means: not reachable
        return f"Redis at {REDIS_URL} is not reachable: {type(exc).__name__}: {exc}"
    return None


def skip_or_fail_without_redis() -> None:
    """Skip the test, or fail it when the run requires Redis (HEMISPASM_REQUIRE_REDIS=1)."""
    skip_or_fail(redis_unreachable(), required_by="HEMISPASM_REQUIRE_REDIS")


def jobs_settings(tmp_path: Path, backend: str, **overrides: Any) -> Settings:
    """Settings for a test's own data folder and queue (a unique Redis key prefix), with short
    leases and no delay between retries."""
    values: dict[str, Any] = {
        "environment": "test",
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "embedded_worker": False,
        "jobs_url": REDIS_URL if backend == "redis" else None,
        "jobs_queue_name": f"hemispasm_test_{uuid.uuid4().hex[:12]}",
        "job_retries": 2,
        "job_retry_delay_s": 0,
        "job_lease_s": 1.5,
        "job_lease_renew_s": 0.2,
        "job_recovery_interval_s": 0.2,
    }
    return Settings(**(values | overrides))


def expired(seconds: float = 5) -> Any:
    """A lease that ran out ``seconds`` ago."""
    from hemispasm.clinic.db.base import utcnow

    return utcnow() - timedelta(seconds=seconds)
