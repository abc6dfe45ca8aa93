"""A clinician's corrections of an analysis's events, and the figures they lead to.

Pure: the detected events of a stored ``hemispasm.analysis/1`` result (``report.contract``) and
the corrections made so far in; out come each event as it now stands, the corrected events, and
the result recomputed from them with the analysis's own ``compute_metrics`` and
``estimate_grades``. No database, no files, no clock.

Every event has a key: ``e<n>`` for the n-th detected event of the result (from 1, in the
result's order) and ``a<n>`` for the n-th event a clinician added to the analysis. An event's
latest correction decides how it stands: confirmed (the label it last had, now sure), rejected
(left out of every figure), relabelled (another kind, side or type) or added.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, cast, get_args

import numpy as np

from hemispasm.analysis.grading import estimate_grades
from hemispasm.analysis.metrics import compute_metrics
from hemispasm.analysis.types import (
    Event,
    EventKind,
    EventSide,
    EventType,
    Measurements,
    SidePair,
)
from hemispasm.errors import ClinicalDataError
from hemispasm.report import contract
from hemispasm.report.contract import AnalysisResult
from hemispasm.report.result_json import (
    analysis_event,
    event_model,
    grades_model,
    metrics_model,
    result_params,
)


class CorrectionAction(StrEnum):
    """What a clinician did to one event."""

    CONFIRM = "confirm"
    REJECT = "reject"
    RELABEL = "relabel"
    ADD = "add"


KINDS: tuple[EventKind, ...] = get_args(EventKind)
SIDES: tuple[EventSide, ...] = get_args(EventSide)
SPASM_TYPES: tuple[EventType, ...] = ("twitch", "partial", "burst", "tonic")
BLINK_TYPES: tuple[EventType, ...] = ("complete", "incomplete")
MAX_ADDED_S = 60.0
"""The longest event a clinician can add (a held spasm of a minute is already extraordinary)."""

_KEY = re.compile(r"^(e[1-9][0-9]{0,5}|a[1-9][0-9]{0,9})$")


# --- keys and labels -----------------------------------------------------------------------------


def detected_key(n: int) -> str:
    """The key of the ``n``-th detected event (from 1)."""
    return f"e{n}"


def added_key(n: int) -> str:
    """The key of the ``n``-th event added to an analysis (from 1)."""
    return f"a{n}"


def check_event_key(key: str) -> str:
    """``key`` if it has the form of an event key; ClinicalDataError naming ``event`` if not."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ClinicalDataError(
            "event", f"{str(key)[:20]!r} is not an event: e<number> or a<number>"
        )
    return key


@dataclass(frozen=True)
class Label:
    """What an event is: kind, side and (optionally) type."""

    kind: EventKind
    side: EventSide
    type: EventType | None = None


def check_label(kind: str, side: str, event_type: str | None) -> Label:
    """The label, if its parts fit together: a blink closes both eyes, a spasm one; a spasm is a
    twitch, partial, burst or tonic, a blink complete or incomplete.

    Raises ClinicalDataError naming ``kind``, ``side`` or ``type``.
    """
    if kind not in KINDS:
        raise ClinicalDataError("kind", f"must be spasm or blink, not {str(kind)[:20]!r}")
    if side not in SIDES:
        raise ClinicalDataError("side", f"must be left, right or both, not {str(side)[:20]!r}")
    if kind == "blink" and side != "both":
        raise ClinicalDataError("side", "a blink closes both eyes: choose both")
    if kind == "spasm" and side == "both":
        raise ClinicalDataError("side", "a spasm is of one eye: choose left or right")
    allowed = SPASM_TYPES if kind == "spasm" else BLINK_TYPES
    if event_type is not None and event_type not in allowed:
        raise ClinicalDataError(
            "type", f"a {kind} is {', '.join(allowed)}, not {str(event_type)[:20]!r}"
        )
    return Label(cast(EventKind, kind), cast(EventSide, side), cast(EventType | None, event_type))


