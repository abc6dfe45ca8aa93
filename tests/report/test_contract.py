"""The typed contract of ``hemispasm.analysis/1``: stored results of earlier versions load, bad
results are refused naming the field, and the published JSON Schema is the generated one."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hemispasm.report.contract import (
    SCHEMA,
    AnalysisResult,
    InvalidResultError,
    json_schema,
    json_schema_text,
    parse_result,
)
from hemispasm.report.result_json import dumps_result, load_result

DATA = Path(__file__).parents[1] / "data"
BEFORE_CONTRACT = DATA / "result_before_contract.json"
"""Written by ``hemispasm analyze`` just before the contract (synth --seed 7 --side left
--duration 20): events with type, confidence, evidence and reason."""
EARLIER_VERSION = DATA / "result_synthetic_left.json"
"""Written by the first clinic version: events without type, confidence, evidence or reason;
no affected_side_reason, no spasms_countable."""
PUBLISHED_SCHEMA = (
    Path(__file__).parents[2] / "docs" / "schemas" / "hemispasm.analysis-1.schema.json"
)


def _data(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_a_result_written_before_the_contract_reads_back_byte_for_byte() -> None:
    text = BEFORE_CONTRACT.read_text(encoding="utf-8")

    result = load_result(BEFORE_CONTRACT)

    assert dumps_result(result) == text
    assert result.events[0].evidence is not None
    assert result.events[0].reason.startswith("both eyes closed together")


def test_a_result_of_an_earlier_version_loads_with_defaults_for_what_it_lacks() -> None:
    data = _data(EARLIER_VERSION)
    assert "affected_side_reason" not in data and "type" not in data["events"][0]

    result = parse_result(data)

    assert result.affected_side_reason == ""
    assert {e.type for e in result.events} == {None}
    assert all(e.confidence is None and e.evidence is None for e in result.events)
    assert result.metrics.spasms_countable is True
    assert result.source.duration_declared_s is None
    # and what it held is read as it was
    assert result.affected_side == data["affected_side"]
    assert result.metrics.spasms_per_min == data["metrics"]["spasms_per_min"]
    assert result.grades.smc_grade.value == data["grades"]["smc_grade"]["value"]


def test_a_result_without_the_top_level_caveat_takes_the_grades_caveat() -> None:
    data = _data(BEFORE_CONTRACT)
    del data["caveat"]

    assert parse_result(data).caveat == data["grades"]["caveat"]


def test_an_event_writes_no_confidence_evidence_or_reason_when_it_has_none() -> None:
    data = _data(EARLIER_VERSION)

    written = parse_result(data).to_json_dict()

    assert set(written["events"][0]) == {*data["events"][0], "type"}
    assert written["events"][0]["type"] is None


def test_keys_this_version_does_not_know_are_kept() -> None:
    data = _data(BEFORE_CONTRACT)
    data["made_by"] = "a later version"
    data["events"][0]["note"] = {"seen": True}

    written = parse_result(data).to_json_dict()

    assert written["made_by"] == "a later version"
    assert written["events"][0]["note"] == {"seen": True}


def _edited(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(_data(BEFORE_CONTRACT))
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("schema"), r"^result\.schema: is missing"),
        (lambda d: d.update(schema="other/2"), r"^result\.schema: Input should be 'hemispasm"),
        (lambda d: d["source"].pop("sha256"), r"^result\.source\.sha256: is missing"),
        (lambda d: d["source"].update(frames="180"), r"^result\.source\.frames: .*integer"),
        (lambda d: d["source"].update(mirrored=1), r"^result\.source\.mirrored: .*boolean"),
        (lambda d: d["quality"].update(usable=None), r"^result\.quality\.usable: "),
        (
            lambda d: d["quality"].update(unusable_spans=[[1.0]]),
            r"^result\.quality\.unusable_spans\[0\]\[1\]: is missing",
        ),
        (lambda d: d.update(affected_side="up"), r"^result\.affected_side: "),
        (lambda d: d["events"][1].update(side="top"), r"^result\.events\[1\]\.side: "),
        (lambda d: d["events"][0].pop("peak_s"), r"^result\.events\[0\]\.peak_s: is missing"),
        (lambda d: d["events"][2].update(tonic="yes"), r"^result\.events\[2\]\.tonic: "),
        (
            lambda d: d["events"][0].update(end_s=0.5),
            r"^result\.events\[0\]\.end_s: must not precede start_s",
        ),
        (lambda d: d["events"][0].update(type="sneeze"), r"^result\.events\[0\]\.type: "),
        (lambda d: d["events"][0].update(confidence=1.5), r"^result\.events\[0\]\.confidence: "),
        (
            lambda d: d["metrics"].update(spasms_per_min=float("nan")),
            r"^result\.metrics\.spasms_per_min: Input should be a finite number",
        ),
        (lambda d: d["metrics"].pop("blink_count"), r"^result\.metrics\.blink_count: is missing"),
        (
            lambda d: d["metrics"]["region_involvement"].update(nose=0.5),
            r"^result\.metrics\.region_involvement\.nose: ",
        ),
        (lambda d: d["grades"].pop("caveat"), r"^result\.grades\.caveat: is missing"),
        (
            lambda d: d["grades"]["jankovic_total"].pop("rule"),
            r"^result\.grades\.jankovic_total\.rule: is missing",
        ),
        (lambda d: d["grades"]["smc_grade"].update(value=True), r"^result\.grades\.smc_grade\."),
        (lambda d: d["software"].update(version=1), r"^result\.software\.version: "),
        (
            lambda d: d["source"].update(file="a\x00.mp4"),
            r"^result\.source\.file: must not contain control characters",
        ),
    ],
)
def test_a_bad_result_is_refused_naming_the_field(edit: Any, message: str) -> None:
    with pytest.raises(InvalidResultError, match=message):
        parse_result(_edited(edit))


def test_something_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidResultError, match=r"^result: must be an object, but got list"):
        parse_result([1, 2])


def test_a_result_is_immutable() -> None:
    result = load_result(BEFORE_CONTRACT)

    with pytest.raises(Exception, match="frozen"):
        result.affected_side = "right"  # type: ignore[misc]


def test_the_published_json_schema_is_the_one_the_models_generate() -> None:
    assert PUBLISHED_SCHEMA.read_text(encoding="utf-8") == json_schema_text(), (
        "regenerate it: python -m hemispasm.report.contract > "
        "docs/schemas/hemispasm.analysis-1.schema.json"
    )


def test_the_json_schema_requires_what_every_result_holds() -> None:
    schema = json_schema()

    assert schema["title"] == SCHEMA
    assert set(schema["required"]) == {
        "schema",
        "source",
        "quality",
        "affected_side",
        "events",
        "metrics",
        "grades",
        "software",
    }
    event = schema["$defs"]["Event"]
    assert {"kind", "side", "start_s", "end_s", "peak_s", "tonic"} <= set(event["required"])
    assert "type" not in event["required"]  # results of earlier versions lack it
    assert "Estimates" in schema["$defs"]["Grades"]["description"]


def test_the_contract_is_pure() -> None:
    code = (
        "import sys, hemispasm.report.contract; "
        "print(sorted(m for m in ('numpy', 'sqlalchemy', 'fastapi', 'cv2', 'hemispasm.analysis') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"


def test_the_model_accepts_its_own_output() -> None:
    result = load_result(BEFORE_CONTRACT)

    assert AnalysisResult.model_validate(result.to_json_dict()) == result
