"""report.html: a self-contained clinical report (inline CSS, SVG and JPEG; no network)."""

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
from hemispasm.report.frames import KeyFrame, extract_key_frames, jpeg_data_uri
from hemispasm.report.result_json import GRADE_NAMES, software_info

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

EVENTS_OPEN_MAX = 15
"""Event tables longer than this start collapsed."""

_MISSING = "—"

FULLY_SHUT_CLOSURE = 0.65
"""What FaceMesh typically reads for a fully shut eye (0.6 to 0.7), used to word closure levels."""

_PARAM_LABELS: dict[str, str] = {
    "merge_gap_s": "Closures closer than this are one event (s)",
    "tonic_min_s": "Minimum duration of a tonic spasm (s)",
    "min_video_s": "Shortest video analysed (s)",
    "max_abs_yaw_deg": "Largest head turn kept (degrees)",
    "max_abs_pitch_deg": "Largest head tilt up/down kept (degrees)",
    "min_face_fraction": "Least fraction of frames with a face",
    "max_multi_face_fraction": "Most fraction of frames with several faces",
    "closed_closure": "Closure counted as closed",
}


_GRADE_LABELS: dict[str, str] = {
    "jankovic_severity": "Jankovic severity",
    "jankovic_frequency": "Jankovic frequency",
    "jankovic_total": "Jankovic total",
    "smc_grade": "SMC grade",
}


@dataclass(frozen=True)
class Row:
    """One line of a two- or three-column table in the report."""

    label: str
    value: str
    note: str = ""


