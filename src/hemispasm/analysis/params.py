"""Frozen, validated analysis parameters. Every analysis records the values it used."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hemispasm.errors import InvalidParameterError


@dataclass(frozen=True, kw_only=True)
class AnalysisParams:
    """Parameters of the analysis core. Times in seconds, closures 0 (open) to 1 (closed)."""

    merge_gap_s: float = 0.15
    """Closures separated by less than this much return to rest are one event."""
    tonic_min_s: float = 1.0
    """A spasm sustained at least this long is tonic."""
    min_video_s: float = 3.0
    """Shorter videos are refused."""
    max_abs_yaw_deg: float = 35.0
    max_abs_pitch_deg: float = 30.0
    min_face_fraction: float = 0.5
    """Below this fraction of frames with a face, the video is refused (NoFaceError)."""
    max_multi_face_fraction: float = 0.2
    """Above this fraction of frames with several faces, the video is refused."""

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InvalidParameterError(f"{name} must be a number, but got {value!r}")
            if value < 0:
                raise InvalidParameterError(f"{name} must be >= 0, but got {value!r}")

    def to_dict(self) -> dict[str, float]:
        """Plain dict for result.json."""
        return {k: float(v) for k, v in asdict(self).items()}
