"""result.json: the machine-readable result of one analysis (schema ``hemispasm.analysis/1``).

An analysis is turned into the typed result of ``report.contract`` here, and the result is written
and read here; the shape itself is the contract's. The file holds no clock reading, so the same
video analysed with the same software and parameters gives a byte-identical file.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import hemispasm
from hemispasm.analysis import types as analysis_types
from hemispasm.analysis.params import AnalysisParams
from hemispasm.errors import InvalidParameterError
from hemispasm.report import contract
from hemispasm.report.contract import GRADE_NAMES, SCHEMA, AnalysisResult, parse_result

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

__all__ = [
    "GRADE_NAMES",
    "SCHEMA",
    "build_result",
    "dumps_result",
    "event_model",
    "grades_model",
    "json_number",
    "load_result",
    "metrics_model",
    "result_params",
    "write_result",
]

_DECIMALS = 4


def json_number(value: Any, decimals: int = _DECIMALS) -> float | int | None:
    """A JSON-safe number: NaN and infinities become None, floats are rounded."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"value must be a number, but got the bool {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    x = float(value)
    if not math.isfinite(x):
        return None
    return round(x, decimals)


def _grade(grade: analysis_types.GradeEstimate) -> contract.GradeEstimate:
    value = grade.value
    if isinstance(value, np.integer):
        value = int(value)
    return contract.GradeEstimate(name=grade.name, value=value, scale=grade.scale, rule=grade.rule)


def grades_model(grades: analysis_types.Grades) -> contract.Grades:
    """The grade estimates and their caveat as a result holds them."""
    return contract.Grades(
        **{name: _grade(getattr(grades, name)) for name in GRADE_NAMES}, caveat=grades.caveat
    )


def metrics_model(metrics: analysis_types.Metrics) -> contract.Metrics:
    """The metrics as a result holds them (numbers rounded, NaN as None)."""
    out: dict[str, Any] = {}
    for f in fields(metrics):
        value = getattr(metrics, f.name)
        if f.name == "affected_side" or isinstance(value, str | bool):
            out[f.name] = value
        elif f.name == "region_involvement":
            out[f.name] = {str(k): json_number(v) for k, v in value.items()}
        else:
            out[f.name] = json_number(value)
    return contract.Metrics.model_validate(out)


def event_model(event: analysis_types.Event) -> contract.Event:
    """One event as a result holds it (times rounded, a closure that was not measured None)."""
    out = event.to_dict()
    for key in ("start_s", "end_s", "peak_s", "peak_closure"):
        out[key] = json_number(out[key])
    return contract.Event.model_validate(out)


def analysis_event(event: contract.Event) -> analysis_types.Event:
    """The analysis's record of an event of a result (a closure stored as null is NaN)."""
    evidence = event.evidence
    return analysis_types.Event(
        kind=event.kind,
        side=event.side,
        start_s=event.start_s,
        end_s=event.end_s,
        peak_s=event.peak_s,
        peak_closure=math.nan if event.peak_closure is None else event.peak_closure,
        tonic=event.tonic,
        regions=tuple(event.regions),
        type=event.type,
        confidence=event.confidence,
        evidence=None
        if evidence is None
        else analysis_types.Evidence(
            closing_rise=evidence.closing_rise,
            other_rise=evidence.other_rise,
            expected_other_rise=evidence.expected_other_rise,
            closing_z=evidence.closing_z,
            other_z=evidence.other_z,
            onset_lag_s=evidence.onset_lag_s,
        ),
        reason=event.reason,
    )


def software_info(analysis: Analysis) -> dict[str, str]:
    """The software record of ``analysis``: its own entries, with this version when it has none.

    The one source of the software versions shown in result.json and in report.html.
    """
    software = {str(k): str(v) for k, v in analysis.software.items()}
    software.setdefault("version", hemispasm.__version__)
    software.setdefault("landmark_model", "unknown")
    return software


def build_result(analysis: Analysis) -> AnalysisResult:
    """The result of ``analysis`` (numbers rounded, no NaN, no clock)."""
    src = analysis.source
    quality = analysis.quality
    grades = analysis.grades
    return AnalysisResult(
        schema=SCHEMA,
        source=contract.Source(
            file=Path(src.path).name,
            sha256=src.sha256,
            duration_s=_number(src.duration_s),
            frames=int(src.frames),
            fps_nominal=_number(src.fps_nominal),
            width=int(src.width),
            height=int(src.height),
            mirrored=bool(src.mirrored),
            container=src.container,
            codec=src.codec,
            rotation_deg=int(src.rotation_deg),
            frames_analysed=analysis.measurements.n_frames,
            duration_declared_s=json_number(src.duration_declared_s),
        ),
        quality=contract.Quality(
            face_found_fraction=_number(quality.face_found_fraction),
            usable=bool(quality.usable),
            unusable_spans=[
                (_number(start), _number(end)) for start, end in quality.unusable_spans
            ],
            warnings=[str(w) for w in quality.warnings],
        ),
        affected_side=analysis.metrics.affected_side,
        affected_side_reason=analysis.metrics.affected_side_reason,
        events=[event_model(event) for event in analysis.events],
        metrics=metrics_model(analysis.metrics),
        grades=grades_model(grades),
        caveat=grades.caveat,
        params=analysis.params.to_dict(),
        software=contract.Software.model_validate(software_info(analysis)),
    )


def _number(value: Any) -> float:
    """A number a result requires: rounded; NaN is refused by the contract."""
    number = json_number(value)
    return math.nan if number is None else float(number)


def dumps_result(result: AnalysisResult) -> str:
    """The result as stable, indented JSON text (refusing NaN)."""
    return json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_result(result: AnalysisResult, path: str | Path) -> Path:
    """Write ``result`` as result.json to ``path``; return the path written."""
    path = Path(path)
    path.write_text(dumps_result(result), encoding="utf-8")
    return path


def load_result(path: str | Path) -> AnalysisResult:
    """Read a result.json file.

    Raises ``ValueError`` (``contract.InvalidResultError`` naming the first bad key) if the file is
    not JSON or does not follow the schema, and ``OSError`` if it cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON: {exc}") from exc
    return parse_result(data)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"result must not contain {name}; missing numbers are null")


def result_params(result: AnalysisResult) -> AnalysisParams:
    """The analysis parameters a result recorded, typed (defaults for any it predates or that
    no longer exist or fit)."""
    known = {f.name for f in fields(AnalysisParams)}
    values = {k: float(v) for k, v in result.params.items() if k in known}
    try:
        return AnalysisParams(**values)
    except InvalidParameterError:
        return AnalysisParams()
