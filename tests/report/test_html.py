"""report.html: self-contained, honest about estimates, and showing the measurements."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

import hemispasm
from hemispasm.analysis.types import Event
from hemispasm.report import html as html_module
from hemispasm.report.charts import closure_chart_svg
from hemispasm.report.frames import KeyFrame, key_frame_times, strongest_spasm
from hemispasm.report.html import EVENTS_OPEN_MAX, render_report, render_report_html
from hemispasm.report.result_json import build_result


@pytest.fixture
def key_frames() -> list[KeyFrame]:
    image = np.full((48, 64, 3), 128, np.uint8)
    return [KeyFrame("At rest", 0.3, image), KeyFrame("Peak of the strongest spasm", 1.3, image)]


@pytest.fixture
def html(analysis, key_frames) -> str:
    return render_report_html(analysis, key_frames=key_frames)


def test_it_shows_the_caveat_beside_the_grades(html, analysis):
    assert html.count(str(escape(analysis.grades.caveat))) >= 2
    assert "Estimates, not ratings." in html


def test_it_shows_the_metrics_and_grades(html):
    for text in ("Subject&#39;s LEFT", "21.4", "10.7", "30.4 %", "1.50 s", "cheek 100 %", "II"):
        assert text in html, text
    assert "peak closure rule" in html


def test_it_inlines_the_chart_and_the_pictures(html):
    assert "<svg" in html
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 2


def test_it_references_nothing_outside_the_file(html):
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link\b", html, re.IGNORECASE)
    assert "url(http" not in html and "@import" not in html


def test_it_escapes_text_from_the_file_name(analysis, key_frames):
    evil = replace(analysis, source=replace(analysis.source, path=Path("<b>x<i>.mp4")))
    html = render_report_html(evil, key_frames=key_frames)
    assert "<b>x<i>" not in html and "&lt;b&gt;x&lt;i&gt;.mp4" in html


def test_it_collapses_a_long_event_list(analysis, key_frames):
    many = tuple(
        Event("blink", "both", 0.05 * i, 0.05 * i + 0.02, 0.05 * i + 0.01, 0.9, False, ("eye",))
        for i in range(EVENTS_OPEN_MAX + 1)
    )
    html = render_report_html(replace(analysis, events=many), key_frames=key_frames)
    assert "<details>" in html
    assert "<details open>" in render_report_html(analysis, key_frames=key_frames)


def test_the_chart_is_reproducible(analysis):
    args = (analysis.measurements, analysis.closure, analysis.events, [(5.4, 5.8)])
    assert closure_chart_svg(*args) == closure_chart_svg(*args)


def test_it_picks_the_strongest_spasm_and_a_resting_moment(analysis):
    assert strongest_spasm(analysis.events) == analysis.events[0]
    (rest_label, rest_t), (_, peak_t) = key_frame_times(analysis)
    assert rest_label == "At rest"
    assert peak_t == pytest.approx(1.3)
    assert all(not (e.start_s - 0.5 <= rest_t <= e.end_s + 0.5) for e in analysis.events)


def test_it_reads_key_frames_from_the_video(analysis, fake_reader, tmp_path: Path):
    out = render_report(analysis, video_path=tmp_path / "v.mp4", out_path=tmp_path / "r.html")
    assert len(re.findall(r"data:image/jpeg;base64,", out.read_text())) == 2


def test_it_still_writes_the_report_without_a_video(analysis, tmp_path: Path):
    out = render_report(analysis, video_path=None, out_path=tmp_path / "r.html")
    text = out.read_text()
    assert "No video was given" in text and "<img" not in text


def test_rendering_leaves_matplotlib_settings_alone(analysis):
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    render_report_html(analysis)
    assert dict(mpl.rcParams) == before


def test_it_still_writes_the_report_when_the_decoder_crashes(analysis, tmp_path: Path, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("cv2 hiccup")

    monkeypatch.setattr(html_module, "extract_key_frames", crash)
    out = render_report(analysis, video_path=tmp_path / "v.mp4", out_path=tmp_path / "r.html")
    text = out.read_text()
    assert "The pictures could not be read from the video: RuntimeError: cv2 hiccup" in text
    assert "<img" not in text and "<svg" in text


def test_the_usable_tile_shows_the_measured_share_of_the_recording(analysis, key_frames):
    half = replace(analysis, metrics=replace(analysis.metrics, usable_duration_s=3.0))
    html = render_report_html(half, key_frames=key_frames)
    tile = html[html.index("Usable video") : html.index("</section>")]
    assert ">50 %<" in tile and "of the recording could be measured" in tile
    assert "face found in 93 % of frames" in tile


def test_it_says_the_largest_face_is_measured(html):
    assert "the largest face is measured" in html
    assert "more than one face, or" not in html


def test_it_says_how_closed_mostly_closed_is(html):
    assert "Time the affected eye was mostly closed" in html
    assert "closure above 0.5, i.e. the eye about 75 % shut or more" in html


def test_the_chart_comes_right_after_the_key_figures(html):
    order = [html.index(h) for h in ('class="summary"', "Eyes and mouth over time", "Recording")]
    assert order == sorted(order)


def test_the_report_and_result_json_show_the_same_software(analysis, key_frames):
    bare = replace(analysis, software={"landmark_model": "facemesh-x"})
    html = render_report_html(bare, key_frames=key_frames)
    software = build_result(bare).software.model_dump()
    assert software["version"] == hemispasm.__version__
    for key, value in software.items():
        assert f'<th scope="row">{key}</th><td><code>{value}</code>' in html
    assert f"Produced by hemispasm {hemispasm.__version__} " in html


def test_counts_read_as_english() -> None:
    from hemispasm.report.labels import count_of as _count

    assert _count(1, "blink") == "1 blink"
    assert _count(0, "spasm") == "0 spasms"
    assert _count(3, "spasm") == "3 spasms"