def _num(value: float | int | None, decimals: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return _MISSING
    text = f"{value:.{decimals}f}"
    return f"{text} {unit}".rstrip() if unit else text


def _pct(fraction_0_1: float | None) -> str:
    if fraction_0_1 is None or not math.isfinite(fraction_0_1):
        return _MISSING
    return f"{100.0 * fraction_0_1:.0f} %"


def _fraction(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, or None when either is missing or ``whole`` is not positive."""
    if part is None or whole is None or not (math.isfinite(part) and math.isfinite(whole)):
        return None
    return part / whole if whole > 0 else None


def shut_percent(closure: float) -> int:
    """How far shut an eye reading ``closure`` is, in % of a fully shut eye, rounded to 5 %."""
    return 5 * round(20 * closure / FULLY_SHUT_CLOSURE)


def closed_level_note(closed_closure: float) -> str:
    """What "closure above ``closed_closure``" means in plain words, for the report."""
    return (
        f"share of usable time with closure above {closed_closure:g}, i.e. the eye about "
        f"{shut_percent(closed_closure)} % shut or more (a fully shut eye reads about 0.6 to 0.7)"
    )


def side_label(side: str | None) -> str:
    """Human wording of a side of the subject's face."""
    if side in ("left", "right"):
        return f"Subject's {side.upper()}"
    if side == "both":
        return "Both sides"
    return "Not determined"


def _metric_rows(analysis: Analysis) -> list[Row]:
    mt = analysis.metrics
    src = analysis.source
    closed = analysis.params.to_dict().get("closed_closure", 0.5)
    regions = (
        ", ".join(f"{name} {_pct(frac)}" for name, frac in mt.region_involvement.items())
        or _MISSING
    )
    return [
        Row("Affected side", side_label(mt.affected_side), "the side with more spasms"),
        Row(
            "Video analysed",
            f"{_num(mt.usable_duration_s)} s of {_num(src.duration_s)} s",
            "rates below are per minute of usable video",
        ),
        Row("Spasms per minute", _num(mt.spasms_per_min), _count(mt.spasm_count, "spasm")),
        Row(
            "Blinks per minute",
            _num(mt.blinks_per_min),
            f"{_count(mt.blink_count, 'blink')}, both eyes",
        ),
        Row(
            "Time the affected eye was mostly closed",
            f"{_num(mt.pct_time_affected_eye_half_closed)} %",
            closed_level_note(closed),
        ),
        Row("Mean spasm duration", _num(mt.mean_spasm_duration_s, 2, "s")),
        Row("Longest spasm", _num(mt.longest_spasm_s, 2, "s")),
        Row(
            "Longest tonic spasm",
            _num(mt.longest_tonic_spasm_s, 2, "s"),
            f"{mt.tonic_spasm_count} tonic (sustained ≥ {analysis.params.tonic_min_s:g} s)",
        ),
        Row("Region involvement", regions, "share of the affected side's spasms"),
        Row(
            "Asymmetry index",
            _num(mt.asymmetry_index, 2),
            "0 = both eyes close alike, 1 = only one eye closes",
        ),
    ]


def _source_rows(analysis: Analysis) -> list[Row]:
    src = analysis.source
    return [
        Row("File", Path(src.path).name),
        Row("Duration", _num(src.duration_s, 1, "s")),
        Row("Frames", f"{src.frames} (analysed: {analysis.measurements.n_frames})"),
        Row("Frame rate", _num(src.fps_nominal, 2, "fps")),
        Row("Resolution", f"{src.width} × {src.height} px"),
        Row("Rotation", f"{src.rotation_deg}°"),
        Row("Mirrored (selfie) video", "yes, un-mirrored for analysis" if src.mirrored else "no"),
        Row("Container / codec", f"{src.container} / {src.codec}"),
        Row("SHA-256", src.sha256),
    ]


def _event_rows(analysis: Analysis) -> list[dict[str, str]]:
    rows = []
    for i, e in enumerate(analysis.events, start=1):
        rows.append(
            {
                "n": str(i),
                "kind": e.kind,
                "side": side_label(e.side) if e.kind == "spasm" else "both eyes",
                "side_class": e.side,
                "start": _num(e.start_s, 2),
                "end": _num(e.end_s, 2),
                "duration": _num(e.duration_s, 2),
                "peak_closure": _num(e.peak_closure, 2),
                "tonic": "yes" if e.tonic else "",
                "regions": ", ".join(e.regions),
            }
        )
    return rows


def _grade_rows(analysis: Analysis) -> list[dict[str, str]]:
    out = []
    for name in GRADE_NAMES:
        g = getattr(analysis.grades, name)
        out.append(
            {
                "name": _GRADE_LABELS.get(g.name, g.name),
                "value": _MISSING if g.value is None else str(g.value),
                "scale": g.scale,
                "rule": g.rule,
            }
        )
    return out


def _key_frame_items(frames: Sequence[KeyFrame]) -> list[dict[str, str]]:
    return [
        {"label": f.label, "time": _num(f.time_s, 2, "s"), "src": jpeg_data_uri(f.rgb)}
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
    key_frames: Sequence[KeyFrame] = (),
    key_frames_note: str = "",
) -> str:
    """The report as HTML text. ``key_frames`` are shown as given (already extracted)."""
    src = analysis.source
    context: dict[str, Any] = {
        "title": f"Hemifacial spasm video measurement: {Path(src.path).name}",
        "file_name": Path(src.path).name,
        "source_rows": _source_rows(analysis),
        "caveat": analysis.grades.caveat,
        "affected_side": side_label(analysis.metrics.affected_side),
        "affected_side_raw": analysis.metrics.affected_side,
        "metric_rows": _metric_rows(analysis),
        "grade_rows": _grade_rows(analysis),
        "chart_svg": Markup(  # our own matplotlib output, not user input
            closure_chart_svg(
                analysis.measurements,
                analysis.closure,
                analysis.events,
                analysis.quality.unusable_spans,
                closed_level=analysis.params.to_dict().get("closed_closure", 0.5),
            )
        ),
        "side_colors": {k: v["color"] for k, v in SIDE_STYLE.items()},
        "key_frames": _key_frame_items(key_frames),
        "key_frames_note": key_frames_note,
        "events": _event_rows(analysis),
        "events_open": len(analysis.events) <= EVENTS_OPEN_MAX,
        "quality": analysis.quality,
        "face_found_pct": _pct(analysis.quality.face_found_fraction),
        "closed_shut_pct": shut_percent(analysis.params.to_dict().get("closed_closure", 0.5)),
        "usable_pct": _pct(_fraction(analysis.metrics.usable_duration_s, src.duration_s)),
        "unusable_spans": [
            (_num(a, 2), _num(b, 2), _num(b - a, 2)) for a, b in analysis.quality.unusable_spans
        ],
        "params": analysis.params.to_dict(),
        "param_labels": _PARAM_LABELS,
        "software": software_info(analysis),
    }
    return _environment().get_template("report.html").render(**context)


def render_report(
    analysis: Analysis,
    *,
    video_path: str | Path | None,
    out_path: str | Path,
    key_frames: Sequence[KeyFrame] | None = None,
) -> Path:
    """Write report.html for ``analysis`` to ``out_path`` and return the path.

    Key frames (a resting frame and the peak of the strongest spasm) are read from
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
        render_report_html(analysis, key_frames=key_frames, key_frames_note=note),
        encoding="utf-8",
    )
    return out_path


def _count(n: int, noun: str) -> str:
    """``"1 spasm"``, ``"2 spasms"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
