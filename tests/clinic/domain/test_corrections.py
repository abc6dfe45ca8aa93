"""How corrections leave each event, and the figures recomputed from them (pure rules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hemispasm.analysis.types import Event, Measurements, SidePair
from hemispasm.clinic.domain.corrections import (
    CorrectionAction,
    Label,
    Step,
    after_correction,
    check_event_key,
    check_label,
    check_span,
    corrected_events,
    event_from_json,
    event_json,
    find_event,
    recompute_result,
    relabelled,
    review_events,
)
from hemispasm.errors import ClinicalDataError
from hemispasm.report.result_json import load_result

CONFIRM, REJECT, RELABEL, ADD = (
    CorrectionAction.CONFIRM,
    CorrectionAction.REJECT,
    CorrectionAction.RELABEL,
    CorrectionAction.ADD,
)


def spasm(start_s: float, side: str = "left", **kw: object) -> Event:
    fields: dict = {"kind": "spasm", "side": side, "start_s": start_s, "end_s": start_s + 0.2}
    fields |= {"peak_s": start_s + 0.1, "peak_closure": 0.4, "tonic": False, "regions": ("eye",)}
    return Event(**(fields | {"type": "twitch", "confidence": 0.6} | kw))


def blink(start_s: float) -> Event:
    return spasm(start_s, side="both", kind="blink", type="complete")


def test_without_corrections_every_event_stands_as_detected() -> None:
    detected = (spasm(1.0), blink(2.0), spasm(3.0))

    reviewed = review_events(detected, [])

    assert [r.key for r in reviewed] == ["e1", "e2", "e3"]
    assert all(r.state is None and r.current is r.detected for r in reviewed)
    assert corrected_events(reviewed) == detected


def test_the_latest_correction_of_an_event_decides_and_a_confirmation_keeps_its_last_label() -> (
    None
):
    detected = (spasm(1.0),)
    as_blink = relabelled(detected[0], Label("blink", "both"))
    steps = [
        Step(1, "e1", REJECT, None),
        Step(2, "e1", RELABEL, as_blink),
        Step(3, "e1", REJECT, None),
    ]
    [rejected] = review_events(detected, steps)
    assert rejected.state is REJECT and rejected.current is None
    assert rejected.label == as_blink  # what a confirmation brings back

    back = after_correction(rejected, CONFIRM)

    assert back is not None and (back.kind, back.side, back.confidence) == ("blink", "both", None)


def test_steps_count_in_the_order_made_whatever_order_they_come_in() -> None:
    detected = (spasm(1.0),)
    steps = [Step(2, "e1", CONFIRM, detected[0]), Step(1, "e1", REJECT, None)]
    [item] = review_events(detected, steps)
    assert item.state is CONFIRM and item.current is not None


def test_an_added_event_joins_in_time_order() -> None:
    added = spasm(2.0, side="right", confidence=None)
    reviewed = review_events((spasm(1.0), spasm(3.0)), [Step(7, "a1", ADD, added)])

    assert [r.key for r in reviewed] == ["e1", "a1", "e2"]
    assert find_event(reviewed, "a1").number == "A1" and find_event(reviewed, "e2").number == "2"
    with pytest.raises(ClinicalDataError, match=r"^event: no event a2 in this analysis"):
        find_event(reviewed, "a2")


def test_a_correction_of_an_unknown_event_is_refused() -> None:
    with pytest.raises(ClinicalDataError, match=r"^event: no event e3 in this analysis"):
        review_events((spasm(1.0),), [Step(1, "e3", REJECT, None)])


def test_relabelling_keeps_the_type_only_while_the_kind_stays() -> None:
    tonic = spasm(1.0, tonic=True, type="tonic")

    assert relabelled(tonic, Label("spasm", "right")).type == "tonic"
    assert relabelled(tonic, Label("spasm", "right")).tonic
    assert relabelled(tonic, Label("blink", "both")).type is None
    assert not relabelled(tonic, Label("blink", "both")).tonic
    assert relabelled(spasm(1.0), Label("spasm", "left", "tonic")).tonic
    assert not relabelled(tonic, Label("spasm", "left", "twitch")).tonic


@pytest.mark.parametrize(
    ("kind", "side", "event_type", "message"),
    [
        ("blink", "left", None, r"^side: a blink closes both eyes"),
        ("spasm", "both", None, r"^side: a spasm is of one eye"),
        ("spasm", "left", "complete", r"^type: a spasm is twitch, partial, burst, tonic"),
        ("blink", "both", "tonic", r"^type: a blink is complete, incomplete"),
        ("wink", "left", None, r"^kind: must be spasm or blink"),
        ("spasm", "up", None, r"^side: must be left, right or both"),
    ],
)
def test_a_label_whose_parts_do_not_fit_is_refused_naming_the_part(
    kind: str, side: str, event_type: str | None, message: str
) -> None:
    with pytest.raises(ClinicalDataError, match=message):
        check_label(kind, side, event_type)


def test_an_event_key_is_checked_and_a_span_must_lie_in_the_video() -> None:
    assert check_event_key("e12") == "e12" and check_event_key("a3") == "a3"
    for bad in ("e0", "x1", "e", "a-1", "e1 "):
        with pytest.raises(ClinicalDataError, match=r"^event: "):
            check_event_key(bad)
    check_span(1.0, 2.0, duration_s=2.0)
    with pytest.raises(ClinicalDataError, match=r"^end_s: the event would last 61.0 s"):
        check_span(0.0, 61.0, duration_s=120.0)


def test_events_of_older_results_and_unmeasured_peaks_are_read() -> None:
    old = {"kind": "blink", "side": "both", "start_s": 1.0, "end_s": 1.2, "peak_s": 1.1,
           "peak_closure": None, "tonic": False, "regions": ["eye"]}  # fmt: skip

    event = event_from_json(old)

    assert event.type is None and event.confidence is None and np.isnan(event.peak_closure)
    assert event_json(event)["peak_closure"] is None


# --- recomputed figures ------------------------------------------------------------------------


def flat_measurements(duration_s: float = 60.0, fps: float = 30.0) -> tuple[Measurements, SidePair]:
    t = np.arange(round(duration_s * fps)) / fps
    nan = np.full(t.shape, np.nan)
    pair = SidePair(nan, nan)
    m = Measurements(
        timestamps_s=t,
        aperture=pair,
        brow=pair,
        cheek=pair,
        mouth_corner=pair,
        yaw_deg=nan,
        pitch_deg=nan,
        roll_deg=nan,
        face_found=np.ones(t.shape, bool),
        usable=np.ones(t.shape, bool),
    )
    zeros = np.zeros(t.shape)
    return m, SidePair(zeros, zeros.copy())


SAMPLE = load_result(Path(__file__).parents[2] / "data" / "result_before_contract.json")
RESULT = SAMPLE.model_copy(
    update={
        "source": SAMPLE.source.model_copy(update={"duration_s": 60.0}),
        "params": {"closed_closure": 0.5},
        "events": [],
    }
)


@settings(max_examples=30, deadline=None)
@given(
    starts=st.lists(st.floats(0.0, 58.0), max_size=12),
    sides=st.lists(st.sampled_from(["left", "right", "both"]), min_size=12, max_size=12),
    rejected=st.sets(st.integers(0, 11)),
)
def test_the_recomputed_counts_are_the_events_kept(
    starts: list[float], sides: list[str], rejected: set[int]
) -> None:
    detected = tuple(
        blink(s) if side == "both" else spasm(s, side)
        for s, side in zip(starts, sides[: len(starts)], strict=True)
    )
    steps = [Step(i + 1, f"e{i + 1}", REJECT, None) for i in rejected if i < len(detected)]
    kept = corrected_events(review_events(detected, steps))
    m, closure = flat_measurements()

    result = recompute_result(RESULT, m, closure, kept)

    spasms = sum(e.kind == "spasm" for e in kept)
    assert result.metrics.spasm_count == spasms
    assert result.metrics.blink_count == len(kept) - spasms
    assert result.metrics.spasms_per_min == pytest.approx(spasms, abs=0.02)  # 60 s
    assert len(result.events) == len(kept)
    assert result.affected_side in (None, "left", "right")
    assert result.source == RESULT.source and result.software == RESULT.software


def test_a_side_is_named_from_sure_spasms_and_unnamed_once_they_are_rejected() -> None:
    m, closure = flat_measurements()
    detected = tuple(spasm(5.0 * i, confidence=None) for i in range(1, 5))

    named = recompute_result(RESULT, m, closure, detected)
    steps = [Step(i, f"e{i}", REJECT, None) for i in (1, 2)]
    unnamed = recompute_result(RESULT, m, closure, corrected_events(review_events(detected, steps)))

    jankovic_total = named.grades.jankovic_total.value
    assert named.affected_side == "left" and isinstance(jankovic_total, int) and jankovic_total >= 1
    assert unnamed.affected_side is None
    assert "at least 3 confident spasms" in unnamed.affected_side_reason
