"""The events of a video analysis on a time line: the geometry of an SVG of the recording.

Pure: a stored ``hemispasm.analysis/1`` result (typed, ``report.contract``) in; out come one
lane per eye and mouth corner of each side and one for blinks, a bar per event in each lane it
touched, the spans the face could not be measured, and the time ticks (``timeline``). The
template draws it with attributes and classes only (no inline style)."""

from __future__ import annotations

from typing import Any

from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.report.contract import AnalysisResult

SIDES = ("left", "right")
"""The subject's sides, each with a lane for its eye and one for its mouth corner."""

TIMELINE = {"width": 1000, "label_w": 195, "lane_h": 30, "top": 8}
LANES = (
    ("left-eye", N_("Left eye")),
    ("left-mouth", N_("Left mouth corner")),
    ("right-eye", N_("Right eye")),
    ("right-mouth", N_("Right mouth corner")),
    ("blink", N_("Blinks (both eyes)")),
)
EVENT_TITLES = {
    ("blink", None): N_("Blink, %(start)s to %(end)s s"),
    ("spasm", "left"): N_("Spasm, left, %(start)s to %(end)s s"),
    ("spasm", "right"): N_("Spasm, right, %(start)s to %(end)s s"),
}
"""An event's title on the time line (a blink whatever side it names)."""
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300)


def timeline(result: AnalysisResult) -> dict[str, Any]:
    """Where each event, unmeasured span and time tick goes on the chart of the video."""
    ends = [e.end_s for e in result.events]
    duration = max(result.source.duration_s, *ends, 0.1)
    left, width = TIMELINE["label_w"], TIMELINE["width"] - TIMELINE["label_w"] - 30
    lane_h, top = TIMELINE["lane_h"], TIMELINE["top"]
    lane_y = {key: top + i * lane_h for i, (key, _) in enumerate(LANES)}
    bottom = top + len(LANES) * lane_h

    def x(t: float) -> float:
        return round(left + width * min(max(t, 0.0), duration) / duration, 1)

    bars = []
    for e in result.events:
        x0, x1 = x(e.start_s), x(e.end_s)
        lanes = ["blink"] if e.kind == "blink" else []
        if e.kind == "spasm" and e.side in SIDES:
            lanes = [f"{e.side}-eye"] + ([f"{e.side}-mouth"] if "mouth" in e.regions else [])
        span = {"start": f"{e.start_s:.2f}", "end": f"{e.end_s:.2f}"}
        sentence = EVENT_TITLES.get(("blink", None) if e.kind == "blink" else (e.kind, e.side))
        if sentence is None:  # a side the time line has no lane for, as the result names it
            title = f"{e.kind.capitalize()}, {e.side}, {span['start']} to {span['end']} s"
        else:
            title = gettext(sentence) % span
        title += gettext(", tonic") if e.tonic else ""
        for lane in lanes:
            bars.append(
                {
                    "x": x0,
                    "y": lane_y[lane] + 4,
                    "w": max(round(x1 - x0, 1), 3.0),
                    "h": lane_h - 8,
                    "cls": f"tl-{lane.split('-')[0]}" + (" tl-tonic" if e.tonic else ""),
                    "title": title,
                }
            )
    step = next((s for s in TICK_STEPS_S if duration / s <= 12), TICK_STEPS_S[-1])
    ticks = [{"x": x(t), "label": f"{t:g} s"} for t in range(0, int(duration) + 1, step)]
    spans = [
        {"x": x(a), "w": max(round(x(b) - x(a), 1), 1.0)} for a, b in result.quality.unusable_spans
    ]
    return {
        "width": TIMELINE["width"],
        "height": bottom + 24,
        "left": left,
        "right": left + width,
        "top": top,
        "bottom": bottom,
        "lanes": [
            {"label": gettext(label), "y": lane_y[key], "mid": lane_y[key] + lane_h / 2 + 5}
            for key, label in LANES
        ],
        "bars": bars,
        "ticks": ticks,
        "spans": spans,
    }
