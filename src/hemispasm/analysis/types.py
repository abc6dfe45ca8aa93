"""Small frozen records passed between analysis stages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


@dataclass(frozen=True)
class Event:
    """One blink or spasm. Times in seconds from the start of the video.

    ``peak_closure`` is 0 (open as at rest) to 1 (fully closed) on the event's side (for a blink,
    the larger of the two eyes). ``tonic`` is True when the closure was sustained for at least the
    tonic threshold (1 s by default). ``regions`` lists the face regions that moved, eye first.
    """

    kind: EventKind
    side: EventSide
    start_s: float
    end_s: float
    peak_s: float
    peak_closure: float
    tonic: bool
    regions: tuple[Region, ...]

    @property
    def duration_s(self) -> float:
        """End minus start, in seconds."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, object]:
        """The JSON form used by result.json and truth.json."""
        return {
            "kind": self.kind,
            "side": self.side,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "peak_s": round(self.peak_s, 4),
            "peak_closure": round(self.peak_closure, 4),
            "tonic": self.tonic,
            "regions": list(self.regions),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Event:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=d["kind"],  # type: ignore[arg-type]
            side=d["side"],  # type: ignore[arg-type]
            start_s=float(d["start_s"]),  # type: ignore[arg-type]
            end_s=float(d["end_s"]),  # type: ignore[arg-type]
            peak_s=float(d["peak_s"]),  # type: ignore[arg-type]
            peak_closure=float(d["peak_closure"]),  # type: ignore[arg-type]
            tonic=bool(d["tonic"]),
            regions=tuple(d["regions"]),  # type: ignore[arg-type]
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
