"""Events and signals to summary figures (:class:`Metrics`) and a data-quality record.

Every rate and percentage is per *usable* time (frames with a face, head pose within limits and no
landmark glitch), not per wall-clock time, so a video where the face is lost for a while is not
credited with spasm-free minutes it did not show.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hemispasm.analysis.checks import check_closure, check_params, check_type
from hemispasm.analysis.landmarks import Landmarks
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.signals import frame_durations, median_frame_interval, runs
from hemispasm.analysis.types import (
    REGIONS,
    SIDES,
    Event,
    Measurements,
    Metrics,
    Quality,
    Side,
    SidePair,
    other_side,
)

_LOW_FPS = 20.0
_SMALL_FACE_PX = 40.0
_WARN_FRACTION = 0.05


def compute_metrics(
    measurements: Measurements,
    closure: SidePair,
    events: Sequence[Event],
    params: AnalysisParams | None = None,
) -> Metrics:
    """Rates, durations, time closed, region involvement and asymmetry of one video.

    Parameters
    ----------
    measurements : Measurements
        Timestamps (T,) and ``usable`` (T,).
    closure : SidePair
        Output of ``compute_closure``, arrays of shape (T,).
    events : sequence of Event
        Output of ``detect_events``.
    params : AnalysisParams, optional
        Uses ``closed_closure``; defaults to ``AnalysisParams()``.

    Returns
    -------
    Metrics
        ``affected_side`` and its reason from :func:`decide_affected_side`. Counts and
        durations cover all spasms; ``region_involvement`` covers the affected side's spasms.
        The time closed is the % of usable time that lies inside one of the affected side's
        spasms (start to end) and in which the affected eye's closure exceeds
        ``closed_closure``; blinks do not count (0 without an affected side).
        ``asymmetry_index`` is ``(affected - other) / (affected + other)`` of the mean closure
        over usable time; without an affected side,
        ``|left - right| / (left + right)``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the closure arrays do not have the shape (T,) of the measurements.
    """
    params = check_params(params)
    check_closure(closure, measurements)
    events = tuple(events)
    for i, e in enumerate(events):
        check_type(f"events[{i}]", e, Event)

    t = measurements.timestamps_s
    usable = np.asarray(measurements.usable, dtype=bool)
    weights = np.where(usable, frame_durations(t), 0.0)
    usable_s = float(weights.sum())
    minutes = usable_s / 60.0

    def per_min(count: int) -> float:
        return count / minutes if minutes > 0 else 0.0

    spasms = [e for e in events if e.kind == "spasm"]
    blinks = [e for e in events if e.kind == "blink"]
    tonic = [e for e in spasms if e.tonic]
    mean_closure = {s: _weighted_mean(closure.side(s), weights) for s in SIDES}
    dt = median_frame_interval(t)
    fps = 1.0 / dt if dt > 0 else 0.0
    affected, reason = decide_affected_side(spasms, usable_s=usable_s, fps=fps, params=params)

    if affected is None:
        pct_closed = 0.0
        high, low = max(mean_closure.values()), min(mean_closure.values())
        asymmetry = (high - low) / (high + low) if high + low > 0 else 0.0
        involvement: dict[str, float] = {r: 0.0 for r in REGIONS}
    else:
        c = np.asarray(closure.side(affected), dtype=np.float64)
        own = [e for e in spasms if e.side == affected]
        in_spasm = np.zeros(t.shape, dtype=bool)
        for e in own:
            in_spasm |= (t >= e.start_s) & (t <= e.end_s)
        closed = usable & in_spasm & (np.nan_to_num(c, nan=0.0) > params.closed_closure)
        pct_closed = 100.0 * float(weights[closed].sum()) / usable_s if usable_s > 0 else 0.0
        a, o = mean_closure[affected], mean_closure[other_side(affected)]
        asymmetry = (a - o) / (a + o) if a + o > 0 else 0.0
        involvement = {str(r): sum(r in e.regions for e in own) / len(own) for r in REGIONS}

    durations = [e.duration_s for e in spasms]
    return Metrics(
        affected_side=affected,
        usable_duration_s=usable_s,
        spasms_per_min=per_min(len(spasms)),
        blinks_per_min=per_min(len(blinks)),
        spasm_count=len(spasms),
        blink_count=len(blinks),
        tonic_spasm_count=len(tonic),
        pct_time_affected_eye_half_closed=pct_closed,
        mean_spasm_duration_s=float(np.mean(durations)) if durations else None,
        longest_spasm_s=max(durations) if durations else None,
        longest_tonic_spasm_s=max((e.duration_s for e in tonic), default=None),
        region_involvement=involvement,
        asymmetry_index=float(asymmetry),
        max_spasm_peak_closure=max((e.peak_closure for e in spasms), default=None),
        tonic_spasms_per_min=per_min(len(tonic)),
        affected_side_reason=reason,
        spasms_countable=fps >= params.min_spasm_fps,
    )


def compute_quality(
    landmarks: Landmarks, measurements: Measurements, params: AnalysisParams | None = None
) -> Quality:
    """How much of the video could be analysed, where not, and why.

    Parameters
    ----------
    landmarks : Landmarks
        For ``n_faces`` (T,) and the frame size.
    measurements : Measurements
        For ``face_found``, ``usable`` and pose (T,).
    params : AnalysisParams, optional
        Defaults to ``AnalysisParams()``.

    Returns
    -------
    Quality
        ``usable`` is True when a face was found in at least ``min_face_fraction`` of the frames,
        at most ``max_multi_face_fraction`` showed several faces (such frames are analysed, as the
        landmark backend keeps the largest face; too many of them refuse the video) and the
        usable time is at least ``min_video_s``. ``unusable_spans`` lists (start_s, end_s) of
        unusable stretches of at least ``min_unusable_span_s``. ``warnings`` are plain sentences
        for the report.
    """
    params = check_params(params)
    check_type("landmarks", landmarks, Landmarks)
    check_type("measurements", measurements, Measurements)
    n = measurements.n_frames
    if landmarks.n_frames != n:
        raise ValueError(
            f"landmarks must have as many frames as measurements ({n}), "
            f"but got {landmarks.n_frames}"
        )
    if n == 0:
        return Quality(
            face_found_fraction=0.0,
            usable=False,
            unusable_spans=(),
            warnings=("the video holds no frames",),
        )

    t = measurements.timestamps_s
    dt = median_frame_interval(t)
    durations = frame_durations(t)
    usable = np.asarray(measurements.usable, dtype=bool)
    found = np.asarray(measurements.face_found, dtype=bool)
    found_fraction = float(found.mean())
    multi_fraction = float(np.mean(np.asarray(landmarks.n_faces) >= 2))
    usable_s = float(durations[usable].sum())

    spans = []
    for a, b in runs(~usable):
        end = float(t[b]) if b < n else float(t[-1] + dt)
        if end - float(t[a]) >= params.min_unusable_span_s:
            spans.append((float(t[a]), end))

    warnings: list[str] = []
    if 1.0 - found_fraction > _WARN_FRACTION:
        warnings.append(f"no face was found in {1.0 - found_fraction:.0%} of the frames")
    if multi_fraction > 0:
        warnings.append(f"several faces were in view in {multi_fraction:.0%} of the frames")
    with np.errstate(invalid="ignore"):
        turned = found & (
            (np.abs(measurements.yaw_deg) > params.max_abs_yaw_deg)
            | (np.abs(measurements.pitch_deg) > params.max_abs_pitch_deg)
            | (np.abs(measurements.roll_deg) > params.max_abs_roll_deg)
        )
    if turned.any():
        warnings.append(
            f"the head was turned, nodded or tilted past the limits for "
            f"{float(durations[turned].sum()):.1f} s (yaw {params.max_abs_yaw_deg:g} deg, "
            f"pitch {params.max_abs_pitch_deg:g} deg, roll {params.max_abs_roll_deg:g} deg); "
            "those frames were not analysed"
        )
    if measurements.shape_deviation_iod is not None:
        with np.errstate(invalid="ignore"):
            glitches = found & (measurements.shape_deviation_iod > params.max_shape_deviation_iod)
        if glitches.any():
            warnings.append(
                f"face landmarks jumped implausibly in {int(glitches.sum())} frames; "
                "those frames were not analysed"
            )
    fps = 1.0 / dt if dt > 0 else 0.0
    if fps < _LOW_FPS:
        warnings.append(
            f"low frame rate ({fps:.0f} fps): brief twitches may be missed and timings are coarse; "
            "record at 30 fps or more"
        )
    if n > 2 and np.mean(np.diff(t) > 1.5 * dt) > _WARN_FRACTION:
        warnings.append("frames were dropped or the frame rate varies; times come from timestamps")
    if measurements.inter_ocular_px is not None and found.any():
        iod = float(np.nanmedian(measurements.inter_ocular_px[found]))
        if iod < _SMALL_FACE_PX:
            warnings.append(
                f"the face is small in the frame (eyes {iod:.0f} px apart); "
                "move the camera closer for reliable eyelid measurements"
            )
    if usable_s < params.min_video_s:
        warnings.append(
            f"only {usable_s:.1f} s of the video could be analysed "
            f"(at least {params.min_video_s:g} s needed)"
        )

    ok = (
        found_fraction >= params.min_face_fraction
        and multi_fraction <= params.max_multi_face_fraction
        and usable_s >= params.min_video_s
    )
    return Quality(
        face_found_fraction=found_fraction,
        usable=bool(ok),
        unusable_spans=tuple(spans),
        warnings=tuple(warnings),
    )


def _weighted_mean(x: np.ndarray, weights: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x) & (weights > 0)
    total = float(weights[ok].sum())
    return float((x[ok] * weights[ok]).sum() / total) if total > 0 else 0.0


def decide_affected_side(
    spasms: Sequence[Event], *, usable_s: float, fps: float, params: AnalysisParams
) -> tuple[Side | None, str]:
    """The side named as affected, or None, and the reason in words.

    A side is named only when the one-sided evidence is enough: at least ``side_min_spasms``
    confident spasms on it (confidence at least ``side_min_confidence``), at a rate of at least
    ``side_min_rate_per_min`` per usable minute, making up at least ``side_min_fraction`` of all
    confident spasms. Healthy faces make the odd one-sided lid movement (an eye that reads
    weaker, a wink-like squint), so one or two spasms never name a side. Below ``min_spasm_fps``
    no side is named at all.

    Examples
    --------
    >>> decide_affected_side([], usable_s=60.0, fps=30.0, params=AnalysisParams())
    (None, 'no spasm was seen')
    """
    if fps < params.min_spasm_fps:
        return None, (
            f"at {fps:.0f} frames per second a blink lasts one or two frames, so spasms cannot be "
            f"told from blinks or counted reliably (at least {params.min_spasm_fps:g} fps needed)"
        )
    if not spasms:
        return None, "no spasm was seen"
    # A spasm without a confidence was given, not detected (hand labels, a clinician's
    # correction): it counts as sure.
    confident = [
        e
        for e in spasms
        if (1.0 if e.confidence is None else e.confidence) >= params.side_min_confidence
    ]
    counts = {s: sum(e.side == s for e in confident) for s in SIDES}
    side: Side = "left" if counts["left"] >= counts["right"] else "right"
    n, total = counts[side], len(confident)
    minutes = usable_s / 60.0
    if n < params.side_min_spasms:
        return None, (
            f"{len(spasms)} possible spasm(s), {total} of them confident; at least "
            f"{params.side_min_spasms:g} confident spasms of one eye are needed to name a side"
        )
    if minutes > 0 and n / minutes < params.side_min_rate_per_min:
        return None, (
            f"{n} confident spasms of the {side} eye in {minutes:.1f} usable minutes is fewer "
            f"than {params.side_min_rate_per_min:g} a minute, which healthy faces can reach"
        )
    if n / total < params.side_min_fraction:
        return None, (
            f"spasms on both sides ({counts['left']} left, {counts['right']} right among the "
            "confident ones): not mostly one side"
        )
    return side, f"{n} of {total} confident spasms were of the {side} eye"
