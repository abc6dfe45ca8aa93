"""Spasms put into a real video: where they are laid, and that the picture's eye closes."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.errors import InvalidParameterError
from hemispasm.synth.implant import KEEP_CLEAR_S, implant_spasms, plan_spasms
from hemispasm.synth.schedule import LEAD_IN_S, LEAD_OUT_S, draw_spasm_group

TIMES = np.arange(0, 60.0, 1 / 30)
VALID = np.ones(TIMES.size, bool)


def _plan(seed: int = 0, **kw):
    args = {"times_s": TIMES, "valid": VALID, "blocked": [], "side": "left"} | kw
    return plan_spasms(rng=np.random.default_rng(seed), **args)


def test_it_lays_one_sided_spasms_at_about_the_rate_asked():
    plan = _plan(rate_per_min=15.0)
    events = plan.events
    assert 12 <= len(events) <= 20
    assert all(e.kind == "spasm" and e.side == "left" for e in events)
    assert {e.type for e in events} <= {"twitch", "partial", "burst", "tonic"}


def test_it_keeps_clear_of_blocked_spans_and_the_ends():
    blocked = [(10.0, 10.3), (20.0, 25.0), (40.0, 40.2)]
    for seed in range(5):
        plan = _plan(seed, blocked=blocked, rate_per_min=20.0)
        for h in plan.happenings:
            assert h.t0_s >= LEAD_IN_S - 1e-9
            assert h.t1_s <= TIMES[-1] - LEAD_OUT_S + 0.02
            for lo, hi in blocked:
                assert h.t1_s <= lo - KEEP_CLEAR_S + 0.02 or h.t0_s >= hi + KEEP_CLEAR_S - 0.02


def test_it_puts_nothing_where_the_face_is_missing():
    valid = VALID.copy()
    valid[(TIMES > 5.0) & (TIMES < 55.0)] = False
    plan = _plan(valid=valid, rate_per_min=20.0)
    for h in plan.happenings:
        assert h.t1_s <= 5.0 or h.t0_s >= 55.0


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    assert _plan(3).events == _plan(3).events
    assert _plan(3).events != _plan(4).events


def test_it_lays_fewer_when_the_free_time_runs_out():
    blocked = [(0.0, 50.0)]
    plan = _plan(blocked=blocked, rate_per_min=60.0)
    assert 0 < len(plan.events) < 30  # 60 asked for the whole minute
    assert all(h.t0_s >= 50.0 + KEEP_CLEAR_S - 0.02 for h in plan.happenings)


def test_a_spasm_group_put_in_has_no_blink():
    rng = np.random.default_rng(1)
    for _ in range(50):
        group = draw_spasm_group(rng, "right")
        assert all(h.kind == "spasm" and h.side == "right" for h in group)


def test_it_refuses_a_side_that_is_not_one():
    with pytest.raises(InvalidParameterError, match="side"):
        _plan(side="both")
    with pytest.raises(InvalidParameterError, match="times_s"):
        plan_spasms(
            times_s=TIMES[:1], valid=VALID[:1], blocked=[], side="left", rng=np.random.default_rng()
        )


@pytest.mark.slow
def test_the_eye_it_closes_reads_closed_and_the_other_does_not(tmp_path):
    """On a rendered face: a tonic spasm put in closes that eye in FaceMesh's reading."""
    from hemispasm.pipeline import analyze_video
    from hemispasm.synth.generate import make_synthetic_video

    synth = make_synthetic_video(
        tmp_path / "v", seed=3, spasms=False, duration_s=6.0, lively=0.0, head_motion=0.5
    )
    before = analyze_video(synth.video_path, use_cache=False)
    lm = before.landmarks
    blocked = [(e.start_s, e.end_s) for e in synth.truth.events]
    rng = np.random.default_rng(0)
    plan = None
    for _ in range(50):  # a plan with a tonic spasm
        p = plan_spasms(
            times_s=lm.timestamps_s,
            valid=lm.valid,
            blocked=blocked,
            side="right",
            rng=rng,
            rate_per_min=10.0,
        )
        if any(e.type == "tonic" for e in p.events):
            plan = p
            break
    assert plan is not None
    out = implant_spasms(synth.video_path, tmp_path / "with.mp4", landmarks=lm, schedule=plan)
    after = analyze_video(out, use_cache=False)
    tonic = next(e for e in plan.events if e.type == "tonic")
    t = after.measurements.timestamps_s
    inside = (t > tonic.start_s + 0.3) & (t < tonic.end_s - 0.3)
    assert np.nanmedian(after.closure.right[inside]) > 0.5
    assert (
        np.nanmedian(after.closure.right[inside]) > np.nanmedian(before.closure.right[inside]) + 0.4
    )
    assert np.nanmax(np.abs(after.closure.left[inside] - before.closure.left[inside])) < 0.15
