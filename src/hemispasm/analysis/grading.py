"""Metrics to video-based estimates of the Jankovic Rating Scale and the SMC grade.

The clinical scales are rated by a clinician from the history and the examination; a short video
sees only part of what they describe (no history of "waking time", no external stimuli, no
functional impact). Each estimate below therefore carries the plain-words rule that produced it,
and :data:`CAVEAT` is shown with them. Every rule is monotone: more spasms, longer spasms, more
closure or more regions never lower a grade.

References
----------
Jankovic J, Orman J. Botulinum A toxin for cranial-axial dystonia: a double-blind,
placebo-controlled study. Neurology 1987 (Jankovic Rating Scale: severity 0-4, frequency 0-4).
Samsung Medical Center (SMC) grading of hemifacial spasm: I periocular only; II spread to other
muscles of the same side; III frequent tonic spasms that interfere with vision; IV disfiguring
asymmetry.
"""

from __future__ import annotations

from hemispasm.analysis.checks import check_params, check_type
from hemispasm.analysis.params import AnalysisParams
from hemispasm.analysis.types import GradeEstimate, Grades, Metrics

CAVEAT = (
    "These grades are estimates computed from a short video by fixed rules. They support, and do "
    "not replace, a clinician's rating: the scales ask about waking time, triggers and daily "
    "impact that a video clip cannot show, and the face model under-reads eyelid closure."
)

JANKOVIC = "Jankovic Rating Scale"
SMC = "SMC grade"


def estimate_grades(metrics: Metrics, params: AnalysisParams | None = None) -> Grades:
    """Jankovic severity, frequency and total, and SMC grade, each with its rule in words.

    Parameters
    ----------
    metrics : Metrics
        Output of ``compute_metrics``.
    params : AnalysisParams, optional
        The grading thresholds (``elevated_blink_rate_per_min``, ``tonic_min_s``, ``merge_gap_s``,
        ``full_spasm_closure``, ``severe_closed_pct``, ``frequent_tonic_per_min``,
        ``region_spread_min_fraction``); defaults to ``AnalysisParams()``.

    Returns
    -------
    Grades
        Integer Jankovic subscores 0-4 and total 0-8; SMC grade "I", "II" or "III", or None when
        no spasm was seen. SMC IV is never estimated (see the rule text).

    Raises
    ------
    TypeError
        If ``metrics`` is not a Metrics or ``params`` not an AnalysisParams.
    """
    check_type("metrics", metrics, Metrics)
    params = check_params(params)
    severity = jankovic_severity(metrics, params)
    frequency = jankovic_frequency(metrics, params)
    total = GradeEstimate(
        name="jankovic_total",
        value=int(severity.value or 0) + int(frequency.value or 0),
        scale=f"{JANKOVIC}, total 0-8",
        rule="Severity estimate plus frequency estimate.",
    )
    return Grades(
        jankovic_severity=severity,
        jankovic_frequency=frequency,
        jankovic_total=total,
        smc_grade=smc_grade(metrics, params),
        caveat=CAVEAT,
    )


def jankovic_frequency(metrics: Metrics, params: AnalysisParams) -> GradeEstimate:
    """Jankovic frequency subscore (0-4) estimated from the video; see the rule text."""
    p = params
    rule = (
        f"4 if spasms were seen and the affected eye was closed (closure above "
        f"{p.closed_closure:g}) for at least 50% of the usable time; otherwise 3 if any spasm "
        f"was tonic (its eye stayed more than half closed, against its own closing, for at least "
        f"{p.tonic_min_s:g} s, dips shorter than {p.merge_gap_s:g} s bridged); otherwise 2 if "
        f"there were spasms, none tonic (fluttering); otherwise 1 if there were no spasms but "
        f"more than {p.elevated_blink_rate_per_min:g} blinks per minute; otherwise 0. The video's "
        "share of time closed stands in for the scale's share of waking time."
    )
    if metrics.spasm_count > 0 and metrics.pct_time_affected_eye_half_closed >= 50.0:
        value = 4
    elif metrics.spasm_count > 0 and metrics.tonic_spasm_count > 0:
        value = 3
    elif metrics.spasm_count > 0:
        value = 2
    elif metrics.blinks_per_min > p.elevated_blink_rate_per_min:
        value = 1
    else:
        value = 0
    return GradeEstimate("jankovic_frequency", value, f"{JANKOVIC}, frequency 0-4", rule)


def jankovic_severity(metrics: Metrics, params: AnalysisParams) -> GradeEstimate:
    """Jankovic severity subscore (0-4) estimated from the video; see the rule text."""
    p = params
    rule = (
        f"4 if spasms were seen and the affected eye was closed (closure above "
        f"{p.closed_closure:g}) for at least {p.severe_closed_pct:g}% of the usable time "
        f"(taken as incapacitating); otherwise 3 if any spasm closed the eye to at least "
        f"{p.full_spasm_closure:g} or was tonic (a real, very noticeable spasm); otherwise 2 if "
        f"there were only partial spasms (fluttering); otherwise 1 if there were no spasms but "
        f"more than {p.elevated_blink_rate_per_min:g} blinks per minute; otherwise 0. A video "
        "cannot tell whether blinking comes only with external stimuli or how disabling the "
        "spasms are in daily life."
    )
    peak = metrics.max_spasm_peak_closure or 0.0
    if metrics.spasm_count > 0 and metrics.pct_time_affected_eye_half_closed >= p.severe_closed_pct:
        value = 4
    elif metrics.spasm_count > 0 and (peak >= p.full_spasm_closure or metrics.tonic_spasm_count):
        value = 3
    elif metrics.spasm_count > 0:
        value = 2
    elif metrics.blinks_per_min > p.elevated_blink_rate_per_min:
        value = 1
    else:
        value = 0
    return GradeEstimate("jankovic_severity", value, f"{JANKOVIC}, severity 0-4", rule)


def smc_grade(metrics: Metrics, params: AnalysisParams) -> GradeEstimate:
    """SMC grade ("I"-"III", or None without spasms) estimated from the video; see the rule."""
    p = params
    rule = (
        f"No grade if no spasm was seen. III if tonic spasms (closure sustained at least "
        f"{p.tonic_min_s:g} s) occurred at a rate of at least {p.frequent_tonic_per_min:g} per "
        f"usable minute (frequent tonic spasms that interfere with vision); otherwise II if the "
        f"same-side cheek or mouth corner moved with at least {p.region_spread_min_fraction:.0%} "
        f"of the affected side's spasms (spread beyond the eye); otherwise I (around the eye "
        "only). IV (disfiguring asymmetry) is never estimated: it describes the face at rest, "
        "between spasms, and a resting asymmetry in a video also comes from camera angle, "
        "lighting, the face's natural asymmetry, or weakness and ptosis after toxin; judging it "
        "needs a clinician."
    )
    involvement = metrics.region_involvement
    spread = max(involvement.get("cheek", 0.0), involvement.get("mouth", 0.0))
    value: str | None
    if metrics.spasm_count == 0:
        value = None
    elif metrics.tonic_spasms_per_min >= p.frequent_tonic_per_min:
        value = "III"
    elif spread >= p.region_spread_min_fraction:
        value = "II"
    else:
        value = "I"
    return GradeEstimate("smc_grade", value, f"{SMC}, I-IV", rule)
