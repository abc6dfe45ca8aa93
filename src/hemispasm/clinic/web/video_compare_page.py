"""What the page comparing two analyses shows of each beyond its figures: the closure of both eyes
across the recording, the frames of its strongest spasm and the video itself.

The traces, frames and video are a clinician's (as on the report page, where a clinician reviews
each event); a patient comparing their own videos sees the figures and the way each one went.
The geometry is ``video_compare``'s; the route is ``video_pages``'.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import VideoAnalysis
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.corrections import get_review
from hemispasm.clinic.services.report_files import TimeseriesError, read_series
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.i18n import gettext
from hemispasm.clinic.web.video_compare import (
    RULE_TEXT,
    key_event,
    measure_rows,
    recording_trace,
)
from hemispasm.clinic.web.video_events import event_view
from hemispasm.clinic.web.video_place import Place
from hemispasm.clinic.web.video_report import fmt


def compare_side(
    db: Session, actor: Actor, place: Place, settings: Settings, row: VideoAnalysis
) -> dict[str, Any]:
    """The figures (``result``, as corrected once corrected), trace, key frames and video address
    of one analysis, as far as they can be shown."""
    review = get_review(db, actor, place.patient_id, row.id, data_dir=settings.data_dir)
    files = review.files
    result = review.result
    side: dict[str, Any] = {
        "result": result,
        "trace": None,
        "frames": [],
        "key": None,
        "video_url": None,
    }
    if not review.may_correct:
        return side | {"note": gettext("The traces, frames and videos are shown to the clinic.")}
    spasms = [
        (e.current.start_s, e.current.end_s)
        for e in review.events
        if e.current is not None and e.current.kind == "spasm"
    ]
    note = ""
    if files.timeseries is not None:
        try:
            series = read_series(files.timeseries)
        except TimeseriesError as exc:
            note = gettext(
                "The per-frame data cannot be read (%(reason)s), so no trace is drawn."
            ) % {"reason": exc}
        else:
            m = series.measurements
            side["trace"] = recording_trace(
                m.timestamps_s,
                m.usable,
                series.closure.left,
                series.closure.right,
                duration_s=result.source.duration_s,
                spasms=spasms,
            )
    else:
        note = gettext("This analysis was stored without its per-frame data: no trace to draw.")
    strongest = key_event(review.events)
    if files.video is not None:
        side["video_url"] = f"{place.base}/{row.id}/video"
        if strongest is not None and strongest.current is not None:
            view = event_view(
                strongest, base_url=f"{place.base}/{row.id}", trace_view=None, frames=True
            )
            e = strongest.current
            side["frames"] = view["frames"]
            side["key"] = (
                f"the spasm that closed the eye most: {view['what']}, {fmt(e.start_s, 1, 's')}"
                f" to {fmt(e.end_s, 1, 's')}, peak closure {view['peak_closure']}"
            )
    else:
        gone = "deleted after its analysis" if files.video_deleted else "not stored"
        note = f"{note} The video was {gone}: no frames or playback.".strip()
    return side | {"note": note}


def compare_context(
    db: Session,
    actor: Actor,
    place: Place,
    settings: Settings,
    first: VideoAnalysis,
    second: VideoAnalysis,
) -> dict[str, Any]:
    """The page's context beyond the two reports: each side's evidence and the measure rows
    with the way each change went, and the rule that says so."""
    sides = [compare_side(db, actor, place, settings, row) for row in (first, second)]
    return {
        "sides": sides,
        "changes": measure_rows(sides[0]["result"], sides[1]["result"]),
        "change_rule": RULE_TEXT,
    }
