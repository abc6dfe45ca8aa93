"""result.json: the machine-readable result of one analysis (schema ``hemispasm.analysis/1``).

The file holds no clock reading, so the same video analysed with the same software and parameters
gives a byte-identical file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import hemispasm
from hemispasm.analysis.types import EVENT_TYPES, Event, GradeEstimate, Grades, Metrics

if TYPE_CHECKING:
    from hemispasm.pipeline import Analysis

SCHEMA = "hemispasm.analysis/1"

GRADE_NAMES: tuple[str, ...] = (
    "jankovic_severity",
    "jankovic_frequency",
    "jankovic_total",
    "smc_grade",
)

_DECIMALS = 4
_SIDES = ("left", "right")
_EVENT_SIDES = ("left", "right", "both")
_EVENT_KINDS = ("spasm", "blink")

# Keys every version-1 result carries. Kept as literals (not derived from the dataclasses) so a
# later change of the analysis records cannot silently change what a stored v1 result must hold.
_SOURCE_KEYS: dict[str, tuple[type, ...]] = {
    "file": (str,),
    "sha256": (str,),
    "duration_s": (int, float),
    "frames": (int,),
    "fps_nominal": (int, float),
    "width": (int,),
    "height": (int,),
    "mirrored": (bool,),
}
_METRIC_KEYS: dict[str, tuple[type, ...]] = {
    "usable_duration_s": (int, float),
    "spasms_per_min": (int, float),
    "blinks_per_min": (int, float),
    "spasm_count": (int,),
    "blink_count": (int,),
    "tonic_spasm_count": (int,),
    "pct_time_affected_eye_half_closed": (int, float),
    "mean_spasm_duration_s": (int, float, type(None)),
    "longest_spasm_s": (int, float, type(None)),
    "longest_tonic_spasm_s": (int, float, type(None)),
    "region_involvement": (dict,),
    "asymmetry_index": (int, float, type(None)),
}
_EVENT_KEYS: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "side": (str,),
    "start_s": (int, float),
    "end_s": (int, float),
    "peak_s": (int, float),
    "peak_closure": (int, float),
    "tonic": (bool,),
    "regions": (list,),
}


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


def grade_dict(grade: GradeEstimate) -> dict[str, Any]:
    """One grade estimate as result.json holds it."""
    value = grade.value
    if isinstance(value, np.integer):
        value = int(value)
    return {"name": grade.name, "value": value, "scale": grade.scale, "rule": grade.rule}


def metrics_dict(metrics: Metrics) -> dict[str, Any]:
    """The metrics as result.json holds them (JSON-safe numbers, no NaN)."""
    out: dict[str, Any] = {}
    for f in fields(metrics):
        value = getattr(metrics, f.name)
        if f.name == "affected_side" or isinstance(value, str | bool):
            out[f.name] = value
        elif f.name == "region_involvement":
            out[f.name] = {str(k): json_number(v) for k, v in value.items()}
        else:
            out[f.name] = json_number(value)
    return out


def grades_dict(grades: Grades) -> dict[str, Any]:
    """The grade estimates and their caveat as result.json holds them."""
    return {
        **{name: grade_dict(getattr(grades, name)) for name in GRADE_NAMES},
        "caveat": grades.caveat,
    }


def event_dict(event: Event) -> dict[str, Any]:
    """One event as result.json holds it (JSON-safe numbers)."""
    out = event.to_dict()
    for key in ("start_s", "end_s", "peak_s", "peak_closure"):
        out[key] = json_number(out[key])
    return out


def software_info(analysis: Analysis) -> dict[str, str]:
    """The software record of ``analysis``: its own entries, with this version when it has none.

    The one source of the software versions shown in result.json and in report.html.
    """
    software = {str(k): str(v) for k, v in analysis.software.items()}
    software.setdefault("version", hemispasm.__version__)
    software.setdefault("landmark_model", "unknown")
    return software


def build_result(analysis: Analysis) -> dict[str, Any]:
    """The result.json content of ``analysis`` as a JSON-safe dict (no NaN, no clock)."""
    src = analysis.source
    quality = analysis.quality
    grades = analysis.grades
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "source": {
            "file": Path(src.path).name,
            "sha256": src.sha256,
            "duration_s": json_number(src.duration_s),
            "frames": int(src.frames),
            "fps_nominal": json_number(src.fps_nominal),
            "width": int(src.width),
            "height": int(src.height),
            "mirrored": bool(src.mirrored),
            "container": src.container,
            "codec": src.codec,
            "rotation_deg": int(src.rotation_deg),
            "frames_analysed": analysis.measurements.n_frames,
            "duration_declared_s": json_number(src.duration_declared_s),
        },
        "quality": {
            "face_found_fraction": json_number(quality.face_found_fraction),
            "usable": bool(quality.usable),
            "unusable_spans": [
                [json_number(start), json_number(end)] for start, end in quality.unusable_spans
            ],
            "warnings": [str(w) for w in quality.warnings],
        },
        "affected_side": analysis.metrics.affected_side,
        "affected_side_reason": analysis.metrics.affected_side_reason,
        "events": [event_dict(event) for event in analysis.events],
        "metrics": metrics_dict(analysis.metrics),
        "grades": grades_dict(grades),
        "caveat": grades.caveat,
        "params": analysis.params.to_dict(),
        "software": software_info(analysis),
    }
    return result


def dumps_result(result: Mapping[str, Any]) -> str:
    """Serialise a result dict as stable, indented JSON text (refusing NaN)."""
    return json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_result(analysis: Analysis, path: str | Path) -> Path:
    """Build, validate and write result.json for ``analysis``; return the path written."""
    result = build_result(analysis)
    validate_result(result)
    path = Path(path)
    path.write_text(dumps_result(result), encoding="utf-8")
    return path


def load_result(path: str | Path) -> dict[str, Any]:
    """Read and validate a result.json file.

    Raises ``ValueError`` if the file is not JSON or does not follow the schema, and ``OSError``
    if it cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON: {exc}") from exc
    validate_result(data)
    return data


