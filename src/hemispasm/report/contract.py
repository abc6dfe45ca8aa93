"""The result of one analysis, schema ``hemispasm.analysis/1``, as typed models.

One contract for everyone who writes or reads a result: ``hemispasm analyze`` builds an
:class:`AnalysisResult` and dumps it as result.json; the clinic's API accepts and returns it (typed
in its OpenAPI document); report.html and the app's report page read its attributes. Its JSON
Schema is ``docs/schemas/hemispasm.analysis-1.schema.json`` (``python -m
hemispasm.report.contract`` prints it).

Pure: pydantic only; no files, no clock.

Compatibility within version 1: results written by earlier versions lack some fields, which take
a default on reading (documented on each field: an event's ``type``, ``confidence``,
``evidence`` and ``reason``; ``affected_side_reason``; the source's ``duration_declared_s``; the
metrics' ``max_spasm_peak_closure``, ``tonic_spasms_per_min``, ``affected_side_reason`` and
``spasms_countable``). Keys this version does not know are kept as they are (``extra="allow"``),
as version 1 always allowed. Numbers must be finite (a missing number is ``null``), counts and
flags must be sent as such (``"3"`` and ``1`` are not a count and a flag).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

SCHEMA: Literal["hemispasm.analysis/1"] = "hemispasm.analysis/1"
"""The name and version of the schema, written in every result."""

GRADE_NAMES: tuple[str, ...] = (
    "jankovic_severity",
    "jankovic_frequency",
    "jankovic_total",
    "smc_grade",
)
"""The grade estimates a result holds, in the order reports show them."""

Side = Literal["left", "right"]
EventSide = Literal["left", "right", "both"]
EventKind = Literal["spasm", "blink"]
EventType = Literal["complete", "incomplete", "twitch", "partial", "burst", "tonic"]
Region = Literal["eye", "brow", "cheek", "mouth"]

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A finite number (an integer is accepted; a string or a bool is not)."""
Seconds = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A time or a duration, in seconds."""
Fraction = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0, le=1.0)]
"""A share from 0 to 1."""
Count = Annotated[int, Field(strict=True, ge=0)]
"""A whole number of things, 0 or more."""
Flag = Annotated[bool, Field(strict=True)]
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
"""Characters no text of a result holds (tab, newline and carriage return are fine): a NUL
cannot even be stored in a PostgreSQL JSON column."""


def _refuse_control_characters(value: Any, where: str) -> None:
    if isinstance(value, str):
        if re.search(CONTROL_CHARACTERS, value):
            raise ValueError(f"{where} must not contain control characters (such as NUL)")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_control_characters(key, where)
            _refuse_control_characters(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_control_characters(item, where)


def _plain(text: str) -> str:
    if re.search(CONTROL_CHARACTERS, text):
        raise ValueError("must not contain control characters (such as NUL)")
    return text


Text = Annotated[
    str,
    Field(strict=True, json_schema_extra={"pattern": f"^[^{CONTROL_CHARACTERS[1:-1]}]*$"}),
    AfterValidator(_plain),
]
"""Text without control characters."""


class _Part(BaseModel):
    """A part of a result: immutable; keys it does not know are kept."""

    model_config = ConfigDict(extra="allow", frozen=True, use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _plain_extra_text(self) -> Any:
        """Keys this version does not know are kept, but hold no control characters either."""
        for key, value in (self.__pydantic_extra__ or {}).items():
            _refuse_control_characters(key, "a key")
            _refuse_control_characters(value, key)
        return self


class Source(_Part):
    """The video that was analysed."""

    file: Text
    """The video's file name (never its folder)."""
    sha256: Text
    """SHA-256 of the video file, hex."""
    duration_s: Seconds
    """Duration of the frames that decoded, in seconds."""
    frames: Count
    """Frames that decoded."""
    fps_nominal: Number
    """The frame rate the container declares, per second."""
    width: Count
    """Picture width, pixels (after rotation)."""
    height: Count
    """Picture height, pixels (after rotation)."""
    mirrored: Flag
    """Whether the video is a mirror image (a front camera's), turned back for the analysis."""
    container: Text | None = None
    """The container format (mp4, mov...); null when not recorded."""
    codec: Text | None = None
    """The video codec (h264...); null when not recorded."""
    rotation_deg: Annotated[int, Field(strict=True)] = 0
    """Rotation applied from the container's metadata, degrees."""
    frames_analysed: Count | None = None
    """Frames the analysis measured; null when not recorded."""
    duration_declared_s: Seconds | None = None
    """What the container declared, when the decoded frames end well before it (a file cut
    short); null otherwise and in results of earlier versions."""