def check_span(start_s: float, end_s: float, *, duration_s: float) -> None:
    """Refuse an added event outside the video, ending before it starts, or over a minute long.

    Raises ClinicalDataError naming ``start_s`` or ``end_s``.
    """
    for name, value in (("start_s", start_s), ("end_s", end_s)):
        if not math.isfinite(value) or value < 0:
            raise ClinicalDataError(name, f"must be a time of 0 s or more, not {value}")
        if value > duration_s:
            raise ClinicalDataError(
                name, f"{value:g} s is after the end of the video ({duration_s:.2f} s)"
            )
    if end_s <= start_s:
        raise ClinicalDataError("end_s", f"{end_s:g} s is not after the start ({start_s:g} s)")
    if end_s - start_s > MAX_ADDED_S:
        raise ClinicalDataError(
            "end_s", f"the event would last {end_s - start_s:.1f} s; at most {MAX_ADDED_S:g} s"
        )


# --- events as results store them ----------------------------------------------------------------


def event_from_json(d: Mapping[str, Any]) -> Event:
    """An event as a result or a stored correction holds it (older results lack type,
    confidence, evidence and reason; a peak closure that could not be measured is null)."""
    return analysis_event(contract.Event.model_validate(d))


def event_json(event: Event) -> dict[str, Any]:
    """The result.json form of an event, with every number JSON-safe (NaN as null)."""
    return event_model(event).model_dump(mode="json")


def detected_events(result: AnalysisResult) -> tuple[Event, ...]:
    """The events of a stored result, in its order."""
    return tuple(analysis_event(e) for e in result.events)


# --- how each event stands after the corrections -------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One stored correction, as far as the events care: which event, what was done, and the
    event it left (None once rejected)."""

    id: int
    key: str
    action: CorrectionAction
    after: Event | None


@dataclass(frozen=True)
class ReviewedEvent:
    """One event as it now stands."""

    key: str
    detected: Event | None
    """As the analysis found it; None for an added event."""
    label: Event
    """The event with the label it last had (kept while rejected, so it can be confirmed back)."""
    current: Event | None
    """What the figures count: None when rejected."""
    state: CorrectionAction | None
    """The latest correction's action; None while nobody has looked at it."""
    last_step_id: int | None = None

    @property
    def number(self) -> str:
        """How the pages number it: "3" for the third detected event, "A2" for the second added."""
        return self.key[1:] if self.key.startswith("e") else f"A{self.key[1:]}"


def review_events(detected: Sequence[Event], steps: Sequence[Step]) -> tuple[ReviewedEvent, ...]:
    """Every event, detected and added, as the ``steps`` (in the order made) left it; in time
    order. A step naming an event that does not exist is refused (ClinicalDataError, ``event``)."""
    events: dict[str, ReviewedEvent] = {
        detected_key(n): ReviewedEvent(detected_key(n), e, e, e, None)
        for n, e in enumerate(detected, start=1)
    }
    for step in sorted(steps, key=lambda s: s.id):
        if step.action is CorrectionAction.ADD:
            if step.after is None:
                raise ClinicalDataError("event", f"correction {step.id} adds no event")
            events[step.key] = ReviewedEvent(
                step.key, None, step.after, step.after, CorrectionAction.ADD, step.id
            )
            continue
        was = events.get(step.key)
        if was is None:
            raise ClinicalDataError("event", f"no event {step.key} in this analysis")
        label = was.label if step.after is None else step.after
        events[step.key] = replace(
            was, label=label, current=step.after, state=step.action, last_step_id=step.id
        )
    return tuple(sorted(events.values(), key=lambda r: (r.label.start_s, r.key)))


def find_event(reviewed: Sequence[ReviewedEvent], key: str) -> ReviewedEvent:
    """The event with ``key``; ClinicalDataError naming ``event`` when there is none."""
    for item in reviewed:
        if item.key == key:
            return item
    raise ClinicalDataError("event", f"no event {key} in this analysis")


