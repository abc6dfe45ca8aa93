"""A hand-made Analysis: 6 s at 30 fps, two left spasms (one tonic), one blink, one gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import (
    Event,
    GradeEstimate,
    Grades,
    Measurements,
    Metrics,
    Quality,
    SidePair,
)
from hemispasm.pipeline import Analysis
from hemispasm.video.info import VideoInfo

FPS = 30.0
N_FRAMES = 180
WIDTH, HEIGHT = 320, 240
GAP_S = (5.4, 5.8)

EVENTS = (
    Event("spasm", "left", 1.0, 1.6, 1.3, 0.9, False, ("eye", "cheek")),
    Event("blink", "both", 2.5, 2.7, 2.6, 0.95, False, ("eye",)),
    Event("spasm", "left", 3.5, 5.0, 4.2, 0.8, True, ("eye", "cheek", "mouth")),
)


def _bump(t: np.ndarray, start: float, end: float, peak: float) -> np.ndarray:
    """A raised-cosine closure from start to end reaching ``peak``."""
    inside = (t >= start) & (t <= end)
    phase = np.where(inside, (t - start) / (end - start), 0.0)
    return np.where(inside, peak * 0.5 * (1 - np.cos(2 * np.pi * phase)), 0.0)


def make_landmarks(t: np.ndarray, valid: np.ndarray) -> Landmarks:
    """Points scattered over a face-sized box (seeded), NaN where not valid."""
    rng = np.random.default_rng(0)
    base = np.empty((N_POINTS, 3), dtype=np.float32)
    base[:, 0] = rng.uniform(100, 220, N_POINTS)
    base[:, 1] = rng.uniform(60, 200, N_POINTS)
    base[:, 2] = rng.normal(0, 5, N_POINTS)
    points = np.repeat(base[None], t.shape[0], axis=0)
    points[~valid] = np.nan
    return Landmarks(
        points=points,
        valid=valid,
        timestamps_s=t,
        width=WIDTH,
        height=HEIGHT,
        n_faces=valid.astype(np.int8),
    )


def make_analysis(video_name: str = "patient_visit.mp4") -> Analysis:
    """The fake analysis used by the report tests."""
    t = np.arange(N_FRAMES) / FPS
    usable = ~((t >= GAP_S[0]) & (t <= GAP_S[1]))
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.01, (2, N_FRAMES))
    left = _bump(t, 1.0, 1.6, 0.9) + _bump(t, 2.5, 2.7, 0.95) + noise[0]
    left += np.where((t >= 3.5) & (t <= 5.0), 0.8, 0.0)
    right = _bump(t, 2.5, 2.7, 0.93) + noise[1]
    closure = SidePair(left=np.where(usable, left, np.nan), right=np.where(usable, right, np.nan))

    def pair(rest: float, gain: float) -> SidePair:
        return SidePair(
            left=np.where(usable, rest - gain * closure.left, np.nan),
            right=np.where(usable, rest - gain * closure.right, np.nan),
        )

    measurements = Measurements(
        timestamps_s=t,
        aperture=pair(0.3, 0.28),
        brow=pair(0.5, 0.02),
        cheek=pair(0.4, 0.05),
        mouth_corner=pair(0.9, -0.04),
        yaw_deg=np.where(usable, 3.0, np.nan),
        pitch_deg=np.where(usable, -2.0, np.nan),
        roll_deg=np.where(usable, 1.0, np.nan),
        face_found=usable.copy(),
        usable=usable,
    )
    metrics = Metrics(
        affected_side="left",
        usable_duration_s=5.6,
        spasms_per_min=21.4,
        blinks_per_min=10.7,
        spasm_count=2,
        blink_count=1,
        tonic_spasm_count=1,
        pct_time_affected_eye_half_closed=30.4,
        mean_spasm_duration_s=1.05,
        longest_spasm_s=1.5,
        longest_tonic_spasm_s=1.5,
        region_involvement={"eye": 1.0, "brow": 0.0, "cheek": 1.0, "mouth": 0.5},
        asymmetry_index=float("nan"),  # deliberately NaN: must become null
    )
    caveat = (
        "These grades are estimates computed from one video. They support, and do not replace, "
        "a clinician's rating."
    )
    grades = Grades(
        jankovic_severity=GradeEstimate("Jankovic severity", 3, "0-4", "peak closure rule"),
        jankovic_frequency=GradeEstimate("Jankovic frequency", 3, "0-4", "duration rule"),
        jankovic_total=GradeEstimate("Jankovic total", 6, "0-8", "sum of the two subscores"),
        smc_grade=GradeEstimate("SMC grade", "II", "I-IV", "spread beyond the eye"),
        caveat=caveat,
    )
    return Analysis(
        source=VideoInfo(
            path=Path("/videos") / video_name,
            sha256="ab" * 32,
            container="mp4",
            codec="h264",
            width=WIDTH,
            height=HEIGHT,
            rotation_deg=0,
            fps_nominal=FPS,
            duration_s=N_FRAMES / FPS,
            frames=N_FRAMES,
        ),
        quality=Quality(
            face_found_fraction=float(usable.mean()),
            usable=True,
            unusable_spans=(GAP_S,),
            warnings=("Face lost for 0.4 s at 5.4 s.",),
        ),
        landmarks=make_landmarks(t, usable),
        measurements=measurements,
        closure=closure,
        events=EVENTS,
        metrics=metrics,
        grades=grades,
        params=AnalysisParams(),
        software={"version": "0.1.0", "landmark_model": "mediapipe-facemesh-0.10.21"},
    )


def fake_frames(
    path: object = None,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    mirrored: bool = False,
    max_side: int | None = None,
) -> list[tuple[float, np.ndarray]]:
    """Stand-in for the video reader: grey gradient frames with the fixture's timestamps."""
    t = np.arange(N_FRAMES) / FPS
    lo = -np.inf if start_s is None else start_s
    hi = np.inf if end_s is None else end_s
    ramp = np.linspace(40, 200, WIDTH, dtype=np.float64).astype(np.uint8)
    image = np.repeat(np.repeat(ramp[None, :, None], HEIGHT, axis=0), 3, axis=2)
    return [(float(ts), image.copy()) for ts in t if lo <= ts < hi]


@pytest.fixture
def analysis() -> Analysis:
    """The fake analysis."""
    return make_analysis()


@pytest.fixture
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every frame read of the report package to :func:`fake_frames`."""
    from hemispasm.report import frames

    monkeypatch.setattr(frames, "read_frames", fake_frames)
