"""Properties of the ground-truth schedule: blinks and spasms as real faces make them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hemispasm.errors import InvalidParameterError
from hemispasm.synth.pulses import EVENT_THRESHOLD
from hemispasm.synth.schedule import (
    BLINK_DURATION_S,
    LEAD_IN_S,
    LEAD_OUT_S,
    MAX_LEAK,
    MAX_ONSET_LAG_S,
    MIN_REST_S,
    PARTIAL_PEAK,
    WEAK_EYE_RATIO,
    BlinkStyle,
    make_schedule,
)

SEEDS = range(12)
TOL_S = 0.002  # events are read off a 0.5 ms grid


def schedule(seed: int, **kw):
    kw.setdefault("duration_s", 60.0)
    return make_schedule(rng=np.random.default_rng(seed), **kw)


def all_happenings(**kw):
    return [h for seed in SEEDS for h in schedule(seed, **kw).happenings]


def test_it_is_reproducible_from_the_seed() -> None:
    assert schedule(3).events == schedule(3).events
    assert schedule(3).events != schedule(4).events


@pytest.mark.parametrize("seed", SEEDS)
def test_groups_are_inside_the_window_and_separated_by_rest(seed: int) -> None:
    s = schedule(seed)
    assert s.happenings[0].t0_s >= LEAD_IN_S - 1e-9
    assert max(h.t1_s for h in s.happenings) <= s.duration_s - LEAD_OUT_S + 1e-9
    # Closure is exactly zero somewhere in every stretch of MIN_REST_S without an event.
    acts = s.activations(np.arange(0.0, s.duration_s, 0.001))
    busy = np.zeros_like(acts.times_s, dtype=bool)
    for h in s.happenings:
        busy |= (acts.times_s > h.t0_s) & (acts.times_s < h.t1_s)
    assert acts.closure.left[~busy].max() == 0.0
    assert acts.closure.right[~busy].max() == 0.0


def test_event_start_and_end_are_the_threshold_crossings() -> None:
    s = schedule(1, duration_s=30.0, side="left")
    for h, e in zip(s.happenings, (h.to_event() for h in s.happenings), strict=True):
        if h.kind == "spasm":
            p = h.pulse("left")
            assert p is not None
            c = p.closure(np.array([e.start_s - 0.002, e.start_s + 0.002, e.end_s + 0.002]))
            assert c[0] <= EVENT_THRESHOLD < c[1]
            assert c[2] <= EVENT_THRESHOLD


def test_blinks_close_both_eyes_but_not_alike() -> None:
    blinks = [h for h in all_happenings(spasms=False) if h.kind == "blink"]
    assert len(blinks) > 100
    ratios, lags = [], []
    for h in blinks:
        assert h.left is not None and h.right is not None and h.side == "both"
        weak, strong = sorted((h.left.level, h.right.level))
        ratios.append(weak / strong)
        lags.append(abs(h.left.t0_s - h.right.t0_s))
    assert min(ratios) >= WEAK_EYE_RATIO[0] - 1e-9
    assert min(ratios) < 0.55  # some blinks read at about half in one eye
    assert max(lags) <= MAX_ONSET_LAG_S + 1e-9 and max(lags) > 0.01
    assert any(p.slow_reopening for h in blinks for p in h.pulses)
    assert {h.type for h in blinks} == {"complete", "incomplete"}


def test_the_eyes_of_a_blink_start_at_most_a_frame_apart() -> None:
    for seed in SEEDS:
        s = schedule(seed, spasms=False, frame_interval_s=1 / 60)
        for h in s.happenings:
            assert abs(h.left.t0_s - h.right.t0_s) <= 1 / 60 + 1e-9  # type: ignore[union-attr]


def test_blink_durations_stay_in_their_range_unless_one_eye_reopens_slowly() -> None:
    for h in all_happenings(spasms=False):
        e = h.to_event()
        slow = any(p.slow_reopening for p in h.pulses)
        assert e.duration_s >= BLINK_DURATION_S[0] - TOL_S
        if not slow:
            lag = abs(h.left.t0_s - h.right.t0_s)  # type: ignore[union-attr]
            assert e.duration_s <= BLINK_DURATION_S[1] + lag + TOL_S


def test_some_blinks_come_in_bursts() -> None:
    found = 0
    for seed in SEEDS:
        events = [e for e in schedule(seed, spasms=False).events]
        found += sum(b.start_s - a.end_s < MIN_REST_S for a, b in itertools.pairwise(events))
    assert found > 0


def test_spasms_are_one_sided_of_every_type() -> None:
    spasms = [h for h in all_happenings(side="right") if h.kind == "spasm"]
    assert {h.type for h in spasms} == {"twitch", "partial", "burst", "tonic"}
    for h in spasms:
        assert h.side == "right" and h.right is not None
        if h.left is not None:  # a slight sympathetic movement of the other eye
            assert h.left.level <= MAX_LEAK + 1e-9


def test_partial_spasms_close_35_to_60_percent_and_tonic_ones_tremble_for_seconds() -> None:
    spasms = [h for h in all_happenings(side="left") if h.kind == "spasm"]
    for h in spasms:
        e = h.to_event()
        if h.type == "partial":
            assert PARTIAL_PEAK[0] - 1e-6 <= e.peak_closure <= PARTIAL_PEAK[1] + 0.05
        if h.type == "tonic":
            p = h.left
            assert p is not None and p.tremor_amp > 0.0 and 4.0 <= p.tremor_hz <= 8.0
            assert e.duration_s >= 1.0 and e.tonic


def test_a_spasm_set_off_by_a_blink_outlasts_it() -> None:
    found = 0
    for seed in SEEDS:
        hs = schedule(seed).happenings
        for blink, spasm in itertools.pairwise(hs):
            if blink.kind == "blink" and spasm.kind == "spasm" and spasm.t0_s < blink.t1_s:
                found += 1
                assert spasm.to_event().end_s >= blink.to_event().end_s + 0.1
    assert found > 0


def test_spasms_move_cheek_and_mouth_with_the_eye_on_their_side_only() -> None:
    s = schedule(2, side="left")
    acts = s.activations(np.arange(0.0, s.duration_s, 0.01))
    assert acts.mouth.right.max() == acts.cheek.right.max() == acts.brow.right.max() == 0.0
    assert acts.mouth.left.max() > 0.3
    regions = [e.regions for e in s.events if e.kind == "spasm"]
    assert any("mouth" in r for r in regions)


@pytest.mark.parametrize("seed", SEEDS)
def test_density_is_about_6_to_20_spasms_per_minute_plus_blinks(seed: int) -> None:
    events = schedule(seed, duration_s=60.0).events
    n_spasm = sum(e.kind == "spasm" for e in events)
    n_blink = sum(e.kind == "blink" for e in events)
    assert 4 <= n_spasm <= 26
    assert 3 <= n_blink <= 24


def test_a_control_schedule_has_blinks_only() -> None:
    for seed in SEEDS:
        events = schedule(seed, spasms=False).events
        assert events
        assert all(e.kind == "blink" and e.side == "both" for e in events)


def test_a_given_blink_style_is_used() -> None:
    style = BlinkStyle(
        weak_eye="left", weak_ratio=0.5, slow_reopening_p=0.0, incomplete_p=0.0, burst_p=0.0
    )
    s = make_schedule(duration_s=30.0, spasms=False, rng=np.random.default_rng(0), style=style)
    for h in s.happenings:
        assert h.left.level < 0.6 * h.right.level  # type: ignore[union-attr]
        assert not any(p.slow_reopening for p in h.pulses)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": 2.0}, "duration_s must be a number >= 3, but got 2.0"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"side": "both"}, "side must be 'left' or 'right', but got 'both'"),
        ({"frame_interval_s": 0.0}, "frame_interval_s must be > 0, but got 0.0"),
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
