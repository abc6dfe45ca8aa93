"""A clinician's corrections of an analysis's events: stored, audited, counted in recomputed
figures, refused to others, and exported as labels that ``read_labels`` loads. On each database.

The sample result (tests/data/result_synthetic_left.json) has, in time order: e1 spasm left,
e2 blink, e3 spasm left, e4 spasm left, e5 blink, e6 blink, e7 tonic spasm left; 12 s of video.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import AuditEvent, Diagnosis, EventCorrection, Upload, VideoAnalysis
from hemispasm.clinic.domain.corrections import CorrectionAction
from hemispasm.clinic.services import corrections as svc
from hemispasm.clinic.services import labels_export
from hemispasm.clinic.services.records import update_record
from hemispasm.clinic.services.report_files import cached_frame, cut_frames
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from hemispasm.errors import ClinicalDataError, NotFoundError, PermissionDeniedError
from hemispasm.labels.format import read_labels
from hemispasm.report.contract import parse_result
from tests.clinic.api.conftest import World, world
from tests.clinic.jobs.helpers import RESULT
from tests.clinic.reviews import FPS, actor_of, analysed_upload, new_style_result
from tests.clinic.uploads import sessions, settings

__all__ = ["sessions", "settings", "world"]

CONFIRM, REJECT, RELABEL = (
    CorrectionAction.CONFIRM,
    CorrectionAction.REJECT,
    CorrectionAction.RELABEL,
)


@pytest.fixture
def analysis(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> tuple[int, int]:
    """P1's analysed video with the sample result and its per-frame data."""
    return analysed_upload(db, settings, sessions, world)


def correct(
    db: Session,
    world: World,
    settings: Settings,
    analysis: tuple[int, int],
    key: str,
    action: CorrectionAction,
    who: str = "clinician_a",
    **label: str,
) -> EventCorrection:
    pid, aid = analysis
    change = svc.EventChange(action, label.get("kind"), label.get("side"), label.get("type"))
    return svc.correct_event(
        db, actor_of(world[who].user), pid, aid, key, change, data_dir=settings.data_dir
    )


def stored(db: Session, aid: int) -> VideoAnalysis:
    db.expire_all()
    row = db.get(VideoAnalysis, aid)
    assert row is not None
    return row


def audit_rows(db: Session, *, entity: str, action: str) -> int:
    query = select(func.count()).where(AuditEvent.entity == entity, AuditEvent.action == action)
    return int(db.scalar(query) or 0)


# --- stored, recomputed, kept ------------------------------------------------------------------


