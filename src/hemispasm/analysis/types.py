"""Small frozen records passed between analysis stages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Side = Literal["left", "right"]
EventSide = Literal["left", "right", "both"]
EventKind = Literal["spasm", "blink"]
Region = Literal["eye", "brow", "cheek", "mouth"]
SIDES: tuple[Side, Side] = ("left", "right")
REGIONS: tuple[Region, ...] = ("eye", "brow", "cheek", "mouth")


def other_side(side: Side) -> Side:
    """The subject's other side: ``"left"`` for ``"right"`` and the reverse.

    Raises
    ------
    ValueError
        If ``side`` is neither ``"left"`` nor ``"right"``.

    Examples
    --------
    >>> other_side("left")
    'right'
    """
    if side == "left":
        return "right"
    if side == "right":
        return "left"
    raise ValueError(f"side must be 'left' or 'right', but got {side!r}")


@dataclass(frozen=True, eq=False)
class SidePair:
    """One per-frame signal for each side of the subject's face, float64 arrays of shape (T,)."""

    left: np.ndarray
    right: np.ndarray

    def side(self, side: Side) -> np.ndarray:
        """The signal of ``side``."""
        if side == "left":
            return self.left
        if side == "right":
            return self.right
        raise ValueError(f"side must be 'left' or 'right', but got {side!r}")

    def swapped(self) -> SidePair:
        """The same pair with left and right exchanged."""
        return SidePair(left=self.right, right=self.left)


EventType = Literal["complete", "incomplete", "twitch", "partial", "burst", "tonic"]
"""A blink is ``complete`` or ``incomplete``; a spasm a ``twitch`` (one brisk closure), a
``partial`` closure (the lid part way down), one of a ``burst`` (clonic twitches in a row) or
``tonic`` (held for a second or more)."""
EVENT_TYPES: tuple[EventType, ...] = (
    "complete",
    "incomplete",
    "twitch",
    "partial",
    "burst",
    "tonic",
)


