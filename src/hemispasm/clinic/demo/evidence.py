"""The files behind a demo clinic's video analyses: the sample video kept as an upload, and the
report folder of a finished analysis job, so that the demo's reports show each event's trace and
frames and can be corrected, as the reports of uploaded videos are.

The sample videos are made and measured once (``videos``); giving each demo analysis its files
is a copy, not a second analysis. Older caches without a timeseries.csv give analyses without
evidence, as an analysis stored through the API has.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AnalysisJob, JobState, Upload
from hemispasm.clinic.demo.videos import RESULT_NAME, SampleResult
from hemispasm.clinic.jobs.runner import REPORTS_FOLDER
from hemispasm.clinic.services.audit import record_event
from hemispasm.clinic.services.uploads import stored_path
from hemispasm.report.folder import TIMESERIES_NAME

DEMO_REPORT_PREFIX = "demo-"
REQUEST = "hemispasm demo: a sample video's files for a demo analysis"


def attach_evidence(
    db: Session,
    *,
    sample: SampleResult,
    patient_id: int,
    analysis_id: int,
    uploaded_by: int,
    clinic_id: int,
    recorded_on: date,
    data_dir: Path,
) -> bool:
    """Store the sample's video as an upload of the patient and record a finished job whose
    report folder holds the sample's result and time series, for analysis ``analysis_id``;
    whether the sample had the files to do so. The rows join the caller's transaction, with a
    line in the audit log."""
    folder = sample.folder
    if folder is None:
        return False
    video = folder / str(sample.result["source"].get("file", ""))
    series = folder / TIMESERIES_NAME
    if not (video.is_file() and series.is_file()):
        return False
    sha256 = str(sample.result["source"]["sha256"])
    relative = stored_path(sha256, video.suffix.lstrip(".") or "mp4")
    _copy(video, data_dir / relative)
    report = Path(REPORTS_FOLDER) / f"{DEMO_REPORT_PREFIX}{analysis_id}"
    for name, source in ((TIMESERIES_NAME, series), (RESULT_NAME, folder / RESULT_NAME)):
        _copy(source, data_dir / report / name)
    now = utcnow()
    upload = Upload(
        patient_id=patient_id,
        sha256=sha256,
        size_bytes=video.stat().st_size,
        content_type="video/mp4",
        original_filename=video.name,
        stored_path=relative,
        uploaded_by=uploaded_by,
    )
    db.add(
        AnalysisJob(
            patient_id=patient_id,
            upload=upload,
            state=JobState.DONE,
            recorded_on=recorded_on,
            attempts=1,
            started_at=now,
            finished_at=now,
            video_analysis_id=analysis_id,
            report_path=report.as_posix(),
        )
    )
    db.flush()
    record_event(db, None, "create", "upload", entity_id=upload.id, patient_id=patient_id,
                 clinic_id=clinic_id, request=REQUEST)  # fmt: skip
    return True


def _copy(source: Path, target: Path) -> None:
    """``source`` at ``target`` (kept if already there), in folders only the owner can read:
    they show a face."""
    if target.exists():
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