def test_a_rejected_spasm_is_left_out_of_the_recomputed_figures(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    correct(db, world, settings, analysis, "e1", REJECT)

    row = stored(db, analysis[1])
    assert row.corrected_result is not None
    assert row.corrected_result["metrics"]["spasm_count"] == 3
    assert row.corrected_result["metrics"]["spasms_per_min"] == 15.0  # 3 in 12 s
    assert row.spasms_per_min == 15.0  # the column lists and charts read
    detected = parse_result(RESULT | {"source": row.result["source"]})
    assert parse_result(row.result) == detected  # the detected result kept
    assert row.result["metrics"]["spasm_count"] == 4
    assert row.corrected_by == world["clinician_a"].user.id and row.corrected_at is not None


def test_rejecting_spasms_until_too_few_leaves_no_side_named(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    correct(db, world, settings, analysis, "e1", REJECT)
    assert stored(db, analysis[1]).affected_side == "left"  # 3 spasms are still enough

    correct(db, world, settings, analysis, "e3", REJECT)

    row = stored(db, analysis[1])
    assert row.affected_side is None and row.corrected_result is not None
    assert "at least 3 confident spasms" in row.corrected_result["affected_side_reason"]
    assert row.corrected_result["metrics"]["pct_time_affected_eye_half_closed"] == 0.0


def test_a_spasm_relabelled_as_a_blink_counts_as_a_blink(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    made = correct(db, world, settings, analysis, "e3", RELABEL, kind="blink", side="both")

    corrected = stored(db, analysis[1]).corrected_result
    assert corrected is not None
    metrics = corrected["metrics"]
    assert (metrics["spasm_count"], metrics["blink_count"]) == (3, 4)
    assert (metrics["spasms_per_min"], metrics["blinks_per_min"]) == (15.0, 20.0)
    assert made.before is not None and made.after is not None
    assert (made.before["kind"], made.before["side"]) == ("spasm", "left")
    assert (made.after["kind"], made.after["side"], made.after["type"]) == ("blink", "both", None)


def test_a_blink_relabelled_as_a_tonic_spasm_of_the_right_eye_counts_there(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    correct(db, world, settings, analysis, "e2", RELABEL, kind="spasm", side="right", type="tonic")

    result = stored(db, analysis[1]).corrected_result
    assert result is not None
    assert result["metrics"]["spasm_count"] == 5 and result["metrics"]["tonic_spasm_count"] == 2
    [moved] = [e for e in result["events"] if e["side"] == "right"]
    assert moved["tonic"] is True and moved["start_s"] == RESULT["events"][1]["start_s"]


def test_an_added_event_counts_and_takes_its_peak_from_the_trace(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    missed = RESULT["events"][2]  # a spasm the analysis is made to miss; the trace still has it
    result = copy.deepcopy(RESULT)
    result["events"] = [e for e in RESULT["events"] if e is not missed]
    pid, aid = analysed_upload(db, settings, sessions, world, result=result, trace_of=RESULT)
    actor = actor_of(world["clinician_a"].user)
    new = svc.NewEvent(4.45, 4.8, "spasm", "left", "twitch")

    made = svc.add_event(db, actor, pid, aid, new, data_dir=settings.data_dir)

    assert made.event_key == "a1" and made.action is CorrectionAction.ADD
    assert made.after is not None
    assert made.after["peak_s"] == pytest.approx(missed["peak_s"], abs=0.5 / FPS)
    assert made.after["peak_closure"] == pytest.approx(missed["peak_closure"] + 0.02, abs=0.03)
    corrected = stored(db, aid).corrected_result
    assert corrected is not None and corrected["metrics"]["spasm_count"] == 4


def test_confirming_a_rejected_event_brings_it_back(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    correct(db, world, settings, analysis, "e1", REJECT)
    back = correct(db, world, settings, analysis, "e1", CONFIRM)

    assert back.before is None and back.after is not None and back.after["kind"] == "spasm"
    assert stored(db, analysis[1]).spasms_per_min == 20.0


def test_a_confirmed_unsure_spasm_counts_as_sure_for_the_side(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    result = new_style_result()  # e3 (the second spasm) has confidence 0.3
    pid, aid = analysed_upload(db, settings, sessions, world, result=result)
    correct(db, world, settings, (pid, aid), "e7", REJECT)
    assert stored(db, aid).affected_side is None  # two sure spasms and an unsure one

    correct(db, world, settings, (pid, aid), "e3", CONFIRM)

    assert stored(db, aid).affected_side == "left"


def test_every_correction_is_kept_with_who_and_what_and_audited(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    pid, aid = analysis
    before = audit_rows(db, entity="event_correction", action="create")
    correct(db, world, settings, analysis, "e1", REJECT)
    correct(db, world, settings, analysis, "e1", CONFIRM)
    correct(db, world, settings, analysis, "e2", RELABEL, kind="spasm", side="left")

    review = svc.get_review(db, actor_of(world["clinician_a"].user), pid, aid, data_dir=Path())
    assert [(h.key, h.action) for h in review.history] == [
        ("e2", RELABEL),
        ("e1", CONFIRM),
        ("e1", REJECT),
    ]
    assert {h.by for h in review.history} == {"Clinician A"}
    assert audit_rows(db, entity="event_correction", action="create") == before + 3
    rows = db.scalar(select(func.count()).where(EventCorrection.video_analysis_id == aid))
    assert rows == 3
    states = {e.key: e.state for e in review.events}
    assert states["e1"] is CONFIRM and states["e2"] is RELABEL and states["e3"] is None


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["patient_p1", "admin_a"])
def test_it_refuses_a_correction_by_anyone_but_a_clinician(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int], who: str
) -> None:
    with pytest.raises(PermissionDeniedError, match=r"cannot change event correction|admins"):
        correct(db, world, settings, analysis, "e1", REJECT, who=who)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(EventCorrection)) == 0


def test_a_clinician_of_another_clinic_finds_no_such_patient(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    with pytest.raises(NotFoundError, match=r"patient"):
        correct(db, world, settings, analysis, "e1", REJECT, who="clinician_b")


def test_it_refuses_a_blink_of_one_eye_naming_the_side(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    with pytest.raises(ClinicalDataError, match=r"^side: a blink closes both eyes"):
        correct(db, world, settings, analysis, "e1", RELABEL, kind="blink", side="left")


def test_it_refuses_a_blink_type_for_a_spasm_naming_the_type(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    with pytest.raises(ClinicalDataError, match=r"^type: a spasm is twitch"):
        correct(
            db, world, settings, analysis, "e1", RELABEL, kind="spasm", side="left", type="complete"
        )


def test_it_refuses_an_event_the_analysis_does_not_have(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    with pytest.raises(ClinicalDataError, match=r"^event: no event e8 in this analysis"):
        correct(db, world, settings, analysis, "e8", CONFIRM)


@pytest.mark.parametrize(
    ("start_s", "end_s", "message"),
    [
        (5.0, 4.0, "^end_s: 4 s is not after the start"),
        (11.0, 12.5, r"^end_s: 12.5 s is after the end of the video \(12.00 s\)"),
        (-1.0, 1.0, "^start_s: must be a time of 0 s or more"),
    ],
)
def test_it_refuses_an_added_event_outside_the_video(
    db: Session,
    world: World,
    settings: Settings,
    analysis: tuple[int, int],
    start_s: float,
    end_s: float,
    message: str,
) -> None:
    pid, aid = analysis
    new = svc.NewEvent(start_s, end_s, "blink", "both")
    with pytest.raises(ClinicalDataError, match=message):
        svc.add_event(
            db, actor_of(world["clinician_a"].user), pid, aid, new, data_dir=settings.data_dir
        )


def test_an_analysis_without_per_frame_data_cannot_be_corrected(
    db: Session, settings: Settings, sessions: Callable[[], Session], world: World
) -> None:
    analysis = analysed_upload(db, settings, sessions, world, with_timeseries=False)
    with pytest.raises(ClinicalDataError, match=r"^event: this analysis has no per-frame data"):
        correct(db, world, settings, analysis, "e1", REJECT)


def test_the_result_of_a_corrected_analysis_cannot_be_replaced(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    pid, aid = analysis
    correct(db, world, settings, analysis, "e1", REJECT)
    other = copy.deepcopy(RESULT)
    other["events"] = other["events"][:2]

    with pytest.raises(ClinicalDataError, match=r"^result: a clinician has corrected"):
        update_record(
            db, actor_of(world["clinician_a"].user), VIDEO_ANALYSES, pid, aid, {"result": other}
        )


# --- what a patient sees -----------------------------------------------------------------------


def test_a_patient_sees_the_corrected_figures_but_not_the_history(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    pid, aid = analysis
    correct(db, world, settings, analysis, "e1", REJECT)

    review = svc.get_review(db, actor_of(world["patient_p1"].user), pid, aid, data_dir=Path())

    assert review.result.metrics.spasm_count == 3
    assert review.corrected_by == "Clinician A"
    assert review.history == () and not review.may_correct
    with pytest.raises(PermissionDeniedError):
        svc.list_corrections(db, actor_of(world["patient_p1"].user), pid, aid)


# --- frames ------------------------------------------------------------------------------------


def test_an_events_frames_are_cut_from_the_stored_video_and_cached(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    pid, aid = analysis
    plan = svc.frame_plan(
        db, actor_of(world["clinician_a"].user), pid, aid, "e1", data_dir=settings.data_dir
    )
    assert plan.files.video is not None and plan.files.evidence_dir is not None
    assert [t for _, t in plan.moments] == pytest.approx([1.558, 1.8667, 2.2399])

    cut = cut_frames(
        plan.files.video, plan.moments, mirrored=False, evidence_dir=plan.files.evidence_dir
    )

    assert set(cut) == {"e1-before.jpg", "e1-peak.jpg", "e1-after.jpg"}
    assert all(data.startswith(b"\xff\xd8\xff") for data in cut.values())  # JPEG
    assert cached_frame(plan.files.evidence_dir, "e1-peak.jpg") == cut["e1-peak.jpg"]
    assert audit_rows(db, entity="event_correction", action="read") == 1


def test_a_deleted_video_has_no_frames_to_cut(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    pid, aid = analysis
    upload = db.scalars(select(Upload)).one()
    upload.raw_deleted_at = upload.created_at
    db.commit()

    plan = svc.frame_plan(
        db, actor_of(world["clinician_a"].user), pid, aid, "e1", data_dir=settings.data_dir
    )

    assert plan.files.video is None and plan.files.video_deleted
    assert plan.files.video_name == f"{upload.sha256}.mp4"


# --- the labels ---------------------------------------------------------------------------------


def export(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int], **kw: Any
) -> labels_export.LabelExport:
    pid, aid = analysis
    return labels_export.export_labels(
        db, actor_of(world["clinician_a"].user), pid, aid, data_dir=settings.data_dir, **kw
    )


def test_the_corrections_export_as_labels_that_read_labels_loads(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int], tmp_path: Path
) -> None:
    pid, aid = analysis
    correct(db, world, settings, analysis, "e1", REJECT)
    correct(db, world, settings, analysis, "e3", RELABEL, kind="blink", side="both")
    svc.add_event(
        db,
        actor_of(world["clinician_a"].user),
        pid,
        aid,
        svc.NewEvent(11.0, 11.3, "spasm", "right", "twitch"),
        data_dir=settings.data_dir,
    )
    upload = db.scalars(select(Upload)).one()

    made = export(db, world, settings, analysis, condition="hfs")
    path = tmp_path / made.filename
    path.write_text(made.text, encoding="utf-8")
    labels = read_labels(path)

    assert made.filename == f"{upload.sha256}.labels.json"
    assert labels.video.file == f"{upload.sha256}.mp4"
    assert labels.video.sha256 == stored(db, aid).result["source"]["sha256"] == upload.sha256
    assert labels.video.frames == 360 and labels.video.fps == 30.0
    assert labels.subject.condition == "hfs" and labels.subject.affected_side is None
    # times are those of the frames nearest the events' (30 fps: 1.808 s is frame 54, 1.8 s)
    got = [(e.kind, e.side, e.start_frame, e.start_s, e.note) for e in labels.events]
    assert len(got) == 7  # 7 detected, one rejected, one added
    assert [g[2] for g in got] == [82, 135, 150, 192, 238, 282, 330]  # no frame 54: rejected
    assert ("blink", "both", 135, 4.5, "relabelled by a clinician") in got
    assert got[-1] == ("spasm", "right", 330, 11.0, "added by a clinician (missed by the analysis)")
    assert labels.events[-1].type == "twitch" and labels.events[-1].end_s == 11.3
    assert "1 rejected and left out, 1 added, 5 left as detected" in labels.method
    assert audit_rows(db, entity="event_correction", action="export") == 1


def test_the_subject_of_the_labels_comes_from_the_diagnosis_when_one_is_recorded(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    db.add(Diagnosis(patient_id=analysis[0], affected_side="left", icd10="G51.3", snomed="1"))
    db.commit()

    made = export(db, world, settings, analysis, condition=None)

    assert '"condition": "hfs"' in made.text and '"affected_side": "left"' in made.text
    with pytest.raises(ClinicalDataError, match=r"^condition: the patient has a diagnosis"):
        export(db, world, settings, analysis, condition="healthy")


def test_without_a_diagnosis_the_clinician_must_say_which_condition(
    db: Session, world: World, settings: Settings, analysis: tuple[int, int]
) -> None:
    with pytest.raises(
        ClinicalDataError, match=r"^condition: no diagnosis .* choose hfs or healthy"
    ):
        export(db, world, settings, analysis, condition=None)

    made = export(db, world, settings, analysis, condition="healthy")

    assert '"condition": "healthy"' in made.text


@pytest.mark.parametrize(
    ("who", "error"), [("patient_p1", PermissionDeniedError), ("clinician_b", NotFoundError)]
)
def test_only_the_clinics_clinicians_export_labels(
    db: Session,
    world: World,
    settings: Settings,
    analysis: tuple[int, int],
    who: str,
    error: type[Exception],
) -> None:
    pid, aid = analysis
    with pytest.raises(error):
        labels_export.export_labels(
            db, actor_of(world[who].user), pid, aid, condition="hfs", data_dir=settings.data_dir
        )