@dataclass(frozen=True)
class Evidence:
    """What a blink-or-spasm call rests on: how the two eyes moved in the same moment.

    Closures are rises above each eye's own level just before the event (0-1, as FaceMesh reads
    them); ``*_z`` are those rises over the eye's frame-to-frame closure noise.

    Attributes
    ----------
    closing_rise : the rise of the event's eye (for a blink, the stronger eye).
    other_rise : the rise of the other eye in the same moment.
    expected_other_rise : what the other eye rises in this video's blinks when the event's eye
        rises as much (from the ratio of the two eyes in confidently conjugate blinks).
    closing_z, other_z : the two rises in noise standard deviations of their own eye.
    onset_lag_s : the other eye's start minus the event eye's start, None if it did not move.
    """

    closing_rise: float
    other_rise: float
    expected_other_rise: float
    closing_z: float
    other_z: float
    onset_lag_s: float | None

    def to_dict(self) -> dict[str, float | None]:
        """The JSON form used by result.json."""
        return {
            "closing_rise": round(self.closing_rise, 4),
            "other_rise": round(self.other_rise, 4),
            "expected_other_rise": round(self.expected_other_rise, 4),
            "closing_z": round(self.closing_z, 2),
            "other_z": round(self.other_z, 2),
            "onset_lag_s": None if self.onset_lag_s is None else round(self.onset_lag_s, 4),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        lag = d.get("onset_lag_s")
        return cls(
            closing_rise=float(d["closing_rise"]),
            other_rise=float(d["other_rise"]),
            expected_other_rise=float(d["expected_other_rise"]),
            closing_z=float(d["closing_z"]),
            other_z=float(d["other_z"]),
            onset_lag_s=None if lag is None else float(lag),
        )


@dataclass(frozen=True)
class Event:
    """One blink or spasm. Times in seconds from the start of the video.

    ``peak_closure`` is 0 (open as at rest) to 1 (fully closed) on the event's side (for a blink,
    the larger of the two eyes). ``tonic`` is True when the closure was sustained for at least the
    tonic threshold (1 s by default). ``regions`` lists the face regions that moved, eye first.
    ``type`` says what kind of blink or spasm it is (see :data:`EventType`); ``confidence`` (0-1)
    how sure the call of kind and side is, and ``evidence`` and ``reason`` what it rests on. Truth
    records of synthetic videos and hand labels leave the last three empty.
    """

    kind: EventKind
    side: EventSide
    start_s: float
    end_s: float
    peak_s: float
    peak_closure: float
    tonic: bool
    regions: tuple[Region, ...]
    type: EventType | None = None
    confidence: float | None = None
    evidence: Evidence | None = None
    reason: str = ""

    @property
    def duration_s(self) -> float:
        """End minus start, in seconds."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by result.json and truth.json."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "side": self.side,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "peak_s": round(self.peak_s, 4),
            "peak_closure": round(self.peak_closure, 4),
            "tonic": self.tonic,
            "regions": list(self.regions),
            "type": self.type,
        }
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        if self.evidence is not None:
            out["evidence"] = self.evidence.to_dict()
        if self.reason:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        """Inverse of :meth:`to_dict`."""
        evidence = d.get("evidence")
        confidence = d.get("confidence")
        return cls(
            kind=d["kind"],
            side=d["side"],
            start_s=float(d["start_s"]),
            end_s=float(d["end_s"]),
            peak_s=float(d["peak_s"]),
            peak_closure=float(d["peak_closure"]),
            tonic=bool(d["tonic"]),
            regions=tuple(d["regions"]),
            type=d.get("type"),
            confidence=None if confidence is None else float(confidence),
            evidence=None if evidence is None else Evidence.from_dict(evidence),
            reason=str(d.get("reason", "")),
        )


@dataclass(frozen=True, eq=False)
class Measurements:
    """Per-frame, per-side signals in a head-pose-normalised face frame.

    All arrays have shape (T,) and are float64 (NaN where the frame is unusable) unless noted.
    Distances are divided by the inter-ocular distance of the same frame, so zoom cancels out.

    Attributes
    ----------
    timestamps_s : presentation time of each frame, seconds.
    aperture : eyelid aperture over eye width (mean of several upper/lower lid pairs).
    brow : brow height above the eye's corner line.
    cheek : infraorbital cheek height below the eye (smaller = cheek raised).
    mouth_corner : mouth-corner position along its up-and-out direction (larger = pulled up/out).
    yaw_deg, pitch_deg, roll_deg : head pose estimate.
    face_found : bool, a face was found (with several in view, the landmark backend keeps the
        largest; such frames are not excluded).
    usable : bool, face found and pose and confidence within limits.
    inter_ocular_px : optional, distance between the eye centres in pixels (NaN without a face).
    shape_deviation_iod : optional, median distance of the frame's pose-free face shape from the
        video's median shape, in inter-ocular distances (large = landmark glitch).
    gaze_x, gaze_y : optional, where each iris centre sits relative to the middle of its eye's
        corners, along the face's left-right and up-down axes, in eye widths (the eyes looking
        around; unreliable in an eye that is closing, whose iris the lid covers).
    upper_lid : optional, height of the upper lid above the line through the eye's corners, in
        eye widths: an eye shut by its lid closing (a blink, a spasm) loses it; an eye narrowed
        from below (a smile raising the cheek) keeps most of it.
    """

    timestamps_s: np.ndarray
    aperture: SidePair
    brow: SidePair
    cheek: SidePair
    mouth_corner: SidePair
    yaw_deg: np.ndarray
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    face_found: np.ndarray
    usable: np.ndarray
    inter_ocular_px: np.ndarray | None = None
    shape_deviation_iod: np.ndarray | None = None
    gaze_x: SidePair | None = None
    gaze_y: SidePair | None = None
    upper_lid: SidePair | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames (T)."""
        return int(self.timestamps_s.shape[0])


@dataclass(frozen=True)
class Metrics:
    """Summary figures of one analysed video (all per usable time, not per wall time)."""

    affected_side: Side | None
    usable_duration_s: float
    spasms_per_min: float
    blinks_per_min: float
    spasm_count: int
    blink_count: int
    tonic_spasm_count: int
    pct_time_affected_eye_half_closed: float
    mean_spasm_duration_s: float | None
    longest_spasm_s: float | None
    longest_tonic_spasm_s: float | None
    region_involvement: dict[str, float]
    """Fraction (0-1) of the affected side's spasms in which each region moved."""
    asymmetry_index: float
    """(affected - other) / (affected + other) of mean closure; 0 symmetric, 1 one-sided."""
    max_spasm_peak_closure: float | None = None
    """Largest peak closure among the spasms (None without spasms)."""
    tonic_spasms_per_min: float = 0.0
    """Tonic spasms per usable minute."""
    affected_side_reason: str = ""
    """Why a side was, or was not, named."""
    spasms_countable: bool = True
    """False below the frame rate at which spasms can be told from blinks (none are reported)."""


@dataclass(frozen=True)
class GradeEstimate:
    """One video-based estimate of a clinical score, with the rule that produced it."""

    name: str
    value: int | str | None
    scale: str
    rule: str


@dataclass(frozen=True)
class Grades:
    """Video-based estimates of clinical scales, to support (never replace) a clinician."""

    jankovic_severity: GradeEstimate
    jankovic_frequency: GradeEstimate
    jankovic_total: GradeEstimate
    smc_grade: GradeEstimate
    caveat: str


@dataclass(frozen=True)
class Quality:
    """How much of the video could be analysed, and why not the rest."""

    face_found_fraction: float
    usable: bool
    unusable_spans: tuple[tuple[float, float], ...]
    warnings: tuple[str, ...]
