"""How far the other eye looked away while one eye closed (``gaze_shift``)."""

from __future__ import annotations

import numpy as np

from hemispasm.analysis.evidence import gaze_shift

T = np.arange(0, 2.0, 1 / 30)


def test_it_measures_a_look_down_during_the_closing():
    y = np.where(T >= 1.05, -0.15, 0.0)
    assert gaze_shift(T, y, start_s=1.0, window=(1.0, 1.2)) > 0.14


def test_a_look_elsewhere_that_ended_before_the_closing_does_not_count():
    """Real faces glance about: a look that ended 0.1 s before the lid began to move did not
    take the lid with it (the reference is where the eye was just before, not 0.25 s before)."""
    x = np.where(T >= 0.9, 0.15, 0.0)
    assert gaze_shift(T, x, start_s=1.0, window=(1.0, 1.2)) < 0.01


def test_it_reads_nothing_without_frames_before_or_inside():
    x = np.zeros_like(T)
    assert gaze_shift(T, x, start_s=0.0, window=(0.0, 0.2)) == 0.0
    nan = np.full_like(T, np.nan)
    assert gaze_shift(T, nan, start_s=1.0, window=(1.0, 1.2)) == 0.0
