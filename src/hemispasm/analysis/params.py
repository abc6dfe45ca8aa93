"""Frozen, validated analysis parameters. Every analysis records the values it used.

Conventions: times in seconds; closures run from 0 (eye open as at rest) to 1 (aperture zero);
distances are in inter-ocular distances (IOD, the distance between the two eye centres of the same
frame); angles in degrees. FaceMesh under-reads eyelid closure (a full closure reads about 0.6-0.7,
slope about 0.67 against the true closure), and the closure thresholds below are set with that in
mind.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from hemispasm.errors import InvalidParameterError


class InvalidParameterTypeError(InvalidParameterError, TypeError):
    """A parameter has the wrong kind of value (for example a string where a number is needed).

    It is both an :class:`~hemispasm.errors.InvalidParameterError` (so the CLI maps it like any bad
    parameter) and a :class:`TypeError` (the house convention for a value of the wrong kind).
    """


# (name, low, high, low_inclusive, high_inclusive); None means unbounded on that side.
_BOUNDS: dict[str, tuple[float | None, float | None, bool, bool]] = {
    "merge_gap_s": (0.0, None, True, True),
    "held_window_s": (0.0, None, False, True),
    "spasm_max_closing_s": (0.0, None, False, True),
    "tonic_min_s": (0.0, None, False, True),
    "min_video_s": (0.0, None, True, True),
    "max_abs_yaw_deg": (0.0, 90.0, False, True),
    "max_abs_pitch_deg": (0.0, 90.0, False, True),
    "max_abs_roll_deg": (0.0, 180.0, False, True),
    "min_face_fraction": (0.0, 1.0, True, True),
    "min_face_score": (0.0, 1.0, True, True),
    "max_multi_face_fraction": (0.0, 1.0, True, True),
    "max_shape_deviation_iod": (0.0, None, False, True),
    "max_gap_fill_s": (0.0, None, True, True),
    "smoothing_s": (0.0, None, True, True),
    "baseline_window_s": (0.0, None, False, True),
    "baseline_step_s": (0.0, None, False, True),
    "baseline_percentile": (50.0, 100.0, True, True),
    "baseline_open_band": (0.0, 1.0, False, False),
    "closure_on": (0.0, 1.0, False, False),
    "closure_rest": (0.0, 1.0, False, False),
    "closure_noise_k": (0.0, None, True, True),
    "blink_max_onset_lag_s": (0.0, None, True, True),
    "closed_closure": (0.0, 1.0, False, False),
    "co_move_noise_k": (0.0, None, False, True),
    "co_move_min_ratio": (0.0, 1.0, False, False),
    "min_closing_speed_per_s": (0.0, None, True, True),
    "min_spasm_closing_rate_per_s": (0.0, None, True, True),
    "gaze_shift_max": (0.0, None, False, True),
    "min_spasm_fraction": (0.0, 1.0, True, False),
    "min_held_spasm_fraction": (0.0, 1.0, True, False),
    "burst_member_fraction": (0.0, 1.0, True, False),
    "sudden_closing_s": (0.0, None, True, True),
    "burst_member_on_k": (1.0, None, True, True),
    "min_upper_lid_share": (0.0, 1.0, True, True),
    "max_other_level_fraction": (0.0, 1.0, False, True),
    "after_blink_min_s": (0.0, None, False, True),
    "linger_min_s": (0.0, None, False, True),
    "after_blink_min_level": (0.0, 1.0, False, False),
    "after_blink_level_fraction": (0.0, 1.0, False, True),
    "partial_fraction": (0.0, 1.0, False, True),
    "burst_max_gap_s": (0.0, None, True, True),
    "min_spasm_fps": (0.0, None, True, True),
    "side_min_spasms": (1.0, None, True, True),
    "side_min_fraction": (0.5, 1.0, False, True),
    "side_min_rate_per_min": (0.0, None, True, True),
    "side_min_confidence": (0.0, 1.0, True, True),
    "region_z_min": (0.0, None, True, True),
    "region_z_margin": (0.0, None, True, True),
    "region_noise_floor_iod": (0.0, None, False, True),
    "min_unusable_span_s": (0.0, None, True, True),
    "elevated_blink_rate_per_min": (0.0, None, False, True),
    "full_spasm_closure": (0.0, 1.0, False, False),
    "severe_closed_pct": (0.0, 100.0, False, True),
    "frequent_tonic_per_min": (0.0, None, False, True),
    "region_spread_min_fraction": (0.0, 1.0, False, True),
}


@dataclass(frozen=True, kw_only=True)
class AnalysisParams:
    """Parameters of the analysis core.

    All fields are keyword-only numbers; construction validates each one and raises
    :class:`InvalidParameterTypeError` (a ``TypeError``) for a non-number and
    :class:`~hemispasm.errors.InvalidParameterError` (a ``ValueError``) for a number out of range,
    naming the parameter and the value.

    Examples
    --------
    >>> AnalysisParams(merge_gap_s=0.2).merge_gap_s
    0.2
    """

    # --- events ----------------------------------------------------------------------------------
    merge_gap_s: float = 0.03
    """Closures of one eye separated by less than this much return to rest are one episode (s):
    shorter than the rest between the two blinks of a double blink or the twitches of a burst."""
    held_window_s: float = 0.5
    """Closures narrower than this are brief (blinks, twitches) and are found on the closure with
    everything held longer taken off; closures held at least this long (tonic spasms, smiles,
    looking down) on what is held (s). A brief closure on top of a smile is still found."""
    spasm_max_closing_s: float = 0.25
    """A one-sided closure is a spasm only if it closed from 20 % to 80 % of its rise within
    this long (and never less than two frames) (s): spasms are sudden; smiles and squints
    narrow the eye more slowly."""
    tonic_min_s: float = 1.0
    """A spasm whose eye stays above half of its closing rise at least this long is tonic (s)."""

    # --- video-level refusal (checked by the pipeline) -------------------------------------------
    min_video_s: float = 3.0
    """Shorter videos are refused (s)."""
    min_face_fraction: float = 0.5
    """Below this fraction of frames with a face, the video is refused (NoFaceError)."""
    min_face_score: float = 0.75
    """Below this median face-detector score on the frames where a face was tracked, what was
    tracked is not taken for a face and the video is refused (NoFaceError). Real faces score
    0.85-0.98; a coffee cup drifting across a wall scored 0.5-0.7."""
    max_multi_face_fraction: float = 0.2
    """Above this fraction of frames with several faces, the video is refused."""

    # --- per-frame usability ---------------------------------------------------------------------
    max_abs_yaw_deg: float = 35.0
    """Frames with the head turned further than this (left or right) are unusable (deg)."""
    max_abs_pitch_deg: float = 30.0
    """Frames with the head nodded further than this (up or down) are unusable (deg)."""
    max_abs_roll_deg: float = 45.0
    """Frames with the head tilted further than this are unusable (deg). Roll itself is removed by
    the face frame; past this the landmark model is less reliable."""
    max_shape_deviation_iod: float = 0.15
    """A frame whose pose-free face shape differs from the video's median shape by more than this
    (median distance over every 4th point of the 468-point mesh, irises left out, in IOD) holds a
    landmark glitch and is unusable. A spasm moves only a minority of the points, so it does not
    move the median."""

    # --- signal conditioning ---------------------------------------------------------------------
    max_gap_fill_s: float = 0.2
    """Unusable gaps up to this long inside a usable stretch are bridged by linear interpolation
    for event detection (s). Shorter than most blinks, so a blink is not invented."""
    smoothing_s: float = 0.02
    """Standard deviation of the Gaussian applied to the closure before event detection (s). Below
    half a frame interval it has no effect (e.g. at 30 fps or less with the default)."""
    baseline_window_s: float = 20.0
    """Length of the centred window over which each eye's open-eye aperture is estimated (s)."""
    baseline_step_s: float = 0.5
    """The open-eye baseline is computed every this many seconds and interpolated between (s)."""
    baseline_percentile: float = 90.0
    """High percentile of the aperture in the window that marks an open eye. 90 tolerates an eye
    closed up to about 90% of any window."""
    baseline_open_band: float = 0.2
    """Apertures within this fraction below the high percentile count as open; their median is
    the baseline (so 0 closure is the eye at rest, not its widest)."""

    # --- closure thresholds (hysteresis) ---------------------------------------------------------
    closure_on: float = 0.12
    """An episode starts when an eye's closure reaches this. About 30% true closure, given that
    FaceMesh under-reads closure."""
    closure_rest: float = 0.06
    """An episode ends (and starts) where the closure crosses this, i.e. where the eye is back to
    rest. Raised to ``closure_noise_k`` times the eye's closure noise when that is larger."""
    closure_noise_k: float = 3.0
    """The rest threshold is at least this many standard deviations of frame-to-frame closure
    noise; the start threshold is then at least twice the rest threshold."""

    # --- blink or spasm --------------------------------------------------------------------------
    blink_max_onset_lag_s: float = 0.06
    """The two eyes of a blink start closing within this of each other (s); never less than 1.5
    frame intervals, so the rule still works at 15 fps."""
    closed_closure: float = 0.5
    """Closure above which an eye counts as closed for time fractions (about 75% true closure)."""
    co_move_noise_k: float = 3.5
    """The other eye moved with an episode when its rise reached this many of its own
    frame-to-frame noise standard deviations ..."""
    co_move_min_ratio: float = 0.3
    """... and this fraction of what it rises in this video's blinks (FaceMesh may read one eye's
    blinks at 0.4 of the other's)."""
    gaze_shift_max: float = 0.1
    """A one-sided lid movement is not a spasm when the other eye's iris moved this far or more
    (eye widths) up or down in the same moment: the lids follow the eyes when they look up or
    down, and FaceMesh often reads that in one lid only. A sideways glance does not move the
    lids, so it excuses nothing. During a spasm the other eye stays where it was."""
    min_spasm_fraction: float = 0.2
    """A one-sided closure smaller than this fraction of the eye's typical complete blink (as
    FaceMesh reads both) is not counted as a spasm. FaceMesh reads a lid closed a third of the
    way at about a fifth of a blink; healthy faces that smile, laugh or look around make
    one-sided lid wobbles of 0.15-0.18 of a blink."""
    min_held_spasm_fraction: float = 0.35
    """The same for a closure held ``held_window_s`` or longer: a tonic spasm shuts the eye most
    of the way, while an uneven smile or squint narrows one eye by a third of a blink or less
    for seconds."""
    sudden_closing_s: float = 0.1
    """... unless the lid came down suddenly, within this time (s; at least a frame and a half): a
    smile or squint narrows the eye over a quarter of a second or more, a partial tonic spasm
    within a frame or two. Such a held closure need only reach ``min_spasm_fraction``."""
    burst_member_fraction: float = 0.1
    """Within ``burst_max_gap_s`` of a spasm of the same eye, a one-sided closure need reach only
    this fraction of a blink: a clonic burst repeats in one eye, and its smaller twitches are
    part of it. Healthy lids do not make the spasm that such a closure would have to follow."""
    burst_member_on_k: float = 1.5
    """... and it need rise only this many times the eye's rest threshold rather than to the
    start threshold (at 15-18 fps a short twitch is one frame and reads low)."""
    min_upper_lid_share: float = 0.25
    """A one-sided closure is a spasm only if its upper lid made at least this share of the
    narrowing: a smile raises the cheek and narrows the eye almost wholly from below, while
    orbicularis oculi brings the upper lid down (and lifts the lower one too, so that a spasm
    read on real faces may owe only a third of its narrowing to the upper lid)."""
    max_other_level_fraction: float = 0.5
    """A one-sided closure is a spasm only if the other eye was then open, closed less than this
    fraction of its own typical blink: hemifacial spasm leaves the other eye at rest, while a
    face that cries or squeezes both eyes half shut moves one lid more than the other."""
    min_closing_speed_per_s: float = 1.5
    """A blink closes quickly: from 20 % to 80 % of its rise at this many closure units per second
    or faster (real blinks: 3 or more). Both lids drifting down together more slowly (a smile,
    a squint, looking down) is not a blink."""
    min_spasm_closing_rate_per_s: float = 1.8
    """A brief one-sided closure is a spasm only if it closed from 20 % to 80 % of its rise at
    this many of the eye's own blink heights a second or faster: on real faces a lid sagging a
    fifth to a third of a blink as the face softens or smiles closes at 1.0-1.4, while twitches
    put into real video close at 2.2 or more. (Read against the eye's blink, so that an eye
    FaceMesh reads weakly is not held to a faster absolute speed.)"""
    after_blink_min_s: float = 0.4
    """After a blink, an eye that stays strongly closed this long once the other eye has reopened
    has a spasm set off by the blink (s) ..."""
    linger_min_s: float = 0.1
    """After a brief blink, an eye that stays closed above ``after_blink_level_fraction`` of its
    blink for at least this long (and two frames) once the other eye has reopened has a spasm
    set off by the blink (s)."""
    after_blink_min_level: float = 0.35
    """... strongly closed meaning at least this closure ..."""
    after_blink_level_fraction: float = 0.6
    """... and at least this fraction of its peak in the blink (a slow reopening stays lower)."""
    partial_fraction: float = 0.7
    """A spasm (or blink) whose peak closure is below this fraction of the eye's typical complete
    blink is a partial spasm (an incomplete blink)."""
    burst_max_gap_s: float = 1.0
    """Non-tonic spasms of one side closer than this are one clonic burst (s)."""
    min_spasm_fps: float = 11.5
    """Below this frame rate a blink lasts one or two frames and the eyes cannot be compared:
    no spasm is reported and no side is named."""

    # --- affected side ---------------------------------------------------------------------------
    side_min_spasms: float = 3.0
    """A side is named only with at least this many confident spasms on it ..."""
    side_min_fraction: float = 0.8
    """... making up at least this fraction of the confident spasms ..."""
    side_min_confidence: float = 0.5
    """... where a spasm is confident when its confidence reaches this ..."""
    side_min_rate_per_min: float = 0.5
    """... and at a rate of at least this many per usable minute."""

    # --- regions ---------------------------------------------------------------------------------
    region_z_min: float = 4.0
    """A region (brow, cheek, mouth) moved during an event when its robust z-score (deviation from
    its rolling median over its own noise) reached this."""
    region_z_margin: float = 2.0
    """... and exceeded the other side's z-score by at least this much."""
    region_noise_floor_iod: float = 0.002
    """Floor of a region signal's noise (IOD), so a perfectly still signal cannot yield huge
    z-scores from rounding."""

    # --- quality ---------------------------------------------------------------------------------
    min_unusable_span_s: float = 0.5
    """Unusable stretches at least this long are listed in the quality record (s)."""

    # --- grading (see grading.py for the rules) --------------------------------------------------
    elevated_blink_rate_per_min: float = 30.0
    """Blink rate above which blinking counts as increased (resting rates are about 10-20/min)."""
    full_spasm_closure: float = 0.5
    """A spasm whose peak closure reaches this is a 'real spasm' rather than fluttering."""
    severe_closed_pct: float = 25.0
    """Jankovic severity 4 when the affected eye is closed at least this % of the usable time."""
    frequent_tonic_per_min: float = 1.0
    """SMC III when tonic spasms occur at least this often per usable minute."""
    region_spread_min_fraction: float = 0.25
    """SMC II when cheek or mouth moved in at least this fraction of the affected side's spasms."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InvalidParameterTypeError(f"{f.name} must be a number, but got {value!r}")
            if value != value or value in (float("inf"), float("-inf")):
                raise InvalidParameterError(f"{f.name} must be finite, but got {value!r}")
            if value < 0:
                raise InvalidParameterError(f"{f.name} must be >= 0, but got {value!r}")
            bounds = _BOUNDS.get(f.name)
            if bounds is not None:
                _check_bounds(f.name, float(value), bounds)
        if self.closure_rest >= self.closure_on:
            raise InvalidParameterError(
                f"closure_rest must be below closure_on, but got closure_rest={self.closure_rest!r}"
                f" and closure_on={self.closure_on!r}"
            )

    def to_dict(self) -> dict[str, float]:
        """Plain dict for result.json."""
        return {k: float(v) for k, v in asdict(self).items()}


def _check_bounds(
    name: str, value: float, bounds: tuple[float | None, float | None, bool, bool]
) -> None:
    low, high, low_inclusive, high_inclusive = bounds
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise InvalidParameterError(f"{name} must be in {left}{lo}, {hi}{right}, but got {value!r}")