def _refuse_constant(name: str) -> float:
    raise ValueError(f"result must not contain {name}; missing numbers are null")


# --- validation -------------------------------------------------------------------------------


def _type_names(types: tuple[type, ...]) -> str:
    names = ["null" if t is type(None) else t.__name__ for t in types]
    return " or ".join(names)


def _check(obj: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise ValueError(f"{where}.{key} is missing")
    value = obj[key]
    # bool is an int subclass: accept it only where bool is asked for.
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        raise ValueError(
            f"{where}.{key} must be {_type_names(types)}, but got {type(value).__name__} {value!r}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}.{key} must be finite (use null), but got {value!r}")
    return value


def _check_mapping(obj: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise ValueError(f"{where} must be an object, but got {type(obj).__name__}")
    return obj


def _check_finite_number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, but got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite (use null), but got {value!r}")


def validate_result(d: Any) -> None:
    """Check that ``d`` follows schema ``hemispasm.analysis/1``.

    Raises ``ValueError`` naming the first missing or malformed key (as a dotted path such as
    ``result.events[2].side``). Extra keys are allowed.
    """
    root = _check_mapping(d, "result")
    schema = _check(root, "schema", (str,), "result")
    if schema != SCHEMA:
        raise ValueError(f"result.schema must be {SCHEMA!r}, but got {schema!r}")

    source = _check_mapping(_check(root, "source", (dict,), "result"), "result.source")
    for key, types in _SOURCE_KEYS.items():
        _check(source, key, types, "result.source")

    quality = _check(root, "quality", (dict,), "result")
    _check(quality, "face_found_fraction", (int, float), "result.quality")
    _check(quality, "usable", (bool,), "result.quality")
    spans = _check(quality, "unusable_spans", (list,), "result.quality")
    for i, span in enumerate(spans):
        where = f"result.quality.unusable_spans[{i}]"
        if not isinstance(span, list) or len(span) != 2:
            raise ValueError(f"{where} must be a [start_s, end_s] pair, but got {span!r}")
        for j, x in enumerate(span):
            _check_finite_number(x, f"{where}[{j}]")
    warnings = _check(quality, "warnings", (list,), "result.quality")
    for i, w in enumerate(warnings):
        if not isinstance(w, str):
            raise ValueError(f"result.quality.warnings[{i}] must be str, but got {w!r}")

    side = _check(root, "affected_side", (str, type(None)), "result")
    if side is not None and side not in _SIDES:
        raise ValueError(f"result.affected_side must be 'left', 'right' or null, but got {side!r}")

    events = _check(root, "events", (list,), "result")
    for i, event in enumerate(events):
        where = f"result.events[{i}]"
        event = _check_mapping(event, where)
        for key, types in _EVENT_KEYS.items():
            _check(event, key, types, where)
        if event["kind"] not in _EVENT_KINDS:
            raise ValueError(
                f"{where}.kind must be one of {_EVENT_KINDS}, but got {event['kind']!r}"
            )
        if event["side"] not in _EVENT_SIDES:
            raise ValueError(
                f"{where}.side must be one of {_EVENT_SIDES}, but got {event['side']!r}"
            )
        if event["end_s"] < event["start_s"]:
            raise ValueError(
                f"{where}.end_s must not precede start_s, but got {event['start_s']!r} to "
                f"{event['end_s']!r}"
            )
        for j, region in enumerate(event["regions"]):
            if not isinstance(region, str):
                raise ValueError(f"{where}.regions[{j}] must be str, but got {region!r}")
        # Added within version 1 (older results lack them): what kind, how sure, on what grounds.
        if event.get("type") is not None and event["type"] not in EVENT_TYPES:
            raise ValueError(
                f"{where}.type must be one of {EVENT_TYPES} or null, but got {event['type']!r}"
            )
        if event.get("confidence") is not None:
            _check_finite_number(event["confidence"], f"{where}.confidence")
            if not 0.0 <= event["confidence"] <= 1.0:
                raise ValueError(
                    f"{where}.confidence must be between 0 and 1, but got {event['confidence']!r}"
                )
        if "evidence" in event:
            _check_mapping(event["evidence"], f"{where}.evidence")

    metrics = _check(root, "metrics", (dict,), "result")
    for key, types in _METRIC_KEYS.items():
        _check(metrics, key, types, "result.metrics")
    for region, fraction in metrics["region_involvement"].items():
        if fraction is not None:
            _check_finite_number(fraction, f"result.metrics.region_involvement.{region}")

    grades = _check(root, "grades", (dict,), "result")
    _check(grades, "caveat", (str,), "result.grades")
    for name in GRADE_NAMES:
        where = f"result.grades.{name}"
        grade = _check(grades, name, (dict,), "result.grades")
        _check(grade, "value", (int, str, type(None)), where)
        _check(grade, "scale", (str,), where)
        _check(grade, "rule", (str,), where)

    software = _check(root, "software", (dict,), "result")
    _check(software, "version", (str,), "result.software")
    _check(software, "landmark_model", (str,), "result.software")
