"""compute_metrics and compute_quality on synthetic faces."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.analysis.events import compute_closure, detect_events
from hemispasm.analysis.measurements import compute_measurements
from hemispasm.analysis.metrics import compute_metrics, compute_quality
from hemispasm.analysis.types import Event
from tests.analysis.synth_landmarks import make_landmarks, pulse, times, total


def run(t: np.ndarray, **curves):
    lm = make_landmarks(t, jitter_px=0.08, **curves)
    m = compute_measurements(lm)
    c = compute_closure(m)
    events = detect_events(m, c)
    return lm, m, c, events, compute_metrics(m, c, events)


def test_a_left_sided_spasm_video_has_left_as_affected_side() -> None:
    twitches = [pulse(2 + 3 * i, 0.2, 0.6) for i in range(5)]
    tonic = pulse(17, 1.5, 0.65)
    blinks = pulse(25, 0.1, 0.65)
    *_, metrics = run(
        times(30, 30),
        closure_left=total(*twitches, tonic, blinks),
        closure_right=blinks,
        mouth_left=total(*(pulse(2 + 3 * i, 0.2, 0.04) for i in range(5))),
    )
    assert metrics.affected_side == "left"
    assert metrics.spasm_count == 6 and metrics.blink_count == 1
    assert metrics.tonic_spasm_count == 1
    assert metrics.spasms_per_min == pytest.approx(12.0, rel=0.01)
    assert metrics.usable_duration_s == pytest.approx(30.0, rel=0.01)
    assert metrics.longest_tonic_spasm_s == pytest.approx(1.6, abs=0.15)
    assert metrics.region_involvement["mouth"] == pytest.approx(5 / 6)
    assert metrics.region_involvement["eye"] == 1.0
    assert 0.6 < metrics.asymmetry_index <= 1.0  # the other eye reads a little jitter
    # about 1.6 s of the tonic spasm plus ~5 x 0.25 s of twitches above 0.5 closure
    assert 5.0 < metrics.pct_time_affected_eye_half_closed < 12.0
    assert metrics.max_spasm_peak_closure == pytest.approx(0.65, abs=0.05)


def test_without_spasms_there_is_no_affected_side() -> None:
    blink = total(pulse(2, 0.1, 0.65), pulse(5, 0.1, 0.65))
    *_, metrics = run(times(8, 30), closure_left=blink, closure_right=blink)
    assert metrics.affected_side is None
    assert metrics.spasm_count == 0 and metrics.blink_count == 2
    assert metrics.mean_spasm_duration_s is None and metrics.longest_spasm_s is None
    assert metrics.pct_time_affected_eye_half_closed == 0.0
    assert metrics.asymmetry_index == pytest.approx(0.0, abs=0.2)


def test_rates_are_per_usable_minute() -> None:
    t = times(20, 30)
    valid = t < 10.0
    lm = make_landmarks(t, closure_right=pulse(5, 0.2, 0.6), valid=valid)
    m = compute_measurements(lm)
    c = compute_closure(m)
    metrics = compute_metrics(m, c, detect_events(m, c))
    assert metrics.usable_duration_s == pytest.approx(10.0, abs=0.1)
    assert metrics.spasms_per_min == pytest.approx(6.0, rel=0.02)


def test_quality_lists_unusable_stretches_and_warns() -> None:
    t = times(10, 15)
    valid = np.ones(t.size, bool)
    valid[30:45] = False  # 1 s without a face
    valid[60] = False  # one frame: too short to list
    lm = make_landmarks(t, valid=valid)
    q = compute_quality(lm, compute_measurements(lm))
    assert q.usable
    assert q.unusable_spans == ((2.0, 3.0),)
    assert q.face_found_fraction == pytest.approx(1 - 16 / 150)
    assert any("no face was found" in w for w in q.warnings)
    assert any("low frame rate" in w for w in q.warnings)


def test_quality_is_not_usable_when_the_head_is_turned_away() -> None:
    t = times(10, 30)
    lm = make_landmarks(t, yaw_deg=60.0)
    q = compute_quality(lm, compute_measurements(lm))
    assert not q.usable
    assert any("turned" in w for w in q.warnings)


def test_it_rejects_bad_inputs() -> None:
    _, m, c, _, _ = run(times(2, 30))
    with pytest.raises(TypeError, match=r"events\[0\] must be a Event, but got str"):
        compute_metrics(m, c, ["blink"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"closure.right must have shape \(60,\)"):
        compute_metrics(m, c.__class__(left=c.left, right=c.right[:3]), ())
    with pytest.raises(ValueError, match="landmarks must have as many frames"):
        compute_quality(make_landmarks(times(1, 30)), m)


def test_events_are_taken_as_given() -> None:
    _, m, c, _, _ = run(times(6, 30))
    given = tuple(
        Event("spasm", "right", s, s + 0.5, s + 0.2, 0.6, False, ("eye", "cheek"))
        for s in (1.0, 2.5, 4.0)
    )
    metrics = compute_metrics(m, c, given)
    assert metrics.affected_side == "right"
    assert metrics.region_involvement["cheek"] == 1.0
    assert metrics.mean_spasm_duration_s == pytest.approx(0.5)


def test_one_or_two_spasms_name_no_side_and_say_why() -> None:
    _, m, c, _, _ = run(times(6, 30))
    two = tuple(Event("spasm", "left", s, s + 0.3, s + 0.1, 0.6, False, ("eye",)) for s in (1, 3))
    metrics = compute_metrics(m, c, two)
    assert metrics.affected_side is None
    assert "at least 3 confident spasms" in metrics.affected_side_reason


def test_unsure_spasms_do_not_name_a_side() -> None:
    _, m, c, _, _ = run(times(6, 30))
    unsure = tuple(
        Event("spasm", "left", s, s + 0.3, s + 0.1, 0.6, False, ("eye",), confidence=0.3)
        for s in (1.0, 2.0, 3.0, 4.0)
    )
    assert compute_metrics(m, c, unsure).affected_side is None


def test_spasms_on_both_sides_name_no_side() -> None:
    _, m, c, _, _ = run(times(6, 30))
    mixed = tuple(
        Event("spasm", side, s, s + 0.3, s + 0.1, 0.6, False, ("eye",))
        for s, side in ((1.0, "left"), (2.0, "right"), (3.0, "left"), (4.0, "right"), (5, "left"))
    )
    metrics = compute_metrics(m, c, mixed)
    assert metrics.affected_side is None
    assert "both sides (3 left, 2 right" in metrics.affected_side_reason


def test_blinks_alone_give_no_time_closed_even_with_a_spasm_side() -> None:
    # Long, deep blinks of both eyes plus three brief, shallow left twitches: the left side is
    # affected, but its eye was only closed past closed_closure during blinks.
    blinks = total(*(pulse(2 + 2 * i, 0.3, 0.65) for i in range(4)))
    twitches = total(*(pulse(10.5 + 1.2 * i, 0.1, 0.35) for i in range(3)))
    *_, metrics = run(times(15, 30), closure_left=total(blinks, twitches), closure_right=blinks)
    assert metrics.blink_count == 4 and metrics.affected_side == "left"
    assert metrics.pct_time_affected_eye_half_closed == 0.0


def test_the_time_closed_counts_frames_inside_the_affected_sides_spasms() -> None:
    _, m, c, _, _ = run(times(6, 30), closure_left=pulse(2, 1.0, 0.65))
    inside = Event("spasm", "left", 1.9, 3.2, 2.5, 0.65, True, ("eye",))
    before = tuple(
        Event("spasm", "left", s, s + 0.3, s + 0.1, 0.3, False, ("eye",)) for s in (0.3, 0.9, 4.5)
    )
    closed = compute_metrics(m, c, (inside, *before)).pct_time_affected_eye_half_closed
    outside = compute_metrics(m, c, before).pct_time_affected_eye_half_closed
    assert closed == pytest.approx(100 * 1.05 / 6, abs=2.0)
    assert outside == 0.0


def test_the_pose_warning_names_the_roll_limit() -> None:
    t = times(10, 30)
    lm = make_landmarks(t, roll_deg=np.where(t < 5, 0.0, 60.0))
    q = compute_quality(lm, compute_measurements(lm))
    assert any("roll 45 deg" in w and "yaw 35 deg" in w for w in q.warnings)
