"""Expressions of a healthy face: smiling, talking, looking down. None is a ground-truth event."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.synth.expressions import Expression, draw_expressions, with_expressions
from hemispasm.synth.pulses import Pulse, pulse_lasting, threshold_width
from hemispasm.synth.schedule import make_schedule


def test_a_lively_face_talks_smiles_and_looks_down() -> None:
    kinds = {
        x.kind
        for seed in range(8)
        for x in draw_expressions(duration_s=60.0, rng=np.random.default_rng(seed), lively=1.0)
    }
    assert kinds == {"talk", "smile", "look_down"}


def test_a_still_face_makes_fewer_expressions() -> None:
    def count(lively: float) -> int:
        return sum(
            len(draw_expressions(duration_s=60.0, rng=np.random.default_rng(s), lively=lively))
            for s in range(10)
        )

    assert count(0.0) < count(1.0)


def test_a_smile_lifts_both_cheeks_and_narrows_both_eyes_from_below() -> None:
    smile = Expression("smile", 1.0, 0.4, 1.0, 0.4, left=0.9, right=0.6)
    t = np.arange(0.0, 4.0, 0.01)
    acts = with_expressions(
        make_schedule(duration_s=4.0, spasms=False, rng=np.random.default_rng(0)).activations(t),
        (smile,),
    )
    held = (t > 1.5) & (t < 2.3)
    assert acts.cheek.left[held].min() > 0.8 and acts.cheek.right[held].max() < 0.7
    assert acts.lid_lift.left[held].min() > 0.8 and acts.lid_lift.right[held].min() > 0.5
    assert acts.jaw.max() == 0.0


def test_talking_opens_the_jaw_at_the_syllable_rate_and_expressions_add_no_events() -> None:
    talk = Expression("talk", 0.5, 0.2, 3.0, 0.2, left=1.0, right=1.0, rate_hz=4.0)
    s = make_schedule(duration_s=5.0, spasms=False, rng=np.random.default_rng(1))
    t = np.arange(0.0, 5.0, 0.01)
    acts = with_expressions(s.activations(t), (talk,))
    jaw = acts.jaw[(t > 1.0) & (t < 3.5)]
    crossings = np.sum(np.diff(np.sign(jaw - 0.5)) != 0)
    assert jaw.max() > 0.9 and jaw.min() < 0.2
    assert 12 <= crossings <= 30  # about 4 openings a second for 2.5 s
    assert (
        s.events == make_schedule(duration_s=5.0, spasms=False, rng=np.random.default_rng(1)).events
    )


def test_looking_down_lowers_both_lids_slowly() -> None:
    look = Expression("look_down", 1.0, 0.4, 1.0, 0.4, left=0.25, right=0.3)
    t = np.arange(0.0, 3.5, 0.01)
    acts = with_expressions(
        make_schedule(duration_s=3.5, spasms=False, rng=np.random.default_rng(2)).activations(t),
        (look,),
    )
    assert acts.closure.left[(t > 1.5) & (t < 2.3)].min() >= 0.24


def test_a_pulse_lasting_a_duration_stays_above_threshold_that_long() -> None:
    p = pulse_lasting(0.2, level=0.9, rise_fraction=0.35)
    start, end, _, peak = p.crossings()
    assert end - start == pytest.approx(0.2, abs=0.002)
    assert peak == pytest.approx(0.9, abs=1e-3)
    assert threshold_width(0.1, 0.2, 0.9) < 0.3


def test_a_slow_reopening_lingers_before_rest() -> None:
    p = Pulse(0.0, 0.05, 0.0, 0.1, 0.9, tail_level=0.2, tail_s=0.3, tail_fall_s=0.1)
    assert p.closure(np.array([0.3]))[0] == pytest.approx(0.2)
    assert p.closure(np.array([p.t1_s + 0.01]))[0] == 0.0
    with pytest.raises(ValueError, match="a slow reopening needs 0 < tail_level < level"):
        Pulse(0.0, 0.05, 0.0, 0.1, 0.3, tail_level=0.5, tail_s=0.3, tail_fall_s=0.1)
