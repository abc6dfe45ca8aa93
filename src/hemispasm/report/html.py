"""report.html: a self-contained clinical report (inline CSS, SVG and JPEG; no network).

Its figures, events, grades and records are read from the typed result (``report.contract``),
the same one result.json holds; the analysis itself is read only for the closure chart and the
key frames, which need the per-frame signals and the video.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from hemispasm.errors import HemispasmError
from hemispasm.report.charts import SIDE_STYLE, closure_chart_svg
from hemispasm.report.contract import AnalysisResult
from hemispasm.report.frames import KeyFrame, extract_key_frames, jpeg_data_uri
from hemispasm.report.labels import (
    EVENTS_OPEN_MAX,
    METRICS,
    MISSING,
    PARAM_LABELS,
    blinks_note,
    closed_level_note,
    event_row,
    grade_row,
    mirrored_text,
    number,
    percent,
    picture_size,
    regions_text,
    shut_percent,
    side_label,
    spasms_note,
    tonic_note,
    usable_of,
)
from hemispasm.report.result_json import build_result, result_params

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis


@dataclass(frozen=True)
class Row:
    """One line of a two- or three-column table in the report."""

    label: str
    value: str
    note: str = ""


def _fraction(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, or None when either is missing or ``whole`` is not positive."""
    if part is None or whole is None or not (math.isfinite(part) and math.isfinite(whole)):
        return None
    return part / whole if whole > 0 else None


def _row(key: str, value: str, note: str | None = None) -> Row:
    """The measure ``key`` of the result's metrics, in the words both reports use."""
    wording = METRICS[key]
    return Row(wording.label, value, wording.note if note is None else note)


def _metric_rows(result: AnalysisResult) -> list[Row]:
    mt = result.metrics
    params = result_params(result)
    return [
        _row("affected_side", side_label(result.affected_side)),
        _row("usable_duration_s", usable_of(mt.usable_duration_s, result.source.duration_s)),
        _row("spasms_per_min", number(mt.spasms_per_min), spasms_note(mt.spasm_count)),
        _row("blinks_per_min", number(mt.blinks_per_min), blinks_note(mt.blink_count)),
        _row(
            "pct_time_affected_eye_half_closed",
            number(mt.pct_time_affected_eye_half_closed, 1, "%"),
            closed_level_note(params.closed_closure),
        ),
        _row("mean_spasm_duration_s", number(mt.mean_spasm_duration_s, 2, "s")),
        _row("longest_spasm_s", number(mt.longest_spasm_s, 2, "s")),
        _row(
            "longest_tonic_spasm_s",
            number(mt.longest_tonic_spasm_s, 2, "s"),
            tonic_note(mt.tonic_spasm_count, params.tonic_min_s),
        ),
        _row("region_involvement", regions_text(mt.region_involvement)),
        _row("asymmetry_index", number(mt.asymmetry_index, 2)),
    ]


def _source_rows(result: AnalysisResult) -> list[Row]:
    src = result.source
    analysed = MISSING if src.frames_analysed is None else str(src.frames_analysed)
    return [
        Row("File", src.file),
        Row("Duration", number(src.duration_s, 1, "s")),
        Row("Frames", f"{src.frames} (analysed: {analysed})"),
        Row("Frame rate", number(src.fps_nominal, 2, "fps")),
        Row("Resolution", picture_size(src.width, src.height)),
        Row("Rotation", f"{src.rotation_deg}°"),
        Row("Mirrored (selfie) video", mirrored_text(src.mirrored)),
        Row("Container / codec", f"{src.container or '?'} / {src.codec or '?'}"),
        Row("SHA-256", src.sha256),
    ]


def _event_rows(result: AnalysisResult) -> list[dict[str, str]]:
    return [
        event_row(
            i,
            kind=e.kind,
            side=e.side,
            start_s=e.start_s,
            end_s=e.end_s,
            peak_closure=e.peak_closure,
            tonic=e.tonic,
            regions=e.regions,
            side_text=side_label,
            event_type=e.type,
            confidence=e.confidence,
            reason=e.reason,
        )
        for i, e in enumerate(result.events, start=1)
    ]


