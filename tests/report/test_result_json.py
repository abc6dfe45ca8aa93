"""result.json: schema, JSON safety, round trip, and clear validation messages."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from hemispasm.report.result_json import (
    SCHEMA,
    build_result,
    dumps_result,
    load_result,
    validate_result,
    write_result,
)


def _floats(obj: Any) -> list[float]:
    if isinstance(obj, float):
        return [obj]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _floats(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _floats(v)]
    return []


def test_it_builds_a_result_that_validates(analysis):
    result = build_result(analysis)
    validate_result(result)
    assert result["schema"] == SCHEMA
    assert result["affected_side"] == "left"
    assert [e["kind"] for e in result["events"]] == ["spasm", "blink", "spasm"]
    assert result["source"]["file"] == "patient_visit.mp4"
    assert result["grades"]["smc_grade"]["value"] == "II"
    assert "clinician" in result["caveat"]


def test_it_writes_null_for_nan_and_no_nan_anywhere(analysis):
    result = build_result(analysis)
    assert result["metrics"]["asymmetry_index"] is None
    assert all(math.isfinite(x) for x in _floats(result))
    text = dumps_result(result)
    assert "NaN" not in text and "Infinity" not in text


def test_it_round_trips_through_a_file(analysis, tmp_path: Path):
    path = write_result(analysis, tmp_path / "result.json")
    assert load_result(path) == build_result(analysis)


def test_it_is_reproducible(analysis):
    assert dumps_result(build_result(analysis)) == dumps_result(build_result(analysis))


def test_it_does_not_store_the_full_path(analysis):
    assert "/videos" not in dumps_result(build_result(analysis))


def _broken(analysis, edit) -> dict[str, Any]:
    result = copy.deepcopy(build_result(analysis))
    edit(result)
    return result


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("schema"), r"result\.schema is missing"),
        (lambda d: d.update(schema="other/2"), r"result\.schema must be"),
        (lambda d: d["source"].pop("sha256"), r"result\.source\.sha256 is missing"),
        (lambda d: d["source"].update(frames="180"), r"result\.source\.frames must be int"),
        (lambda d: d["source"].update(mirrored=1), r"result\.source\.mirrored must be bool"),
        (lambda d: d["quality"].update(usable=None), r"result\.quality\.usable must be bool"),
        (
            lambda d: d["quality"].update(unusable_spans=[[1.0]]),
            r"result\.quality\.unusable_spans\[0\] must be a \[start_s, end_s\] pair",
        ),
        (lambda d: d.update(affected_side="up"), r"result\.affected_side must be"),
        (lambda d: d["events"][1].update(side="top"), r"result\.events\[1\]\.side must be"),
        (lambda d: d["events"][0].pop("peak_s"), r"result\.events\[0\]\.peak_s is missing"),
        (lambda d: d["events"][2].update(tonic="yes"), r"result\.events\[2\]\.tonic must be bool"),
        (
            lambda d: d["events"][0].update(end_s=0.5),
            r"result\.events\[0\]\.end_s must not precede start_s",
        ),
        (
            lambda d: d["metrics"].update(spasms_per_min=float("nan")),
            r"result\.metrics\.spasms_per_min must be finite",
        ),
        (lambda d: d["metrics"].pop("blink_count"), r"result\.metrics\.blink_count is missing"),
        (lambda d: d["grades"].pop("caveat"), r"result\.grades\.caveat is missing"),
        (
            lambda d: d["grades"]["jankovic_total"].pop("rule"),
            r"result\.grades\.jankovic_total\.rule is missing",
        ),
        (
            lambda d: d["software"].update(version=1),
            r"result\.software\.version must be str",
        ),
    ],
)
def test_it_rejects_a_bad_result_naming_the_key(analysis, edit, message):
    with pytest.raises(ValueError, match=message):
        validate_result(_broken(analysis, edit))


def test_it_rejects_something_that_is_not_an_object():
    with pytest.raises(ValueError, match="result must be an object"):
        validate_result([1, 2])


def test_load_rejects_nan_in_the_file(analysis, tmp_path: Path):
    result = build_result(analysis)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result).replace('"asymmetry_index": null', '"asymmetry_index": NaN'))
    with pytest.raises(ValueError, match="must not contain NaN"):
        load_result(path)


def test_load_rejects_text_that_is_not_json(tmp_path: Path):
    path = tmp_path / "result.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_result(path)
