"""The shared words of the reports: light to import, honest about what is measured, and the ones
report.html actually shows."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from markupsafe import escape

from hemispasm.report.html import render_report_html
from hemispasm.report.labels import (
    METRICS,
    PARAM_LABELS,
    PCT_CLOSED,
    closed_level_note,
    count_of,
    number,
    percent,
    regions_text,
    shut_percent,
    side_label,
    side_name,
    usable_of,
)


def test_the_labels_import_nothing_heavy() -> None:
    code = (
        "import sys, hemispasm.report.labels; "
        "print(sorted(m for m in ('matplotlib', 'numpy', 'cv2', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_time_closed_is_worded_as_what_the_metric_counts() -> None:
    note = closed_level_note(0.5)

    assert "closure above 0.5, i.e. the eye about 75 % shut or more" in note
    assert "a spasm of the affected side" in note and "blinks do not count" in note
    assert "half" not in note and "half" not in PCT_CLOSED.label
    assert PCT_CLOSED.label == "Time the affected eye was mostly closed by spasms"


@pytest.mark.parametrize("closure", [0.0, 0.2, 0.4, 0.5, 0.6])
def test_more_closure_never_reads_as_less_shut(closure: float) -> None:
    assert shut_percent(closure) <= shut_percent(closure + 0.05)
    assert shut_percent(closure) % 5 == 0


def test_a_fully_shut_eye_reads_as_fully_shut() -> None:
    assert shut_percent(0.65) == 100 and shut_percent(0.0) == 0


@pytest.mark.parametrize("value", [None, math.nan, math.inf])
def test_a_missing_number_is_a_dash(value: float | None) -> None:
    assert number(value, 2, "s") == "—" and percent(value) == "—"


def test_numbers_keep_their_unit_with_the_space_asked_for() -> None:
    assert number(1.234, 2, "s") == "1.23 s"
    assert number(9.72, 1, "%", space="\u00a0") == "9.7\u00a0%"
    assert number(3.0) == "3.0" and percent(0.934) == "93 %"
    assert usable_of(10.0, 12.0) == "10.0 s of 12.0 s"
    assert regions_text({"cheek": 1.0, "mouth": None}) == "cheek 100 %, mouth —"
    assert regions_text({}) == "—"
    assert count_of(1, "blink") == "1 blink" and count_of(0, "spasm") == "0 spasms"


def test_sides_are_named_alike_with_and_without_emphasis() -> None:
    assert [side_name(s) for s in ("left", "right", "both", None)] == [
        "Left",
        "Right",
        "Both sides",
        "Not determined",
    ]
    assert side_label("left") == "Subject's LEFT" and side_label(None) == "Not determined"


def test_the_standalone_report_shows_the_shared_words(analysis) -> None:
    html = render_report_html(analysis)
    shown = [
        "affected_side",
        "usable_duration_s",
        "spasms_per_min",
        "blinks_per_min",
        "pct_time_affected_eye_half_closed",
        "mean_spasm_duration_s",
        "longest_spasm_s",
        "longest_tonic_spasm_s",
        "region_involvement",
        "asymmetry_index",
    ]
    for key in shown:
        assert str(escape(METRICS[key].label)) in html, key
        assert str(escape(METRICS[key].note)) in html, key
    closed = analysis.params.closed_closure
    assert str(escape(closed_level_note(closed))) in html
    assert str(escape(PARAM_LABELS["merge_gap_s"])) in html
