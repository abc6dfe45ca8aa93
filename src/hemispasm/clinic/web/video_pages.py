"""Videos: upload, analysis state, report, two analyses side by side, recording in the browser.

Clinicians work at ``/patients/{id}/videos``; a patient at ``/me/videos`` and ``/me/record``.
Every page goes through the services the API uses (``services.uploads`` for uploads and jobs, the
video-analysis records for results), so the access rules, the size limit and the content check
are the API's own. The numbers shown are read from the stored ``hemispasm.analysis/1`` result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hemispasm.analysis.params import AnalysisParams
from hemispasm.clinic.api.deps import (
    CSRF_HEADER,
    MAX_ID,
    DbDep,
    PatientId,
    RecordId,
    SettingsDep,
    TodayDep,
    get_actor,
)
from hemispasm.clinic.api.routes.videos import VideoForm
from hemispasm.clinic.api.schemas.records import VideoAnalysisUpdate
from hemispasm.clinic.db.models import AnalysisJob, JobState, Patient, VideoAnalysis
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.jobs.queue import get_queue
from hemispasm.clinic.services import uploads
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.patients import get_patient
from hemispasm.clinic.services.records import get_record, list_records, update_record
from hemispasm.clinic.services.treatment import CYCLES
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.pages import (
    CSRF_FIELD,
    FormExpiredError,
    PageActor,
    PageRoute,
    _with_header,
    render,
)
from hemispasm.errors import ClinicalDataError, PermissionDeniedError
from hemispasm.report.result_json import GRADE_NAMES

router = APIRouter(route_class=PageRoute, include_in_schema=False)

JOBS_SHOWN = 20
ANALYSES_SHOWN = 100
SESSIONS_READ = 1000
"""More injection sessions than a patient has in a lifetime (about 4 a year)."""
EVENTS_OPEN_MAX = 15
RECORD_MIN_S, RECORD_MAX_S = 20, 30
UPLOAD_FIELDS = ("file", "recorded_on", "mirrored")
MISSING = "—"
NBSP = "\u00a0"
"""Keeps a number and its unit on one line."""
SIDES = ("left", "right")
ROMAN = ("I", "II", "III", "IV")


# --- whose videos: the clinician's view of a patient, or the patient's own ----------------------


@dataclass(frozen=True)
class Place:
    """Whose videos a page shows and the address the pages live under."""

    patient_id: int
    base: str
    patient: Patient | None = None
    """The record, for a clinician's heading; a patient's own pages do not need it."""

    @property
    def mine(self) -> bool:
        """Whether these are the patient's own pages."""
        return self.patient is None


def patient_place(db: Session, actor: Actor, patient_id: int) -> Place:
    """The clinician's pages of a patient: another clinic's patient is not found, and a patient
    is refused (their own pages are under /me)."""
    patient = get_patient(db, actor, patient_id)
    return Place(patient.id, f"/patients/{patient.id}/videos", patient)


def my_place(actor: Actor) -> Place:
    """The logged-in patient's own pages."""
    require_role(actor, Role.PATIENT)
    if actor.patient_id is None:  # a patient account always names its record
        raise PermissionDeniedError("this account is not linked to a patient record")
    return Place(actor.patient_id, "/me/videos")


# --- formatting ----------------------------------------------------------------------------------


def _id_or_none(text: str) -> int | None:
    """A record id from a query parameter; None for anything else."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None


def fmt(value: float | int | None, decimals: int = 1, unit: str = "") -> str:
    """A number for a page; a dash when there is none."""
    if value is None:
        return MISSING
    text = f"{value:.{decimals}f}"
    return f"{text}{NBSP}{unit}" if unit else text


def per_min(count: int, usable_s: float) -> float | None:
    """Events per minute of usable video (None without usable video)."""
    return count * 60.0 / usable_s if usable_s > 0 else None


def side_name(side: str | None) -> str:
    """The patient's side in words."""
    return {"left": "Left", "right": "Right", "both": "Both sides"}.get(
        side or "", "Not determined"
    )


def days_since_injection(
    recorded_on: date, session_dates: Sequence[date]
) -> tuple[date, int] | None:
    """The last injection on or before ``recorded_on`` and the days since it."""
    before = [d for d in session_dates if d <= recorded_on]
    if not before:
        return None
    last = max(before)
    return last, (recorded_on - last).days


