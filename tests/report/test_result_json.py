"""result.json: built from an analysis as the typed contract; JSON-safe, round trip, stable."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from hemispasm.report.contract import SCHEMA, AnalysisResult
from hemispasm.report.result_json import build_result, dumps_result, load_result, write_result


def _floats(obj: Any) -> list[float]:
    if isinstance(obj, float):
        return [obj]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _floats(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _floats(v)]
    return []


def test_it_builds_a_typed_result(analysis):
    result = build_result(analysis)
    assert isinstance(result, AnalysisResult)
    assert result.to_json_dict()["schema"] == SCHEMA
    assert result.affected_side == "left"
    assert [e.kind for e in result.events] == ["spasm", "blink", "spasm"]
    assert result.source.file == "patient_visit.mp4"
    assert result.grades.smc_grade.value == "II"
    assert "clinician" in result.caveat


def test_it_writes_null_for_nan_and_no_nan_anywhere(analysis):
    result = build_result(analysis)
    assert result.metrics.asymmetry_index is None
    assert all(math.isfinite(x) for x in _floats(result.to_json_dict()))
    text = dumps_result(result)
    assert "NaN" not in text and "Infinity" not in text
    assert '"asymmetry_index": null' in text


def test_it_round_trips_through_a_file(analysis, tmp_path: Path):
    path = write_result(build_result(analysis), tmp_path / "result.json")
    assert load_result(path) == build_result(analysis)


def test_it_is_reproducible(analysis):
    assert dumps_result(build_result(analysis)) == dumps_result(build_result(analysis))


def test_it_does_not_store_the_full_path(analysis):
    assert "/videos" not in dumps_result(build_result(analysis))


def test_load_rejects_a_file_that_breaks_the_schema_naming_the_key(analysis, tmp_path: Path):
    data = build_result(analysis).to_json_dict()
    data["events"][1]["side"] = "top"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"^result\.events\[1\]\.side: "):
        load_result(path)


def test_load_rejects_nan_in_the_file(analysis, tmp_path: Path):
    result = build_result(analysis)
    path = tmp_path / "result.json"
    text = json.dumps(result.to_json_dict())
    path.write_text(text.replace('"asymmetry_index": null', '"asymmetry_index": NaN'))
    with pytest.raises(ValueError, match="must not contain NaN"):
        load_result(path)


def test_load_rejects_text_that_is_not_json(tmp_path: Path):
    path = tmp_path / "result.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_result(path)
