"""The events of an analysis as a clinician reviews them: evidence, traces, frames, corrections.

Pure: the events as they stand (``domain.corrections``), the per-frame closure of both eyes and a
few facts of the record in; text and SVG geometry for the templates out. The traces are drawn by
the template with attributes and classes only (no inline style), like the time line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from hemispasm.analysis.types import Event, Evidence
from hemispasm.clinic.domain.corrections import (
    BLINK_TYPES,
    SPASM_TYPES,
    CorrectionAction,
    ReviewedEvent,
    event_from_json,
)
from hemispasm.clinic.web.i18n import N_, gettext
from hemispasm.clinic.web.video_report import MEASURES, fmt
from hemispasm.report.contract import AnalysisResult
from hemispasm.report.labels import MISSING, NBSP, side_name

TRACE = {"width": 360, "height": 150, "left": 38, "right": 340, "top": 10, "bottom": 122}
TRACE_MARGIN_S = 1.0
"""How much of the video before and after an event its trace shows."""
TRACE_TOP = 1.0
TRACE_BOTTOM = -0.1
EVENT_TYPES_TEXT = {
    "twitch": N_("twitch (one brief closure)"),
    "partial": N_("partial (the lid part way down)"),
    "burst": N_("burst (twitches in a row)"),
    "tonic": N_("tonic (held a second or more)"),
    "complete": N_("complete (the lids met)"),
    "incomplete": N_("incomplete (the lids did not meet)"),
}
STATE_TEXT = {
    None: N_("not reviewed"),
    CorrectionAction.CONFIRM: N_("confirmed"),
    CorrectionAction.REJECT: N_("rejected"),
    CorrectionAction.RELABEL: N_("relabelled"),
    CorrectionAction.ADD: N_("added"),
}
ACTION_TEXT = {
    CorrectionAction.CONFIRM: N_("Confirmed"),
    CorrectionAction.REJECT: N_("Rejected"),
    CorrectionAction.RELABEL: N_("Relabelled"),
    CorrectionAction.ADD: N_("Added"),
}
KIND_CHOICES = (("spasm", N_("Spasm")), ("blink", N_("Blink")))
SIDE_CHOICES = (
    ("left", N_("Left eye")),
    ("right", N_("Right eye")),
    ("both", N_("Both eyes (a blink)")),
)
TYPE_CHOICES = (
    ("", N_("Not given")),
    *((t, EVENT_TYPES_TEXT[t]) for t in SPASM_TYPES),
    *((t, EVENT_TYPES_TEXT[t]) for t in BLINK_TYPES),
)


def polylines(
    indices: Iterable[int],
    t: np.ndarray,
    values: np.ndarray,
    usable: np.ndarray,
    x: Callable[[float], float],
    y: Callable[[float], float],
) -> list[str]:
    """SVG polyline ``points`` strings of ``values`` at frames ``indices``: a new line wherever a
    frame is unusable or its value unknown, so a gap is drawn as a gap."""
    v = np.asarray(values, dtype=np.float64)
    out: list[str] = []
    points: list[str] = []
    for i in indices:
        if usable[i] and math.isfinite(v[i]):
            points.append(f"{x(t[i])},{y(v[i])}")
            continue
        if points:
            out.append(" ".join(points))
        points = []
    if points:
        out.append(" ".join(points))
    return out


SPASM_OF = {"left": N_("Spasm, left eye"), "right": N_("Spasm, right eye")}
QUESTIONS = {
    ("blink", False): N_("Is this a blink of both eyes?"),
    ("blink", True): N_("Rejected. Was it a blink of both eyes after all?"),
    ("left", False): N_("Is this a spasm of the left eye?"),
    ("left", True): N_("Rejected. Was it a spasm of the left eye after all?"),
    ("right", False): N_("Is this a spasm of the right eye?"),
    ("right", True): N_("Rejected. Was it a spasm of the right eye after all?"),
}
"""The question the review asks of an event (a spasm by its side)."""


def what(kind: str, side: str) -> str:
    """ "Spasm, left eye", "Blink, both eyes", in the page's language."""
    if kind == "blink":
        return gettext("Blink, both eyes")
    if side in ("left", "right"):
        return gettext(SPASM_OF[side])
    return f"Spasm, {side_name(side)}"


def event_text(event: Event | Mapping[str, Any] | None) -> str:
    """An event in a few words, for the history of corrections; "left out" for none."""
    if event is None:
        return gettext("left out (rejected)")
    e = event if isinstance(event, Event) else event_from_json(event)
    kind_type = f" ({e.type})" if e.type else ""
    return f"{what(e.kind, e.side)}{kind_type}, {e.start_s:.2f}–{e.end_s:.2f}{NBSP}s"


