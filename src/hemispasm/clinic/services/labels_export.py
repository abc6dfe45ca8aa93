"""The events of a video analysis as they stand, as hand labels (``hemispasm.labels/1``) to
download: the clinic's corrected videos become labelled data that ``hemispasm evaluate`` scores
the analyzer against. Clinicians only; every export is audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

import hemispasm
from hemispasm.clinic.domain.corrections import CorrectionAction, detected_events, review_events
from hemispasm.clinic.services.access import get_patient_for
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.corrections import (
    PART,
    correction_rows,
    diagnosis_side,
    load_analysis,
    steps_of,
)
from hemispasm.clinic.services.report_files import TimeseriesError, read_series, report_files_of
from hemispasm.clinic.services.videos import stored_result
from hemispasm.errors import ClinicalDataError
from hemispasm.labels.corrections import ReviewedLabel, labels_from_review
from hemispasm.labels.format import LABELS_SUFFIX, LabelledSubject, LabelSource, dumps_labels

CONDITIONS = ("hfs", "healthy")


@dataclass(frozen=True)
class LabelExport:
    """A label file to download."""

    filename: str
    text: str


NOTES = {
    None: "as detected; not reviewed by a clinician",
    CorrectionAction.CONFIRM: "confirmed by a clinician",
    CorrectionAction.RELABEL: "relabelled by a clinician",
    CorrectionAction.ADD: "added by a clinician (missed by the analysis)",
}


def _subject(diagnosis_side: str | None, condition: str | None) -> LabelledSubject:
    """The subject from the recorded diagnosis, or, without one, from the clinician's choice."""
    if diagnosis_side is not None:
        if condition not in (None, "", "hfs"):
            raise ClinicalDataError(
                "condition", "the patient has a diagnosis of hemifacial spasm recorded: hfs"
            )
        if diagnosis_side == "left":
            return LabelledSubject(condition="hfs", affected_side="left")
        if diagnosis_side == "right":
            return LabelledSubject(condition="hfs", affected_side="right")
        return LabelledSubject(condition="hfs", notes=f"HFS recorded as {diagnosis_side}")
    if condition == "healthy":
        return LabelledSubject(condition="healthy")
    if condition == "hfs":
        return LabelledSubject(condition="hfs", notes="no HFS diagnosis recorded; side not given")
    raise ClinicalDataError(
        "condition",
        "no diagnosis of hemifacial spasm is recorded for this patient: choose hfs or healthy",
    )


def export_labels(
    db: Session,
    actor: Actor,
    patient_id: int,
    analysis_id: int,
    *,
    condition: str | None,
    data_dir: Path,
) -> LabelExport:
    """The events as they stand, as a ``hemispasm.labels/1`` file naming the stored video and
    its SHA-256; audited as an export. ``condition`` (``hfs`` or ``healthy``) is needed only when
    the patient has no HFS diagnosis recorded."""
    get_patient_for(db, actor, patient_id, part=PART, action="export", entity_id=analysis_id)
    row = load_analysis(db, patient_id, analysis_id)
    subject = _subject(diagnosis_side(db, patient_id), condition)
    files = report_files_of(db, analysis_id, data_dir)
    result = stored_result(row.result)
    reviewed = review_events(detected_events(result), steps_of(correction_rows(db, analysis_id)))
    db.commit()
    series = None
    if files.timeseries is not None:
        try:
            series = read_series(files.timeseries)
        except TimeseriesError:
            series = None  # the labels keep their times; only the frame numbers are left out
    source = result.source
    video_file = files.video_name or source.file or f"{source.sha256}.mp4"
    counts = {a: sum(r.state == a for r in reviewed) for a in (None, *CorrectionAction)}
    method = (
        f"events found by hemispasm {result.software.version}, then "
        f"reviewed by a clinician in the clinic's report (hemispasm {hemispasm.__version__}): "
        f"{counts[CorrectionAction.CONFIRM]} confirmed, {counts[CorrectionAction.RELABEL]} "
        f"relabelled, {counts[CorrectionAction.REJECT]} rejected and left out, "
        f"{counts[CorrectionAction.ADD]} added, {counts[None]} left as detected"
    )
    labels = labels_from_review(
        [ReviewedLabel(r.current, NOTES[r.state]) for r in reviewed if r.current is not None],
        video_file=video_file,
        sha256=source.sha256,
        subject=subject,
        labelled_by="clinician",
        method=method,
        timestamps_s=None if series is None else series.measurements.timestamps_s,
        fps=source.fps_nominal or None,
        excluded=[
            (a, b, "the face could not be measured") for a, b in result.quality.unusable_spans
        ],
        source=LabelSource(origin="recorded for clinical care; exported from the clinic's records"),
    )
    return LabelExport(f"{Path(video_file).stem}{LABELS_SUFFIX}", dumps_labels(labels))
