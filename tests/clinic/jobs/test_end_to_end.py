"""The real analysis of a short synthetic spasm video, uploaded and analysed in the background:
by the server's embedded worker, and by a ``hemispasm worker`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.models import JobState, User
from hemispasm.clinic.jobs.queue import JobQueue
from hemispasm.clinic.services.accounts import open_session
from hemispasm.clinic.settings import Settings
from hemispasm.synth.generate import SynthResult, make_synthetic_video
from tests.clinic.jobs.helpers import TODAY, Clinic, upload, wait_for_state

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def spasm_video(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Eight seconds of left-sided spasms (a clonic burst and a tonic spasm), 320x240."""
    out = tmp_path_factory.mktemp("e2e")
    return make_synthetic_video(out, seed=42, side="left", duration_s=8.0, size=(320, 240))


def test_an_uploaded_video_is_measured_by_the_servers_embedded_worker(
    queue_settings: Settings, clinic: Clinic, spasm_video: SynthResult
) -> None:
    settings = queue_settings.model_copy(
        update={"embedded_worker": True, "database_url": clinic.url}
    )
    with clinic.session() as db:
        user = db.get(User, clinic.clinician.user_id)
        assert user is not None
        token = open_session(db, user, kind="bearer", lifetime=timedelta(hours=1)).token
        db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/patients/{clinic.patient.patient_id}"

    with TestClient(create_app(settings, clock=lambda: TODAY), base_url="https://x") as client:
        content = spasm_video.video_path.read_bytes()
        r = client.post(f"{base}/videos", files={"file": ("home.mp4", content)}, headers=headers)
        assert r.status_code == 202, r.text
        job = wait_for_state(clinic, r.json()["id"], "done", "failed", timeout_s=180)
        assert job.state is JobState.DONE, job.error
        analysis = client.get(f"{base}/video-analyses/{job.video_analysis_id}", headers=headers)

    assert analysis.status_code == 200, analysis.text
    measured = analysis.json()
    assert measured["affected_side"] == "left" and measured["spasms_per_min"] > 0
    report = settings.data_dir / f"reports/{job.id}"
    assert (report / "report.html").is_file()
    assert (
        json.loads((report / "result.json").read_text())["metrics"] == measured["result"]["metrics"]
    )


def test_a_hemispasm_worker_process_measures_a_queued_upload(
    queue_settings: Settings,
    clinic: Clinic,
    queue: JobQueue,
    spasm_video: SynthResult,
    tmp_path: Path,
) -> None:
    with clinic.session() as db:
        content = spasm_video.video_path.read_bytes()
        job_id = upload(db, clinic.patient, queue_settings, content, queue.enqueue)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEMISPASM_")}
    env |= {
        "HEMISPASM_CACHE_DIR": str(tmp_path / "cache"),
        "HEMISPASM_DATABASE_URL": clinic.url,
        "HEMISPASM_JOBS_QUEUE_NAME": queue_settings.jobs_queue_name,
    }
    if queue_settings.jobs_url is not None:
        env["HEMISPASM_JOBS_URL"] = queue_settings.jobs_url
    command = [
        sys.executable,
        "-m",
        "hemispasm.cli",
        "worker",
        "--data",
        str(queue_settings.data_dir),
    ]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            job = wait_for_state(clinic, job_id, "done", "failed", timeout_s=180)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    assert job.state is JobState.DONE, f"{job.error}\n{log.read_text()[-3000:]}"
    assert (queue_settings.data_dir / f"reports/{job_id}/report.html").is_file()
    assert not (tmp_path / "cache").exists()  # no landmark cache outside the data folder
