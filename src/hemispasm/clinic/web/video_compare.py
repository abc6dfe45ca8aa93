"""Two analyses side by side: which way each measure went, the closure of both eyes across each
recording, the key frames of each.

Pure: stored results (``report.contract``), their per-frame closure and their events as they
stand in; text and SVG geometry for ``video_compare.html`` out (attributes and classes only, no
inline style). The page itself is ``video_pages``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hemispasm.clinic.domain.corrections import ReviewedEvent
from hemispasm.clinic.web.i18n import N_
from hemispasm.clinic.web.video_events import polylines
from hemispasm.clinic.web.video_report import MEASURES, ROMAN, Measure
from hemispasm.report.contract import AnalysisResult
from hemispasm.report.labels import METRICS

BETTER, WORSE, NO_CLEAR_CHANGE, NOT_RATED = (
    N_("better"),
    N_("worse"),
    N_("no clear change"),
    N_("not rated"),
)
CANNOT_TELL = N_("cannot tell")
CLEAR_SHARE = 0.2
"""A change counts when it is at least this share of the earlier value (and the floor below)."""
BLINKS_LABEL = N_("Blinks per minute (both eyes)")
NOT_RATED_LABELS = frozenset({BLINKS_LABEL, METRICS["usable_duration_s"].label})
"""Measures that are not a sign of the spasms: blinking, and how much video could be used."""
RULE_TEXT = N_(
    "Every measure of the spasms is better when it is lower: fewer spasms, shorter ones, the eye "
    "less often closed, a lower grade. A change is called clear when it is at least a fifth of "
    "the earlier value and at least 1 spasm per minute, 2 percentage points or 0.5 s; for a grade, "
    "one step. Anything smaller is “no clear change”. Blinks and the usable length of the video "
    "are not rated. The grades are estimates from a short video, not a clinician's rating."
)


@dataclass(frozen=True)
class ChangeRule:
    """How a measure is judged: lower is better; a change counts from ``floor`` and from
    ``share`` of the earlier value, whichever is larger."""

    floor: float
    share: float = CLEAR_SHARE


def rule_of(measure: Measure) -> ChangeRule | None:
    """The rule for ``measure``; None for the measures that are not rated."""
    if measure.label in NOT_RATED_LABELS:
        return None
    if measure.unit == "%":
        return ChangeRule(2.0)
    if measure.unit == "s":
        return ChangeRule(0.5)
    if measure.decimals == 0:  # a grade estimate: every step counts
        return ChangeRule(1.0, share=0.0)
    return ChangeRule(1.0)  # spasms per minute


def _number(value: float | int | str | None) -> float | None:
    """A measure's value as a number (an SMC grade "I"-"IV" as 1-4); None when there is none."""
    if isinstance(value, str):
        return float(ROMAN.index(value) + 1) if value in ROMAN else None
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def direction(before: float | None, after: float | None, rule: ChangeRule | None) -> str:
    """Which way a measure went from ``before`` to ``after`` under ``rule`` (lower is better)."""
    if rule is None:
        return NOT_RATED
    if before is None or after is None:
        return CANNOT_TELL
    diff = after - before
    if abs(diff) < max(rule.floor, rule.share * abs(before)):
        return NO_CLEAR_CHANGE
    return BETTER if diff < 0 else WORSE


def measure_rows(first: AnalysisResult, second: AnalysisResult) -> list[dict[str, str]]:
    """Each measure of the ``first`` (earlier) and ``second`` analysis, the change and its way."""
    rows = []
    for m in MEASURES:
        way = direction(_number(m.value(first)), _number(m.value(second)), rule_of(m))
        rows.append(
            {
                "label": m.label,
                "first": m.text(first),
                "second": m.text(second),
                "change": m.change(first, second),
                "direction": way,
                "direction_class": way.replace(" ", "-"),
            }
        )
    return rows


# --- the closure of both eyes across a recording ------------------------------------------------

RECORDING_TRACE = {"width": 560, "height": 170, "left": 40, "right": 548, "top": 10, "bottom": 140}
CLOSURE_TOP = 1.0
CLOSURE_BOTTOM = -0.1
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
TRACE_POINTS_MAX = 600
"""At most this many points per line: a long recording is thinned to about one per pixel."""


def recording_trace(
    timestamps_s: np.ndarray,
    usable: np.ndarray,
    closure_left: np.ndarray,
    closure_right: np.ndarray,
    *,
    duration_s: float,
    spasms: Sequence[tuple[float, float]] = (),
) -> dict[str, Any] | None:
    """Where the two eyes' closure lines, the spasms' spans and the axes go on an SVG of the whole
    recording. Unusable frames break the lines. None when there is no frame or no duration."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    end = max(duration_s, float(t.max()) if t.size else 0.0)
    if t.size == 0 or end <= 0:
        return None
    g = RECORDING_TRACE

    def x(time_s: float) -> float:
        return round(g["left"] + (g["right"] - g["left"]) * min(max(time_s, 0.0), end) / end, 1)

    def y(closure: float) -> float:
        c = min(max(closure, CLOSURE_BOTTOM), CLOSURE_TOP)
        frac = (c - CLOSURE_BOTTOM) / (CLOSURE_TOP - CLOSURE_BOTTOM)
        return round(g["bottom"] - (g["bottom"] - g["top"]) * frac, 1)

    step = max(1, math.ceil(t.size / TRACE_POINTS_MAX))
    ok = np.asarray(usable, dtype=bool)

    def lines(values: np.ndarray) -> list[str]:
        return polylines(range(0, t.size, step), t, values, ok, x, y)

    tick_step = next(
        s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if end / s <= 8 or s == 600
    )
    return {
        **g,
        "left_lines": lines(closure_left),
        "right_lines": lines(closure_right),
        "spans": [{"x": x(a), "w": max(round(x(b) - x(a), 1), 2.0)} for a, b in spasms if b > a],
        "grid": [{"y": y(level), "label": f"{level:g}"} for level in (0.0, 0.5, 1.0)],
        "ticks": [{"x": x(s), "label": f"{s:g}"} for s in range(0, int(end) + 1, tick_step)],
    }


def key_event(events: Sequence[ReviewedEvent]) -> ReviewedEvent | None:
    """The spasm to show the frames of: the one that closed the eye most, of those the figures
    count (a rejected event is left out)."""
    spasms = [
        e
        for e in events
        if e.current is not None
        and e.current.kind == "spasm"
        and math.isfinite(e.current.peak_closure)
    ]
    return max(spasms, key=lambda e: e.current.peak_closure if e.current else 0.0, default=None)
