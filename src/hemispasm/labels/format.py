"""Hand labels of a face video, format ``hemispasm.labels/1``: the models, reading and writing.

One JSON file per video (``<video stem>.labels.json``), described for people in
``tests/data/real-faces/README.md``. Hand labels made from the frames, corrections a clinician
made in the web report, and exported corrections all use this one format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hemispasm.analysis.types import Event, EventType
from hemispasm.errors import InvalidParameterError

LABELS_FORMAT = "hemispasm.labels/1"
LABELS_SUFFIX = ".labels.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelledVideo(_Strict):
    """Which video the labels belong to."""

    file: str = Field(min_length=1, description="file name, looked for beside the label file")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    frames: int | None = Field(default=None, ge=1)
    fps: float | None = Field(default=None, gt=0)


class LabelSource(_Strict):
    """Where the video comes from and under which licence."""

    origin: str = ""
    licence: str = ""
    credit: str = ""


class LabelledSubject(_Strict):
    """The person in the video: healthy, or with hemifacial spasm of one side."""

    condition: Literal["healthy", "hfs"]
    affected_side: Literal["left", "right"] | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _side_matches_condition(self) -> LabelledSubject:
        if self.condition == "healthy" and self.affected_side is not None:
            raise ValueError("a healthy subject has no affected_side")
        return self


class ExcludedSpan(_Strict):
    """A stretch that is not scored (eyes covered, not judgeable)."""

    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> ExcludedSpan:
        if self.end_s < self.start_s:
            raise ValueError(f"end_s ({self.end_s}) is before start_s ({self.start_s})")
        return self


class LabelledEvent(_Strict):
    """One blink or spasm as a labeller saw it. Times are the frames' presentation times (s)."""

    kind: Literal["blink", "spasm"]
    side: Literal["left", "right", "both"]
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    start_frame: int | None = Field(default=None, ge=0)
    end_frame: int | None = Field(default=None, ge=0)
    peak_frame: int | None = Field(default=None, ge=0)
    peak_s: float | None = Field(default=None, ge=0)
    type: EventType | None = None
    complete: bool | None = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> LabelledEvent:
        if self.end_s < self.start_s:
            raise ValueError(f"end_s ({self.end_s}) is before start_s ({self.start_s})")
        if self.kind == "blink" and self.side != "both":
            raise ValueError(f"a blink's side is 'both', but got {self.side!r}")
        if self.kind == "spasm" and self.side == "both":
            raise ValueError("a spasm's side is 'left' or 'right', not 'both'")
        if self.kind == "spasm" and self.type in ("complete", "incomplete"):
            raise ValueError(f"a spasm's type is twitch, partial, burst or tonic, not {self.type}")
        if self.kind == "blink" and self.type not in (None, "complete", "incomplete"):
            raise ValueError(f"a blink's type is complete or incomplete, not {self.type}")
        return self

    def to_event(self) -> Event:
        """The labelled event as an analysis :class:`~hemispasm.analysis.types.Event`."""
        peak = self.peak_s if self.peak_s is not None else 0.5 * (self.start_s + self.end_s)
        event_type = self.type
        if event_type is None and self.kind == "blink" and self.complete is not None:
            event_type = "complete" if self.complete else "incomplete"
        return Event(
            kind=self.kind,
            side=self.side,
            start_s=self.start_s,
            end_s=self.end_s,
            peak_s=peak,
            peak_closure=float("nan"),
            tonic=self.type == "tonic",
            regions=("eye",),
            type=event_type,
        )


class LabelFile(_Strict):
    """The labels of one video."""

    format: Literal["hemispasm.labels/1"]
    video: LabelledVideo
    source: LabelSource = LabelSource()
    subject: LabelledSubject
    labelled_by: str = ""
    method: str = ""
    excluded: tuple[ExcludedSpan, ...] = ()
    events: tuple[LabelledEvent, ...] = ()

    def truth(self) -> tuple[Event, ...]:
        """The labelled events as analysis events, in time order."""
        return tuple(sorted((e.to_event() for e in self.events), key=lambda e: e.start_s))

    def excluded_spans(self) -> tuple[tuple[float, float], ...]:
        """(start_s, end_s) of every stretch that is not scored."""
        return tuple((x.start_s, x.end_s) for x in self.excluded)


def read_labels(path: str | Path) -> LabelFile:
    """Read and check one label file.

    Raises
    ------
    InvalidParameterError
        The file cannot be read, is not JSON, or does not follow ``hemispasm.labels/1``; the
        message names the file and the first problem's field.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidParameterError(f"{path}: cannot read the label file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"{path}: not valid JSON: {exc}") from exc
    try:
        return LabelFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InvalidParameterError(
            f"{path}: not a {LABELS_FORMAT} file: {where}: {first['msg']}"
        ) from exc


def dumps_labels(labels: LabelFile) -> str:
    """The label file as indented JSON text."""
    return json.dumps(labels.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def find_label_files(folder: str | Path) -> list[Path]:
    """Every ``*.labels.json`` in ``folder`` (not below it), sorted.

    Raises
    ------
    InvalidParameterError
        ``folder`` is not a folder, or holds no label file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidParameterError(f"{folder}: not a folder of label files")
    found = sorted(p for p in folder.iterdir() if p.name.endswith(LABELS_SUFFIX))
    if not found:
        raise InvalidParameterError(f"{folder}: holds no *{LABELS_SUFFIX} file")
    return found