def relabelled(event: Event, label: Label) -> Event:
    """``event`` as ``label`` says, sure (no confidence): a type the label does not give is kept
    while the kind stays the same; a spasm is tonic when its type says so or, keeping its kind
    and type, when it was."""
    same_kind = label.kind == event.kind
    event_type = label.type if label.type is not None else (event.type if same_kind else None)
    if label.kind == "spasm":
        tonic = event_type == "tonic" or (same_kind and event.tonic and label.type is None)
    else:
        tonic = False
    return replace(
        event, kind=label.kind, side=label.side, type=event_type, tonic=tonic, confidence=None
    )


def after_correction(
    item: ReviewedEvent, action: CorrectionAction, label: Label | None = None
) -> Event | None:
    """The event a correction of ``item`` leaves: confirmed, the label it last had, made sure;
    rejected, None; relabelled, as ``label`` says.

    Raises ClinicalDataError naming ``action`` for an addition (not a correction of an event) or
    a relabelling without a label.
    """
    if action is CorrectionAction.CONFIRM:
        return replace(item.label, confidence=None)
    if action is CorrectionAction.REJECT:
        return None
    if action is CorrectionAction.RELABEL:
        if label is None:
            raise ClinicalDataError("kind", "a relabelling needs the kind and side")
        return relabelled(item.label, label)
    raise ClinicalDataError("action", "confirm, reject or relabel an event; add one separately")


def added_event(
    label: Label, *, start_s: float, end_s: float, peak_s: float, peak_closure: float
) -> Event:
    """An event the analysis missed, as a clinician marked it (sure: no confidence)."""
    return Event(
        kind=label.kind,
        side=label.side,
        start_s=start_s,
        end_s=end_s,
        peak_s=peak_s,
        peak_closure=peak_closure,
        tonic=label.kind == "spasm" and label.type == "tonic",
        regions=("eye",),
        type=label.type,
        reason="added by a clinician",
    )


def peak_within(
    measurements: Measurements, closure: SidePair, side: EventSide, start_s: float, end_s: float
) -> tuple[float, float]:
    """The most closed usable frame between ``start_s`` and ``end_s`` of ``side``'s eye (for
    ``both``, the more closed eye): (time, closure); the middle and NaN when none was measured."""
    t = np.asarray(measurements.timestamps_s, dtype=np.float64)
    left = np.asarray(closure.left, dtype=np.float64)
    right = np.asarray(closure.right, dtype=np.float64)
    c = np.fmax(left, right) if side == "both" else (left if side == "left" else right)
    usable = np.asarray(measurements.usable, dtype=bool)
    ok = (t >= start_s) & (t <= end_s) & usable & np.isfinite(c)
    if not ok.any():
        return 0.5 * (start_s + end_s), math.nan
    i = np.flatnonzero(ok)[int(np.argmax(c[ok]))]
    return float(t[i]), float(c[i])


def corrected_events(reviewed: Sequence[ReviewedEvent]) -> tuple[Event, ...]:
    """The events the corrected figures count, in time order."""
    kept = (r.current for r in reviewed if r.current is not None)
    return tuple(sorted(kept, key=lambda e: e.start_s))


# --- the figures, recomputed ---------------------------------------------------------------------


def recompute_result(
    result: AnalysisResult,
    measurements: Measurements,
    closure: SidePair,
    events: Sequence[Event],
) -> AnalysisResult:
    """``result`` with its events replaced by ``events`` and its affected side, metrics and
    grade estimates recomputed from them, by the analysis's own rules and the result's own
    parameters. Source, quality, parameters and software stay as they were."""
    params = result_params(result)
    metrics = compute_metrics(measurements, closure, events, params)
    grades = estimate_grades(metrics, params)
    return result.model_copy(
        update={
            "events": [event_model(e) for e in sorted(events, key=lambda e: e.start_s)],
            "affected_side": metrics.affected_side,
            "affected_side_reason": metrics.affected_side_reason,
            "metrics": metrics_model(metrics),
            "grades": grades_model(grades),
        }
    )