# --- what a stored result says -------------------------------------------------------------------


def _spasms(result: Mapping[str, Any], side: str) -> list[Mapping[str, Any]]:
    return [e for e in result["events"] if e["kind"] == "spasm" and e["side"] == side]


def side_measures(result: Mapping[str, Any], side: str) -> dict[str, float | int | None]:
    """Spasms of one side's eye and mouth corner, counted from the result's events."""
    usable_s = float(result["metrics"]["usable_duration_s"])
    spasms = _spasms(result, side)
    mouth = [e for e in spasms if "mouth" in e["regions"]]
    tonic = [e for e in spasms if e["tonic"]]
    return {
        "eye_spasms": len(spasms),
        "eye_per_min": per_min(len(spasms), usable_s),
        "mouth_spasms": len(mouth),
        "mouth_per_min": per_min(len(mouth), usable_s),
        "tonic": len(tonic),
        "longest_s": max((e["end_s"] - e["start_s"] for e in spasms), default=None),
    }


@dataclass(frozen=True)
class Measure:
    """One figure of an analysis, as shown in the report and side by side."""

    label: str
    value: Callable[[Mapping[str, Any]], float | int | str | None]
    decimals: int = 1
    unit: str = ""
    relative: bool = False
    """Whether the change is also given in % of the earlier value (for rates)."""

    def text(self, result: Mapping[str, Any]) -> str:
        """The figure of ``result`` as text."""
        value = self.value(result)
        return value if isinstance(value, str) else fmt(value, self.decimals, self.unit)

    def change(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
        """From ``before`` to ``after``: the difference, and for rates the relative change."""
        a, b = self.value(before), self.value(after)
        if a is None or b is None:
            return MISSING
        if isinstance(a, str) or isinstance(b, str):
            return "no change" if a == b else f"{a} to {b}"
        diff = b - a
        unit = "percentage points" if self.unit == "%" else self.unit
        text = f"{diff:+.{self.decimals}f}{NBSP + unit if unit else ''}"
        if self.relative and a > 0:
            text += f" ({100.0 * diff / a:+.0f}{NBSP}%)"
        return text


def _metric(key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda r: r["metrics"].get(key)


def _side(side: str, key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda r: side_measures(r, side)[key]


def _grade(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda r: r["grades"][name]["value"]


def _tonic_per_min(r: Mapping[str, Any]) -> float | None:
    return per_min(int(r["metrics"]["tonic_spasm_count"]), float(r["metrics"]["usable_duration_s"]))


MEASURES: tuple[Measure, ...] = (
    Measure("Spasms per minute", _metric("spasms_per_min"), relative=True),
    Measure("Blinks per minute (both eyes)", _metric("blinks_per_min"), relative=True),
    Measure(
        "% of time the affected eye was mostly closed",
        _metric("pct_time_affected_eye_half_closed"),
        unit="%",
    ),
    Measure("Left eye: spasms per minute", _side("left", "eye_per_min"), relative=True),
    Measure("Right eye: spasms per minute", _side("right", "eye_per_min"), relative=True),
    Measure("Left mouth corner: spasms per minute", _side("left", "mouth_per_min"), relative=True),
    Measure(
        "Right mouth corner: spasms per minute", _side("right", "mouth_per_min"), relative=True
    ),
    Measure("Tonic (sustained) spasms per minute", _tonic_per_min, relative=True),
    Measure("Longest spasm", _metric("longest_spasm_s"), 2, "s"),
    Measure("Jankovic total, estimate (0-8)", _grade("jankovic_total"), 0),
    Measure("SMC grade, estimate (I-IV)", _grade("smc_grade"), 0),
    Measure("Usable video", _metric("usable_duration_s"), 0, "s"),
)

GRADE_LABELS = {
    "jankovic_severity": "Jankovic severity",
    "jankovic_frequency": "Jankovic frequency",
    "jankovic_total": "Jankovic total",
    "smc_grade": "SMC grade",
}


def closed_level(result: Mapping[str, Any]) -> float:
    """The closure counted as "mostly closed" in this result."""
    return float(result.get("params", {}).get("closed_closure", AnalysisParams().closed_closure))


SIDE_ROWS = (
    ("Eye: spasms per minute", "eye_per_min", 1, ""),
    ("Eye: spasms", "eye_spasms", -1, ""),
    ("Mouth corner: spasms per minute", "mouth_per_min", 1, ""),
    ("Mouth corner: spasms", "mouth_spasms", -1, ""),
    ("Tonic (sustained) spasms", "tonic", -1, ""),
    ("Longest spasm", "longest_s", 2, "s"),
)
"""The table of the two sides: label, key of ``side_measures``, decimals (-1: a count), unit."""


# --- the events on a time line (an SVG drawn with attributes and classes, no inline style) ------

TIMELINE = {"width": 1000, "label_w": 195, "lane_h": 30, "top": 8}
LANES = (
    ("left-eye", "Left eye"),
    ("left-mouth", "Left mouth corner"),
    ("right-eye", "Right eye"),
    ("right-mouth", "Right mouth corner"),
    ("blink", "Blinks (both eyes)"),
)
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300)


def timeline(result: Mapping[str, Any]) -> dict[str, Any]:
    """Where each event, unmeasured span and time tick goes on the chart of the video."""
    ends = [float(e["end_s"]) for e in result["events"]]
    duration = max(float(result["source"]["duration_s"]), *ends, 0.1)
    left, width = TIMELINE["label_w"], TIMELINE["width"] - TIMELINE["label_w"] - 30
    lane_h, top = TIMELINE["lane_h"], TIMELINE["top"]
    lane_y = {key: top + i * lane_h for i, (key, _) in enumerate(LANES)}
    bottom = top + len(LANES) * lane_h

    def x(t: float) -> float:
        return round(left + width * min(max(t, 0.0), duration) / duration, 1)

    bars = []
    for e in result["events"]:
        x0, x1 = x(e["start_s"]), x(e["end_s"])
        lanes = ["blink"] if e["kind"] == "blink" else []
        if e["kind"] == "spasm" and e["side"] in SIDES:
            lanes = [f"{e['side']}-eye"] + (
                [f"{e['side']}-mouth"] if "mouth" in e["regions"] else []
            )
        what = "Blink" if e["kind"] == "blink" else f"Spasm, {e['side']}"
        tonic = ", tonic" if e["tonic"] else ""
        title = f"{what}, {e['start_s']:.2f} to {e['end_s']:.2f} s{tonic}"
        for lane in lanes:
            bars.append(
                {
                    "x": x0,
                    "y": lane_y[lane] + 4,
                    "w": max(round(x1 - x0, 1), 3.0),
                    "h": lane_h - 8,
                    "cls": f"tl-{lane.split('-')[0]}" + (" tl-tonic" if e["tonic"] else ""),
                    "title": title,
                }
            )
    step = next((s for s in TICK_STEPS_S if duration / s <= 12), TICK_STEPS_S[-1])
    ticks = [{"x": x(t), "label": f"{t:g} s"} for t in range(0, int(duration) + 1, step)]
    spans = [
        {"x": x(a), "w": max(round(x(b) - x(a), 1), 1.0)}
        for a, b in result["quality"]["unusable_spans"]
    ]
    return {
        "width": TIMELINE["width"],
        "height": bottom + 24,
        "left": left,
        "right": left + width,
        "top": top,
        "bottom": bottom,
        "lanes": [
            {"label": label, "y": lane_y[key], "mid": lane_y[key] + lane_h / 2 + 5}
            for key, label in LANES
        ],
        "bars": bars,
        "ticks": ticks,
        "spans": spans,
    }


# --- one analysis as the pages show it ----------------------------------------------------------


def analysis_view(
    row: VideoAnalysis, place: Place, session_dates: Sequence[date]
) -> dict[str, Any]:
    """Everything the report page shows of one stored analysis, as text."""
    r = row.result
    metrics, source = r["metrics"], r["source"]
    since = days_since_injection(row.recorded_on, session_dates)
    closed = closed_level(r)
    by_side = [side_measures(r, side) for side in SIDES]
    sides = {
        "head": [{"side": side_name(s), "affected": r["affected_side"] == s} for s in SIDES],
        "rows": [
            (
                label,
                [fmt(m[key], decimals, unit) if decimals >= 0 else str(m[key]) for m in by_side],
            )
            for label, key, decimals, unit in SIDE_ROWS
        ],
    }
    events = [
        {
            "n": i,
            "kind": e["kind"],
            "side": side_name(e["side"]) if e["kind"] == "spasm" else "both eyes",
            "side_class": e["side"] if e["kind"] == "spasm" else "blink",
            "start": fmt(e["start_s"], 2),
            "end": fmt(e["end_s"], 2),
            "duration": fmt(e["end_s"] - e["start_s"], 2),
            "peak": fmt(e["peak_closure"], 2),
            "tonic": "yes" if e["tonic"] else "",
            "regions": ", ".join(e["regions"]),
        }
        for i, e in enumerate(r["events"], start=1)
    ]
    regions = metrics.get("region_involvement") or {}
    return {
        "id": row.id,
        "url": f"{place.base}/{row.id}",
        "recorded_on": row.recorded_on,
        "notes": row.notes or "",
        "last_injection_on": since[0] if since else None,
        "days_since_injection": since[1] if since else None,
        "affected_side": side_name(r["affected_side"]),
        "spasms_per_min": fmt(metrics["spasms_per_min"]),
        "blinks_per_min": fmt(metrics["blinks_per_min"]),
        "pct_closed": fmt(metrics["pct_time_affected_eye_half_closed"], 1, "%"),
        "closed_level": f"{closed:g}",
        "spasm_count": metrics["spasm_count"],
        "blink_count": metrics["blink_count"],
        "sides": sides,
        "more": [
            ("Spasms in all", str(metrics["spasm_count"])),
            ("Tonic (sustained) spasms", str(metrics["tonic_spasm_count"])),
            ("Mean spasm duration", fmt(metrics["mean_spasm_duration_s"], 2, "s")),
            ("Longest spasm", fmt(metrics["longest_spasm_s"], 2, "s")),
            (
                "Affected side's spasms that also moved",
                ", ".join(
                    f"{k} {fmt(100 * v, 0, '%')}" for k, v in regions.items() if v is not None
                )
                or MISSING,
            ),
            ("Asymmetry index (0 alike, 1 one eye only)", fmt(metrics["asymmetry_index"], 2)),
            (
                "Video that could be measured",
                f"{fmt(metrics['usable_duration_s'], 1, 's')} of "
                f"{fmt(source['duration_s'], 1, 's')}",
            ),
        ],
        "grades": [
            {
                "name": GRADE_LABELS.get(name, name),
                "value": MISSING
                if r["grades"][name]["value"] is None
                else r["grades"][name]["value"],
                "scale": r["grades"][name]["scale"],
                "rule": r["grades"][name]["rule"],
            }
            for name in GRADE_NAMES
        ],
        "caveat": r["grades"].get("caveat") or r.get("caveat", ""),
        "events": events,
        "events_open": len(events) <= EVENTS_OPEN_MAX,
        "timeline": timeline(r),
        "quality": r["quality"],
        "face_found_pct": f"{100 * float(r['quality']['face_found_fraction']):.0f} %",
        "source": [
            ("File", source.get("file", MISSING)),
            ("Duration", fmt(source["duration_s"], 1, "s")),
            ("Frames", str(source["frames"])),
            ("Frame rate", fmt(source["fps_nominal"], 2, "frames per second")),
            ("Picture", f"{source['width']} × {source['height']} pixels"),
            (
                "Mirrored (selfie) video",
                "yes, turned back for the analysis" if source["mirrored"] else "no",
            ),
            ("Format", f"{source.get('container', '?')} / {source.get('codec', '?')}"),
            ("SHA-256 of the video", source["sha256"]),
        ],
        "software": r["software"],
        "params": r.get("params", {}),
    }


def _session_dates(db: Session, actor: Actor, patient_id: int) -> list[date]:
    """The days the patient was injected (the cycles, which patients may read too)."""
    page = list_records(db, actor, CYCLES, patient_id, page=1, page_size=SESSIONS_READ)
    return sorted(s.session_on for s in page.items)


# --- the list of videos and uploads -------------------------------------------------------------

STATE_TEXT = {
    JobState.QUEUED: "Waiting to be analysed",
    JobState.RUNNING: "Being analysed",
    JobState.DONE: "Done",
    JobState.FAILED: "Failed",
}


def job_view(job: AnalysisJob, place: Place) -> dict[str, Any]:
    """One upload and the state of its analysis."""
    active = job.state in (JobState.QUEUED, JobState.RUNNING)
    return {
        "id": job.id,
        "state": job.state.value,
        "state_text": STATE_TEXT[job.state],
        "active": active,
        "error": job.error,
        "uploaded_at": job.created_at.strftime("%Y-%m-%d %H:%M"),
        "recorded_on": job.recorded_on,
        "file": job.upload.original_filename or "",
        "report_url": f"{place.base}/{job.video_analysis_id}" if job.video_analysis_id else None,
        "poll_url": f"/api/v1/patients/{job.patient_id}/jobs/{job.id}",
    }


def _videos_page(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    entered: Mapping[str, str] | None = None,
    uploaded: int | None = None,
    compare: Mapping[str, int | None] | None = None,
    compare_errors: Mapping[str, str] | None = None,
) -> Response:
    """The list of analyses and uploads with the upload form; ``errors`` and ``entered`` are
    the upload form's, ``compare`` and ``compare_errors`` the choice of two to compare."""
    jobs = uploads.list_jobs(db, actor, place.patient_id, page=1, page_size=JOBS_SHOWN)
    analyses = list_records(
        db, actor, VIDEO_ANALYSES, place.patient_id, page=1, page_size=ANALYSES_SHOWN
    )
    rows = [
        {
            "id": a.id,
            "url": f"{place.base}/{a.id}",
            "recorded_on": a.recorded_on,
            "spasms_per_min": fmt(a.spasms_per_min),
            "blinks_per_min": fmt(a.blinks_per_min),
            "pct_closed": fmt(a.pct_time_affected_eye_half_closed, 0, "%"),
            "side": side_name(a.affected_side),
            "jankovic": MISSING if a.jankovic_total_estimate is None else a.jankovic_total_estimate,
            "smc": MISSING if a.smc_grade_estimate is None else ROMAN[a.smc_grade_estimate - 1],
        }
        for a in analyses.items
    ]
    return render(
        request,
        "video_list.html",
        status_code=status_code,
        actor=actor,
        place=place,
        jobs=[job_view(j, place) for j in jobs.items],
        jobs_total=jobs.total,
        analyses=rows,
        analyses_total=analyses.total,
        compare_a=compare["a"] if compare else (rows[1]["id"] if len(rows) > 1 else None),
        compare_b=compare["b"] if compare else (rows[0]["id"] if rows else None),
        compare_errors=compare_errors or {},
        errors=errors or {},
        entered=entered or {},
        uploaded=uploaded,
        today=actor.on(),
        max_upload_mb=f"{settings.max_upload_bytes / 1_000_000:g}",
    )


@router.get("/patients/{patient_id}/videos")
def patient_videos(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    uploaded: Annotated[str, Query()] = "",
) -> Response:
    """A patient's video analyses and uploads, the upload form and the choice of two to compare."""
    place = patient_place(db, actor, patient_id)
    return _videos_page(request, db, actor, place, settings, uploaded=_id_or_none(uploaded))


@router.get("/me/videos")
def my_videos(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    uploaded: Annotated[str, Query()] = "",
) -> Response:
    """The patient's own videos and uploads."""
    return _videos_page(
        request, db, actor, my_place(actor), settings, uploaded=_id_or_none(uploaded)
    )


@router.get("/me/record")
def my_recording(request: Request, actor: PageActor, settings: SettingsDep) -> Response:
    """Record a video with the front camera and send it; a plain file form without a camera."""
    place = my_place(actor)
    return render(
        request,
        "video_record.html",
        actor=actor,
        place=place,
        errors={},
        entered={},
        today=actor.on(),
        min_s=RECORD_MIN_S,
        max_s=RECORD_MAX_S,
        max_upload_bytes=settings.max_upload_bytes,
        max_upload_mb=f"{settings.max_upload_bytes / 1_000_000:g}",
    )


# --- receiving an upload from a form -------------------------------------------------------------


class UploadForm(VideoForm):
    """The API's streaming reader of an upload, for a page's form.

    It also takes the form's ``csrf_token`` field, which must come before the file (browsers send
    fields in page order), and hands it to ``open_file`` when the file begins, so that who is
    asking, and the token, are checked before a byte of the video is written.
    """

    def __init__(
        self,
        open_file: Callable[[str, str | None], uploads.IncomingVideo],
        max_bytes: int,
    ) -> None:
        super().__init__(self._open, max_bytes)
        self._open_file = open_file

    def _open(self, filename: str | None) -> uploads.IncomingVideo:
        return self._open_file(self.fields.get(CSRF_FIELD, ""), filename)

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") == CSRF_FIELD.encode():
            if CSRF_FIELD in self.fields:
                raise ClinicalDataError(CSRF_FIELD, "sent twice")
            self._name = CSRF_FIELD
            return
        super()._on_headers_finished()


def form_actor(request: Request, db: Session, on: date, token: str) -> Actor:
    """The logged-in user, if ``token`` is the session's CSRF token (as ``PageActor`` checks)."""
    try:
        return get_actor(_with_header(request, CSRF_HEADER, token), db, on)
    except PermissionDeniedError:
        raise FormExpiredError(
            "this form has expired or did not come from this site: reload the page and try again"
        ) from None


async def _upload(
    request: Request,
    db: Session,
    settings: Settings,
    on: date,
    find_place: Callable[[Actor], Place],
) -> Response:
    """Receive the form's video through the upload service; back to the list, or the list with
    the problem named next to its field (nothing is kept)."""
    who: dict[str, Any] = {}

    def identify(token: str) -> None:
        actor = form_actor(request, db, on, token)
        place = find_place(actor)
        uploads.check_may_upload(db, actor, place.patient_id)
        who.update(actor=actor, place=place)

    def open_file(token: str, filename: str | None) -> uploads.IncomingVideo:
        identify(token)
        return uploads.IncomingVideo(
            settings.data_dir, max_bytes=settings.max_upload_bytes, filename=filename
        )

    form = UploadForm(open_file, settings.max_upload_bytes)
    try:
        await form.receive(request)
        assert form.incoming is not None  # receive() refuses a body without the file
        queue = await run_in_threadpool(get_queue, settings)
        job = await run_in_threadpool(
            uploads.accept_upload,
            db,
            who["actor"],
            data_dir=settings.data_dir,
            patient_id=who["place"].patient_id,
            incoming=form.incoming,
            recorded_on=form.recorded_on(),
            mirrored=form.mirrored(),
            enqueue=queue.enqueue,
        )
    except (ClinicalDataError, uploads.UploadTooLargeError) as exc:
        await run_in_threadpool(db.rollback)
        if "actor" not in who:  # the body broke off before the file: check who sent it now
            await run_in_threadpool(identify, form.fields.get(CSRF_FIELD, ""))
        field = getattr(exc, "field", "file")
        shown = field if field in UPLOAD_FIELDS else "file"
        message = str(exc).removeprefix(f"{field}: ")
        errors = {shown: message[:1].upper() + message[1:]}
        status = 413 if isinstance(exc, uploads.UploadTooLargeError) else 422
        return await run_in_threadpool(
            lambda: _videos_page(
                request,
                db,
                who["actor"],
                who["place"],
                settings,
                status_code=status,
                errors=errors,
                entered=form.fields,
            )
        )
    finally:
        await run_in_threadpool(form.discard)
    return RedirectResponse(f"{who['place'].base}?uploaded={job.id}#uploads", status_code=303)


@router.post("/patients/{patient_id}/videos")
async def upload_for_patient(
    request: Request, db: DbDep, settings: SettingsDep, on: TodayDep, patient_id: PatientId
) -> Response:
    """A clinician's upload of a patient's video (multipart: csrf_token first, then the file)."""
    return await _upload(
        request, db, settings, on, lambda actor: patient_place(db, actor, patient_id)
    )


@router.post("/me/videos")
async def upload_mine(request: Request, db: DbDep, settings: SettingsDep, on: TodayDep) -> Response:
    """The patient's upload of their own video (a file or a recording from /me/record)."""
    return await _upload(request, db, settings, on, my_place)


# --- two analyses side by side -------------------------------------------------------------------


def _compare_page(
    request: Request, db: Session, actor: Actor, place: Place, settings: Settings, a: str, b: str
) -> Response:
    chosen = {"a": _id_or_none(a.strip()), "b": _id_or_none(b.strip())}
    errors = {k: "Choose a video from the list." for k, v in chosen.items() if v is None}
    if not errors and chosen["a"] == chosen["b"]:
        errors["b"] = "Choose a different video from the first one."
    if errors:  # back to the choice, with the problem next to the field
        return _videos_page(
            request,
            db,
            actor,
            place,
            settings,
            status_code=422,
            compare=chosen,
            compare_errors=errors,
        )
    ids = [int(chosen["a"] or 0), int(chosen["b"] or 0)]
    rows = [get_record(db, actor, VIDEO_ANALYSES, place.patient_id, i) for i in ids]
    first, second = sorted(rows, key=lambda r: (r.recorded_on, r.id))
    dates = _session_dates(db, actor, place.patient_id)
    views = [analysis_view(r, place, dates) for r in (first, second)]
    measures = [
        {
            "label": m.label,
            "first": m.text(first.result),
            "second": m.text(second.result),
            "change": m.change(first.result, second.result),
        }
        for m in MEASURES
    ]
    return render(
        request,
        "video_compare.html",
        actor=actor,
        place=place,
        first=views[0],
        second=views[1],
        days_between=(second.recorded_on - first.recorded_on).days,
        measures=measures,
    )


@router.get("/patients/{patient_id}/videos/compare")
def patient_compare(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    patient_id: PatientId,
    a: Annotated[str, Query()] = "",
    b: Annotated[str, Query()] = "",
) -> Response:
    """Two of the patient's analyses side by side, earlier first, with the change."""
    place = patient_place(db, actor, patient_id)
    return _compare_page(request, db, actor, place, settings, a, b)


@router.get("/me/videos/compare")
def my_compare(
    request: Request,
    actor: PageActor,
    db: DbDep,
    settings: SettingsDep,
    a: Annotated[str, Query()] = "",
    b: Annotated[str, Query()] = "",
) -> Response:
    """Two of the patient's own analyses side by side."""
    return _compare_page(request, db, actor, my_place(actor), settings, a, b)


# --- the report of one analysis ------------------------------------------------------------------


def _report_page(
    request: Request,
    db: Session,
    actor: Actor,
    place: Place,
    analysis_id: int,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    notes: str | None = None,
    saved: bool = False,
) -> Response:
    row = get_record(db, actor, VIDEO_ANALYSES, place.patient_id, analysis_id)
    view = analysis_view(row, place, _session_dates(db, actor, place.patient_id))
    return render(
        request,
        "video_report.html",
        status_code=status_code,
        actor=actor,
        place=place,
        a=view,
        errors=errors or {},
        notes=view["notes"] if notes is None else notes,
        saved=saved,
    )


@router.get("/patients/{patient_id}/videos/{analysis_id}")
def patient_report(
    request: Request,
    actor: PageActor,
    db: DbDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    saved: Annotated[str, Query()] = "",
) -> Response:
    """The report of one analysis, as a page of the app."""
    place = patient_place(db, actor, patient_id)
    return _report_page(request, db, actor, place, analysis_id, saved=saved == "1")


@router.get("/me/videos/{analysis_id}")
def my_report(
    request: Request,
    actor: PageActor,
    db: DbDep,
    analysis_id: RecordId,
    saved: Annotated[str, Query()] = "",
) -> Response:
    """The report of one of the patient's own analyses."""
    return _report_page(request, db, actor, my_place(actor), analysis_id, saved=saved == "1")


def _save_notes(
    request: Request, db: Session, actor: Actor, place: Place, analysis_id: int, notes: str
) -> Response:
    try:
        changes = VideoAnalysisUpdate.model_validate({"notes": notes.strip() or None}).changes()
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return _report_page(
            request,
            db,
            actor,
            place,
            analysis_id,
            status_code=422,
            errors={"notes": message},
            notes=notes,
        )
    update_record(db, actor, VIDEO_ANALYSES, place.patient_id, analysis_id, changes)
    return RedirectResponse(f"{place.base}/{analysis_id}?saved=1#notes", status_code=303)


@router.post("/patients/{patient_id}/videos/{analysis_id}/notes")
def patient_notes(
    request: Request,
    actor: PageActor,
    db: DbDep,
    patient_id: PatientId,
    analysis_id: RecordId,
    notes: Annotated[str, Form()] = "",
) -> Response:
    """Keep notes on an analysis (what was seen, the circumstances of the recording)."""
    return _save_notes(request, db, actor, patient_place(db, actor, patient_id), analysis_id, notes)


@router.post("/me/videos/{analysis_id}/notes")
def my_notes(
    request: Request,
    actor: PageActor,
    db: DbDep,
    analysis_id: RecordId,
    notes: Annotated[str, Form()] = "",
) -> Response:
    """The patient's notes on one of their own analyses."""
    return _save_notes(request, db, actor, my_place(actor), analysis_id, notes)
