"""An analysed upload to review: the stored video, the job's report folder with a timeseries.csv
that matches the sample result's events, and the personas' actors. Shared by the tests of the
corrections' service, API and pages."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AnalysisJob, JobState, Upload, User
from hemispasm.clinic.jobs.runner import JobRunner
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.settings import Settings
from hemispasm.report.folder import TIMESERIES_NAME
from hemispasm.report.timeseries import COLUMNS
from tests.clinic.api.conftest import TODAY, World
from tests.clinic.jobs.helpers import RESULT, FakeAnalysis, upload, video_bytes

FPS = 30.0
REST_CLOSURE = 0.02


def actor_of(user: User) -> Actor:
    """The use cases' actor of a persona's user."""
    return Actor(user.id, user.clinic_id, user.role, patient_id=user.patient_id, today=TODAY)


def closures(
    result: Mapping[str, Any], fps: float = FPS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame times and the closure of each eye: at rest, with a triangular rise to each event's
    peak closure (the event's eye, or both eyes for a blink)."""
    duration = float(result["source"]["duration_s"])
    t = np.arange(round(duration * fps)) / fps
    left = np.full(t.shape, REST_CLOSURE)
    right = np.full(t.shape, REST_CLOSURE)
    for e in result["events"]:
        start, peak, end = float(e["start_s"]), float(e["peak_s"]), float(e["end_s"])
        rise = np.interp(t, [start, peak, end], [0.0, float(e["peak_closure"] or 0.0), 0.0])
        rise[(t < start) | (t > end)] = 0.0
        for eye, side in ((left, "left"), (right, "right")):
            if e["side"] in (side, "both"):
                np.maximum(eye, REST_CLOSURE + rise, out=eye)
    return t, left, right


def timeseries_csv(result: Mapping[str, Any], fps: float = FPS) -> str:
    """A timeseries.csv for ``result``, as the report writes it (only the columns read back are
    filled; every frame usable)."""
    t, left, right = closures(result, fps)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(t.size):
        row = dict.fromkeys(COLUMNS, "")
        row |= {
            "time_s": f"{t[i]:.6f}",
            "usable": "1",
            "face_found": "1",
            "closure_left": f"{left[i]:.6g}",
            "closure_right": f"{right[i]:.6g}",
        }
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()


def analysed_upload(
    db: Session,
    settings: Settings,
    sessions: Callable[[], Session],
    world: World,
    *,
    patient: str = "P1",
    result: Mapping[str, Any] | None = None,
    trace_of: Mapping[str, Any] | None = None,
    with_timeseries: bool = True,
) -> tuple[int, int]:
    """Upload a small video for ``patient`` as its clinic's clinician, run its job with the
    sample result (or ``result``) and add a timeseries.csv drawn from the events of ``trace_of``
    (default: the result's own): (patient id, analysis id)."""
    pid = world.patients[patient]
    clinician = actor_of(world["clinician_a" if patient != "Q1" else "clinician_b"].user)
    job_id = upload(db, clinician, settings, video_bytes(), lambda _: None, patient_id=pid)
    analyse = FakeAnalysis()
    if result is not None:
        analyse = _FixedResult(dict(result))
    JobRunner(settings, sessions, analyse=analyse, today=lambda: TODAY).run(job_id, retries_left=0)
    with sessions() as s:
        job = s.scalars(select(AnalysisJob).where(AnalysisJob.id == job_id)).one()
        report, aid = job.report_path, job.video_analysis_id
    assert report is not None and aid is not None
    if with_timeseries:
        path = settings.data_dir / report / TIMESERIES_NAME
        path.write_text(timeseries_csv(trace_of or result or RESULT), encoding="utf-8")
    return pid, aid


def attach_report(
    db: Session,
    settings: Settings,
    *,
    patient_id: int,
    analysis_id: int,
    uploaded_by: int,
    result: Mapping[str, Any],
) -> Path:
    """Record a finished job for an analysis stored through the API, as if it had been analysed
    from an upload (no video kept), with a report folder holding a timeseries.csv of its events:
    the folder."""
    upload = Upload(
        patient_id=patient_id,
        sha256=str(result["source"]["sha256"]),
        size_bytes=1,
        content_type="video/mp4",
        stored_path=f"uploads/attached-{analysis_id}.mp4",
        uploaded_by=uploaded_by,
        raw_deleted_at=utcnow(),
    )
    report = f"reports/attached-{analysis_id}"
    db.add(
        AnalysisJob(
            patient_id=patient_id,
            upload=upload,
            state=JobState.DONE,
            recorded_on=TODAY,
            attempts=1,
            video_analysis_id=analysis_id,
            report_path=report,
        )
    )
    db.commit()
    folder = settings.data_dir / report
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TIMESERIES_NAME).write_text(timeseries_csv(result), encoding="utf-8")
    return folder


def new_style_result() -> dict[str, Any]:
    """The sample result as the analysis now writes it: each event with its type, confidence,
    evidence and reason, and the reason for the affected side. Its second spasm is unsure."""
    result = copy.deepcopy(RESULT)
    confidences = iter((0.92, 0.3, 0.88, 0.95))
    for e in result["events"]:
        spasm = e["kind"] == "spasm"
        e["type"] = ("tonic" if e["tonic"] else "twitch") if spasm else "complete"
        e["confidence"] = next(confidences) if spasm else 0.97
        e["evidence"] = {
            "closing_rise": e["peak_closure"],
            "other_rise": 0.03 if spasm else e["peak_closure"],
            "expected_other_rise": round(0.8 * e["peak_closure"], 4),
            "closing_z": 9.5,
            "other_z": 1.2 if spasm else 8.0,
            "onset_lag_s": None if spasm else 0.0333,
        }
        e["reason"] = (
            "the left lid closed while the right stayed at rest"
            if spasm
            else "both lids closed together"
        )
    result["affected_side_reason"] = "3 of 3 confident spasms were of the left eye"
    return result


class _FixedResult(FakeAnalysis):
    """The stand-in analysis, returning a given result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__()
        self.result = result

    def __call__(self, video: Path, *, mirrored: bool, out_dir: Path) -> dict[str, Any]:
        written = super().__call__(video, mirrored=mirrored, out_dir=out_dir)
        return self.result | {
            "source": self.result["source"] | {"sha256": written["source"]["sha256"]}
        }