class Quality(_Part):
    """How much of the video could be measured, and why not the rest."""

    face_found_fraction: Fraction
    """Share of frames in which a face was found."""
    usable: Flag
    """Whether enough of the video could be measured to report figures."""
    unusable_spans: list[tuple[Seconds, Seconds]]
    """Stretches that could not be measured, as [start_s, end_s]."""
    warnings: list[Text]
    """What the reader should know about the video's quality, in words."""


class Evidence(_Part):
    """What a blink-or-spasm call rests on: how the two eyes moved in the same moment. Rises are
    of each eye's closure above its level just before the event (0-1); ``*_z`` are the rises over
    the eye's frame-to-frame noise."""

    closing_rise: Number
    """The rise of the event's eye (for a blink, the stronger eye)."""
    other_rise: Number
    """The rise of the other eye in the same moment."""
    expected_other_rise: Number
    """What the other eye rises in this video's blinks when the event's eye rises as much."""
    closing_z: Number
    """The event eye's rise in noise standard deviations."""
    other_z: Number
    """The other eye's rise in noise standard deviations."""
    onset_lag_s: Seconds | None = None
    """The other eye's start minus the event eye's start; null if it did not move."""


def _is_none(value: object) -> bool:
    return value is None


def _is_empty(value: object) -> bool:
    return value == ""


class Event(_Part):
    """One blink or spasm; times in seconds from the start of the video."""

    kind: EventKind
    side: EventSide
    """The subject's side of a spasm; ``both`` for a blink."""
    start_s: Seconds
    end_s: Seconds
    peak_s: Seconds
    peak_closure: Number | None
    """Closure at the peak, 0 (open as at rest) to about 0.65 (shut); null when it could not be
    measured (an event a clinician added over frames without a face)."""
    tonic: Flag
    """Whether the closure was held for the tonic threshold (1 s by default)."""
    regions: list[Region]
    """The face regions that moved, eye first."""
    type: EventType | None = None
    """A blink is complete or incomplete; a spasm a twitch, partial, one of a burst, or tonic.
    Null when unknown (results of earlier versions, hand labels)."""
    # Written only when there is one, as result.json always has.
    confidence: Fraction | None = Field(None, exclude_if=_is_none)
    """How sure the call of kind and side is, 0-1; absent when sure (a clinician's call) or in
    results of earlier versions."""
    evidence: Evidence | None = Field(None, exclude_if=_is_none)
    """The numbers behind the call; absent for events not detected by this analysis."""
    reason: Text = Field("", exclude_if=_is_empty)
    """Why the event was called what it is, in words; absent when there is nothing to say."""

    @field_validator("end_s")
    @classmethod
    def _ends_after_it_starts(cls, end_s: float, info: ValidationInfo) -> float:
        start_s = info.data.get("start_s")
        if start_s is not None and end_s < start_s:
            raise ValueError(f"must not precede start_s, but got {start_s!r} to {end_s!r}")
        return end_s


class Metrics(_Part):
    """Summary figures, per minute of usable video (not of wall time)."""

    affected_side: Side | None = None
    """The same as the result's ``affected_side``."""
    usable_duration_s: Seconds
    """Duration of the part of the video that could be measured."""
    spasms_per_min: Number
    blinks_per_min: Number
    spasm_count: Count
    blink_count: Count
    tonic_spasm_count: Count
    pct_time_affected_eye_half_closed: Number
    """Despite its name: % of usable time in which a spasm of the affected side held that eye
    above the ``closed_closure`` parameter (about three quarters shut)."""
    mean_spasm_duration_s: Seconds | None
    longest_spasm_s: Seconds | None
    longest_tonic_spasm_s: Seconds | None
    region_involvement: dict[Region, Fraction | None]
    """Share of the affected side's spasms in which each region moved too."""
    asymmetry_index: Number | None
    """(affected - other) / (affected + other) of mean closure: 0 alike, 1 one-sided."""
    max_spasm_peak_closure: Number | None = None
    """Largest peak closure among the spasms; null without spasms or in earlier results."""
    tonic_spasms_per_min: Number | None = None
    """Tonic spasms per usable minute; null in results of earlier versions."""
    affected_side_reason: Text = ""
    """The same as the result's ``affected_side_reason``."""
    spasms_countable: Flag = True
    """False below the frame rate at which spasms can be told from blinks (none are counted);
    results of earlier versions counted them always."""


