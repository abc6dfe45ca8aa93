"""Properties of the ground-truth schedule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hemispasm.errors import InvalidParameterError
from hemispasm.synth.schedule import (
    BLINK_DURATION_S,
    EVENT_THRESHOLD,
    LEAD_IN_S,
    LEAD_OUT_S,
    MIN_REST_S,
    TWITCH_DURATION_S,
    make_schedule,
)

SEEDS = range(12)
TOL_S = 0.002  # events are read off a 0.5 ms grid


def schedule(seed: int, **kw):
    kw.setdefault("duration_s", 60.0)
    return make_schedule(rng=np.random.default_rng(seed), **kw)


def test_it_is_reproducible_from_the_seed() -> None:
    assert schedule(3).events == schedule(3).events
    assert schedule(3).events != schedule(4).events


@pytest.mark.parametrize("seed", SEEDS)
def test_events_are_in_time_order_separated_by_rest_and_inside_the_window(seed: int) -> None:
    s = schedule(seed)
    pulses = s.pulses
    assert pulses[0].t0_s >= LEAD_IN_S
    assert pulses[-1].t1_s <= s.duration_s - LEAD_OUT_S + 1e-9
    gaps = [b.t0_s - a.t1_s for a, b in itertools.pairwise(pulses)]
    assert min(gaps) >= 0.2 - 1e-9
    # Rest shorter than MIN_REST_S happens only between twitches of one burst.
    for a, b, gap in zip(pulses, pulses[1:], gaps, strict=False):
        if gap < MIN_REST_S - 1e-9:
            assert a.kind == b.kind == "twitch"
    # Closure is exactly zero in every gap.
    acts = s.activations(np.arange(0.0, s.duration_s, 0.001))
    for a, b in itertools.pairwise(pulses):
        t = acts.times_s
        between = (t >= a.t1_s) & (t <= b.t0_s)
        assert acts.closure.left[between].max(initial=0) == 0.0
        assert acts.closure.right[between].max(initial=0) == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_event_durations_and_peaks_are_in_their_ranges(seed: int) -> None:
    s = schedule(seed, side="right")
    for e in s.events:
        assert e.start_s < e.peak_s < e.end_s
        if e.kind == "blink":
            assert e.side == "both"
            assert e.regions == ("eye",)
            assert BLINK_DURATION_S[0] - TOL_S <= e.duration_s <= BLINK_DURATION_S[1] + TOL_S
            assert 0.9 - 1e-6 <= e.peak_closure <= 1.0
        elif e.tonic:
            assert e.side == "right"
            assert 1.0 <= e.duration_s <= 3.0 + 0.1
            assert e.peak_closure >= 0.8
        else:
            assert e.side == "right"
            assert TWITCH_DURATION_S[0] - TOL_S <= e.duration_s <= TWITCH_DURATION_S[1] + TOL_S
            assert 0.35 - 1e-6 <= e.peak_closure <= 1.0
        assert e.regions[0] == "eye"


def test_tonic_spasms_never_return_to_rest_and_tremble() -> None:
    tonics = [p for seed in SEEDS for p in schedule(seed).pulses if p.kind == "tonic"]
    assert tonics
    for p in tonics:
        hold = np.linspace(p.t0_s + p.rise_s, p.t0_s + p.rise_s + p.hold_s, 2000)
        c = p.closure(hold)
        assert c.min() > 0.6
        assert 4.0 <= p.tremor_hz <= 8.0
        assert np.ptp(c) > 0.03


def test_event_start_and_end_are_the_threshold_crossings() -> None:
    s = schedule(1, duration_s=30.0, side="left")
    for e in s.events:
        c = s.activations(np.array([e.start_s - 0.002, e.start_s + 0.002, e.end_s + 0.002]))
        left = c.closure.left
        assert left[0] <= EVENT_THRESHOLD < left[1]
        assert left[2] <= EVENT_THRESHOLD


def test_spasms_are_one_sided_and_move_cheek_and_mouth_with_the_eye() -> None:
    s = schedule(2, side="left")
    t = np.arange(0.0, s.duration_s, 0.01)
    acts = s.activations(t)
    spasm_time = np.zeros_like(t, dtype=bool)
    for e in s.events:
        if e.kind == "spasm":
            spasm_time |= (t >= e.start_s) & (t <= e.end_s)
    assert acts.closure.left[spasm_time].min() > 0.0
    assert acts.closure.right[spasm_time].max() == 0.0
    assert acts.mouth.right.max() == acts.cheek.right.max() == acts.brow.right.max() == 0.0
    assert acts.mouth.left.max() > 0.3
    assert np.all(acts.mouth.left <= acts.closure.left + 1e-12)
    regions = [e.regions for e in s.events if e.kind == "spasm"]
    assert any("mouth" in r for r in regions)


def test_blinks_close_both_eyes_equally() -> None:
    s = schedule(0, spasms=False)
    acts = s.activations(np.arange(0.0, s.duration_s, 0.005))
    np.testing.assert_array_equal(acts.closure.left, acts.closure.right)
    assert acts.closure.left.max() >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_density_is_10_to_20_spasms_per_minute_plus_blinks(seed: int) -> None:
    events = schedule(seed, duration_s=60.0).events
    n_spasm = sum(e.kind == "spasm" for e in events)
    n_blink = sum(e.kind == "blink" for e in events)
    assert 8 <= n_spasm <= 23
    assert 5 <= n_blink <= 20


def test_bursts_have_rest_of_at_least_0_2_s_between_twitches() -> None:
    found = 0
    for seed in SEEDS:
        events = schedule(seed).events
        for a, b in itertools.pairwise(events):
            gap = b.start_s - a.end_s
            if gap < MIN_REST_S:
                found += 1
                assert gap >= 0.2
    assert found > 0


def test_a_control_schedule_has_blinks_only() -> None:
    for seed in SEEDS:
        events = schedule(seed, spasms=False).events
        assert events
        assert all(e.kind == "blink" and e.side == "both" for e in events)


def test_a_short_video_still_keeps_its_margins() -> None:
    s = schedule(0, duration_s=3.0)
    for p in s.pulses:
        assert p.t0_s >= LEAD_IN_S
        assert p.t1_s <= 3.0 - LEAD_OUT_S + 1e-9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": 2.0}, "duration_s must be a number >= 3, but got 2.0"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"side": "both"}, "side must be 'left' or 'right', but got 'both'"),
    ],
)
def test_it_rejects_bad_parameters(kwargs: dict, match: str) -> None:
    kw = {"duration_s": 30.0, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        make_schedule(rng=np.random.default_rng(0), **kw)


def test_it_rejects_a_seed_instead_of_a_generator() -> None:
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator, but got int"):
        make_schedule(duration_s=30.0, rng=0)  # type: ignore[arg-type]


def test_a_stronger_head_motion_turns_the_head_further_and_keeps_the_light() -> None:
    from hemispasm.synth.motion import HeadMotion

    t = np.arange(0.0, 30.0, 1 / 30)
    calm = HeadMotion.draw(np.random.default_rng(3)).poses(t)
    restless = HeadMotion.draw(np.random.default_rng(3), strength=3.0).poses(t)
    assert np.ptp(restless.yaw_deg) > 2 * np.ptp(calm.yaw_deg)
    assert np.ptp(restless.roll_deg) > 2 * np.ptp(calm.roll_deg)
    assert np.ptp(restless.gain) < 0.25  # light drift keeps its own limit
    with pytest.raises(ValueError, match="strength must be > 0, but got 0"):
        HeadMotion.draw(np.random.default_rng(3), strength=0)