def _grade_rows(result: AnalysisResult) -> list[dict[str, str]]:
    return [grade_row(name, g.value, g.scale, g.rule) for name, g in result.grades.estimates()]


def _key_frame_items(frames: Sequence[KeyFrame]) -> list[dict[str, str]]:
    return [
        {"label": f.label, "time": number(f.time_s, 2, "s"), "src": jpeg_data_uri(f.rgb)}
        for f in frames
    ]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hemispasm.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report_html(
    analysis: Analysis,
    *,
    result: AnalysisResult | None = None,
    key_frames: Sequence[KeyFrame] = (),
    key_frames_note: str = "",
) -> str:
    """The report as HTML text: the figures of ``result`` (built from ``analysis`` when not
    given), the chart of ``analysis``'s signals. ``key_frames`` are shown as given."""
    result = build_result(analysis) if result is None else result
    src = result.source
    params = result_params(result)
    spans = result.quality.unusable_spans
    context: dict[str, Any] = {
        "title": f"Hemifacial spasm video measurement: {src.file}",
        "file_name": src.file,
        "source_rows": _source_rows(result),
        "caveat": result.grades.caveat,
        "affected_side": side_label(result.affected_side),
        "affected_side_raw": result.affected_side,
        "affected_side_reason": result.affected_side_reason,
        "spasms_countable": result.metrics.spasms_countable,
        "metric_rows": _metric_rows(result),
        "grade_rows": _grade_rows(result),
        "chart_svg": Markup(  # our own matplotlib output, not user input
            closure_chart_svg(
                analysis.measurements,
                analysis.closure,
                analysis.events,
                analysis.quality.unusable_spans,
                closed_level=params.closed_closure,
            )
        ),
        "side_colors": {k: v["color"] for k, v in SIDE_STYLE.items()},
        "key_frames": _key_frame_items(key_frames),
        "key_frames_note": key_frames_note,
        "events": _event_rows(result),
        "events_open": len(result.events) <= EVENTS_OPEN_MAX,
        "quality": result.quality,
        "face_found_pct": percent(result.quality.face_found_fraction),
        "closed_shut_pct": shut_percent(params.closed_closure),
        "usable_pct": percent(_fraction(result.metrics.usable_duration_s, src.duration_s)),
        "unusable_spans": [(number(a, 2), number(b, 2), number(b - a, 2)) for a, b in spans],
        "params": dict(result.params),
        "p": params,
        "param_labels": PARAM_LABELS,
        "software": result.software.model_dump(),
    }
    return _environment().get_template("report.html").render(**context)


def render_report(
    analysis: Analysis,
    *,
    video_path: str | Path | None,
    out_path: str | Path,
    key_frames: Sequence[KeyFrame] | None = None,
    result: AnalysisResult | None = None,
) -> Path:
    """Write report.html for ``analysis`` to ``out_path`` and return the path.

    ``result`` is the analysis's typed result (built from ``analysis`` when not given). Key
    frames (a resting frame and the peak of the strongest spasm) are read from
    ``video_path`` unless ``key_frames`` is given. If the video cannot be read the report is still
    written, with a note in place of the pictures.
    """
    note = ""
    if key_frames is None:
        if video_path is None:
            key_frames, note = [], "No video was given, so no pictures are shown."
        else:
            try:
                key_frames = extract_key_frames(analysis, video_path)
            except Exception as exc:  # a decoder hiccup costs the pictures, not the report
                reason = exc if isinstance(exc, HemispasmError) else f"{type(exc).__name__}: {exc}"
                key_frames, note = [], f"The pictures could not be read from the video: {reason}"
    if not key_frames and not note:
        note = "No suitable frames were found for pictures."
    out_path = Path(out_path)
    out_path.write_text(
        render_report_html(analysis, result=result, key_frames=key_frames, key_frames_note=note),
        encoding="utf-8",
    )
    return out_path


"""Kept under its old name for callers of this module."""