class GradeEstimate(_Part):
    """One video-based estimate of a clinical score, with the rule that produced it."""

    name: Text = ""
    value: Annotated[int, Field(strict=True)] | Text | None
    """The estimate (SMC grades as I-IV); null when the rule gives none."""
    scale: Text
    rule: Text


class Grades(_Part):
    """Estimates of clinical scales from the video: they support a clinician's rating and never
    replace it, as ``caveat`` says."""

    jankovic_severity: GradeEstimate
    jankovic_frequency: GradeEstimate
    jankovic_total: GradeEstimate
    smc_grade: GradeEstimate
    caveat: Text
    """That these are estimates, and what they are not."""

    def estimates(self) -> tuple[tuple[str, GradeEstimate], ...]:
        """Each estimate with its key, in the order of :data:`GRADE_NAMES`."""
        return tuple((name, getattr(self, name)) for name in GRADE_NAMES)


class Software(_Part):
    """The software and model versions that made the result (other entries may follow)."""

    version: Text
    landmark_model: Text


class AnalysisResult(_Part):
    """The result of one analysis: ``hemispasm.analysis/1``."""

    model_config = ConfigDict(
        title="hemispasm.analysis/1",
        extra="allow",
        frozen=True,
        use_attribute_docstrings=True,
        populate_by_name=True,
        serialize_by_alias=True,
    )

    schema_name: Literal["hemispasm.analysis/1"] = Field(alias="schema")
    """Always ``hemispasm.analysis/1``."""
    source: Source
    quality: Quality
    affected_side: Side | None
    """The side with more spasms; null when none was named (see ``affected_side_reason``)."""
    affected_side_reason: Text = ""
    """Why a side was, or was not, named; empty in results of earlier versions."""
    events: list[Event]
    """The blinks and spasms, in time order."""
    metrics: Metrics
    grades: Grades
    caveat: Text = ""
    """The grades' caveat again, at the top; read from ``grades.caveat`` when missing."""
    params: dict[str, Number] = Field(default_factory=dict)
    """The analysis parameters, by name (see ``AnalysisParams``); results of earlier versions
    may lack some."""
    software: Software

    @model_validator(mode="before")
    @classmethod
    def _caveat_from_grades(cls, data: Any) -> Any:
        """A result without the top-level caveat takes the grades' (migrated on reading)."""
        if isinstance(data, Mapping) and "caveat" not in data:
            grades = data.get("grades")
            if isinstance(grades, Mapping) and isinstance(grades.get("caveat"), str):
                return {**data, "caveat": grades["caveat"]}
        return data

    def to_json_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data, keys as result.json writes them."""
        return self.model_dump(mode="json", by_alias=True)


class InvalidResultError(ValueError):
    """A result that does not follow ``hemispasm.analysis/1``; ``field`` is the first bad key as
    a dotted path (``result.events[2].side``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


def field_path(loc: tuple[int | str, ...], root: str = "result") -> str:
    """A pydantic error location as a dotted path: ``("events", 2, "side")`` ->
    ``result.events[2].side``. The tags pydantic adds for a union's member types and for a
    mapping's key are left out."""
    out = root
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _NOT_FIELDS:
            out += f".{part}"
    return out


_NOT_FIELDS = frozenset({"int", "str", "float", "bool", "none", "[key]"})


def error_text(exc: ValidationError, root: str = "result") -> tuple[str, str]:
    """The first error of ``exc``: the field's dotted path, and what is wrong with it."""
    first = exc.errors(include_url=False)[0]
    loc = tuple(first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "is missing"
    return field_path(loc, root), message


def parse_result(data: Any) -> AnalysisResult:
    """``data`` (parsed JSON) as an :class:`AnalysisResult`.

    Raises
    ------
    InvalidResultError
        Naming the first missing or malformed key as a dotted path, e.g.
        ``result.events[1].side: Input should be 'left', 'right' or 'both'``.
    """
    if isinstance(data, AnalysisResult):
        return data
    if not isinstance(data, Mapping):
        raise InvalidResultError("result", f"must be an object, but got {type(data).__name__}")
    try:
        return AnalysisResult.model_validate(data)
    except ValidationError as exc:
        raise InvalidResultError(*error_text(exc)) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``hemispasm.analysis/1`` (what a result must hold to be accepted)."""
    schema = AnalysisResult.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


def json_schema_text() -> str:
    """:func:`json_schema` as the text of the published file."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m hemispasm.report.contract > docs/schemas/...
    sys.stdout.write(json_schema_text())