# --- the closure trace of both eyes around an event -----------------------------------------------


def trace(
    timestamps_s: np.ndarray,
    usable: np.ndarray,
    closure_left: np.ndarray,
    closure_right: np.ndarray,
    event: Event,
    *,
    duration_s: float,
) -> dict[str, Any] | None:
    """Where the two eyes' closure lines, the event's span and the axes go on a small SVG: a
    second before the event to a second after. Unusable frames break the lines. None when no
    frame falls in the window."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    t0 = max(0.0, event.start_s - TRACE_MARGIN_S)
    t1 = min(max(duration_s, event.end_s), event.end_s + TRACE_MARGIN_S)
    inside = (t >= t0) & (t <= t1)
    if not inside.any() or t1 <= t0:
        return None
    g = TRACE
    span = t1 - t0

    def x(time_s: float) -> float:
        return round(g["left"] + (g["right"] - g["left"]) * (time_s - t0) / span, 1)

    def y(closure: float) -> float:
        c = min(max(closure, TRACE_BOTTOM), TRACE_TOP)
        frac = (c - TRACE_BOTTOM) / (TRACE_TOP - TRACE_BOTTOM)
        return round(g["bottom"] - (g["bottom"] - g["top"]) * frac, 1)

    ok = np.asarray(usable, dtype=bool)

    def lines(values: np.ndarray) -> list[str]:
        return polylines(np.flatnonzero(inside), t, values, ok, x, y)

    step = 0.5 if span <= 4 else (1.0 if span <= 10 else 5.0)
    first = math.ceil(t0 / step) * step
    ticks = [
        {"x": x(s), "label": f"{s:g}"} for s in np.arange(first, t1 + 1e-9, step) if t0 <= s <= t1
    ]
    return {
        **g,
        "left_lines": lines(closure_left),
        "right_lines": lines(closure_right),
        "event_x": x(max(event.start_s, t0)),
        "event_w": max(round(x(min(event.end_s, t1)) - x(max(event.start_s, t0)), 1), 2.0),
        "peak_x": x(min(max(event.peak_s, t0), t1)),
        "grid": [{"y": y(level), "label": f"{level:g}"} for level in (0.0, 0.5, 1.0)],
        "ticks": ticks,
        "summary": gettext(
            "Closure of both eyes from %(start)s to %(end)s s; the event is shaded from "
            "%(event_start)s to %(event_end)s s"
        )
        % {
            "start": f"{t0:.1f}",
            "end": f"{t1:.1f}",
            "event_start": f"{event.start_s:.2f}",
            "event_end": f"{event.end_s:.2f}",
        },
    }


# --- one event as the review shows it -------------------------------------------------------------


def evidence_text(evidence: Evidence | None) -> list[tuple[str, str]]:
    """The numbers a blink-or-spasm call rests on, in words (none for older results)."""
    if evidence is None:
        return []
    lag = evidence.onset_lag_s
    if lag is None:
        onset = gettext("the other eye did not move")
    else:
        started = {
            1: N_("the other eye started %(seconds)s later"),
            -1: N_("the other eye started %(seconds)s earlier"),
            0: N_("the other eye started %(seconds)s at the same time"),
        }[(lag > 0) - (lag < 0)]
        onset = gettext(started) % {"seconds": f"{abs(lag):.2f}{NBSP}s"}
    return [
        (
            gettext("The event's eye"),
            gettext("rose %(rise)s in closure, %(z)s times its own frame-to-frame noise")
            % {"rise": f"{evidence.closing_rise:.2f}", "z": f"{evidence.closing_z:.1f}"},
        ),
        (
            gettext("The other eye"),
            gettext(
                "rose %(rise)s (%(z)s times its noise); in this video's blinks it rises about "
                "%(expected)s when the first eye rises as much"
            )
            % {
                "rise": f"{evidence.other_rise:.2f}",
                "z": f"{evidence.other_z:.1f}",
                "expected": f"{evidence.expected_other_rise:.2f}",
            },
        ),
        (gettext("Onset"), onset),
    ]


def _question(e: Event, *, rejected: bool) -> str:
    question = QUESTIONS.get(("blink" if e.kind == "blink" else e.side, rejected))
    if question is not None:
        return gettext(question)
    what_it_is = f"a spasm of the {e.side} eye"
    return f"Rejected. Was it {what_it_is} after all?" if rejected else f"Is this {what_it_is}?"


def event_view(
    item: ReviewedEvent,
    *,
    base_url: str,
    trace_view: dict[str, Any] | None,
    frames: bool,
) -> dict[str, Any]:
    """One event: what it is and how sure, why, its trace and frames, and its review state."""
    e = item.label
    detected = item.detected
    confidence = MISSING
    if item.state in (CorrectionAction.CONFIRM, CorrectionAction.RELABEL, CorrectionAction.ADD):
        confidence = gettext("sure (reviewed)")
    elif detected is not None and detected.confidence is not None:
        confidence = f"{100 * detected.confidence:.0f}{NBSP}%"
    url = f"{base_url}/events/{item.key}"
    changed = (
        detected is not None
        and item.state is CorrectionAction.RELABEL
        and (detected.kind, detected.side, detected.type) != (e.kind, e.side, e.type)
    )
    return {
        "key": item.key,
        "number": item.number,
        "anchor": f"event-{item.key}",
        "what": what(e.kind, e.side),
        "question": _question(e, rejected=item.state is CorrectionAction.REJECT),
        "side_class": e.side if e.kind == "spasm" else "blink",
        "type": gettext(EVENT_TYPES_TEXT.get(e.type or "", MISSING)),
        "confidence": confidence,
        "start": fmt(e.start_s, 2, "s"),
        "end": fmt(e.end_s, 2, "s"),
        "duration": fmt(e.end_s - e.start_s, 2, "s"),
        "peak_closure": fmt(e.peak_closure, 2) if math.isfinite(e.peak_closure) else MISSING,
        "state": item.state.value if item.state else "unreviewed",
        "state_text": gettext(STATE_TEXT[item.state]),
        "rejected": item.state is CorrectionAction.REJECT,
        "added": detected is None,
        "detected_as": event_text(detected) if changed and detected is not None else "",
        "reason": (detected.reason if detected is not None else e.reason) or "",
        "evidence": evidence_text(detected.evidence if detected is not None else None),
        "trace": trace_view,
        "frames": [
            {
                "url": f"{url}/frames/{moment}.jpg",
                "label": gettext(label),
                "alt": gettext("Video frame %(moment)s of event %(number)s")
                % {"moment": gettext(label).lower(), "number": item.number},
            }
            for moment, label in (
                ("before", N_("Just before")),
                ("peak", N_("At the peak")),
                ("after", N_("Just after")),
            )
        ]
        if frames
        else [],
        "action_url": f"{url}/correction",
        "kind": e.kind,
        "side": e.side,
        "type_value": e.type or "",
    }


# --- the figures as corrected, beside the detected ones -------------------------------------------


def corrected_view(
    detected: AnalysisResult,
    corrected: AnalysisResult | None,
    *,
    by: str | None,
    at: datetime | None,
    reviewed: Sequence[ReviewedEvent],
) -> dict[str, Any] | None:
    """Each headline figure as detected and as corrected, with who corrected it when; None
    while nothing was corrected."""
    if corrected is None or at is None:
        return None
    counts = {a: sum(r.state is a for r in reviewed) for a in CorrectionAction}
    unreviewed = sum(r.state is None for r in reviewed)
    return {
        "by": by or gettext("a former user"),
        "on": at.date().isoformat(),
        "rows": [
            {
                "label": gettext("Affected side"),
                "detected": side_name(detected.affected_side),
                "corrected": side_name(corrected.affected_side),
            },
            *(
                {
                    "label": gettext(m.label),
                    "detected": m.text(detected),
                    "corrected": m.text(corrected),
                }
                for m in MEASURES
            ),
        ],
        "side_reason": corrected.affected_side_reason,
        "summary": (
            f"{counts[CorrectionAction.CONFIRM]} confirmed, "
            f"{counts[CorrectionAction.RELABEL]} relabelled, "
            f"{counts[CorrectionAction.REJECT]} rejected, {counts[CorrectionAction.ADD]} added; "
            f"{unreviewed} not reviewed"
        ),
        "unreviewed": unreviewed,
    }


def history_rows(history: Sequence[Any], numbers: Mapping[str, str]) -> list[dict[str, str]]:
    """The corrections, newest first: when, who, which event, what it was and what it became."""
    return [
        {
            "at": c.at.strftime("%Y-%m-%d %H:%M UTC"),
            "by": c.by,
            "event": numbers.get(c.key, c.key),
            "action": gettext(ACTION_TEXT[c.action]),
            "was": "—" if c.action is CorrectionAction.ADD else event_text(c.before),
            "became": event_text(c.after),
        }
        for c in history
    ]
