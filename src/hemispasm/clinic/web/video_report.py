"""The view of stored video analyses: one report, two side by side, one line of the list.

Pure: a stored ``hemispasm.analysis/1`` result (typed, ``report.contract``) and a few facts of
its record in, text for the templates out; no database, no request. The words come from
``report.labels``, so the app's report pages and the standalone report.html name and explain
things alike, here in the reader's language (``gettext``); the events on a time line are
``video_timeline``'s."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from hemispasm.clinic.domain.vocab import AnalysisSource
from hemispasm.clinic.web.i18n import N_, format_day, gettext, ngettext
from hemispasm.clinic.web.video_timeline import SIDES, timeline
from hemispasm.report.contract import AnalysisResult, Source
from hemispasm.report.labels import (
    EVENTS_OPEN_MAX,
    GRADE_LABELS,
    METRICS,
    MISSING,
    NBSP,
    PARAM_LABELS,
    PCT_CLOSED,
    blinks_note,
    closed_level_note,
    closed_level_short,
    event_row,
    grade_row,
    mirrored_text,
    number,
    percent,
    picture_size,
    regions_text,
    side_name,
    spasms_note,
    tonic_note,
    usable_of,
)
from hemispasm.report.result_json import result_params

if TYPE_CHECKING:
    from hemispasm.clinic.db.models import VideoAnalysis

Result = AnalysisResult
ROMAN = ("I", "II", "III", "IV")


def fmt(value: float | None, decimals: int = 1, unit: str = "") -> str:
    """A number for a page, its unit on the same line; a dash when there is none."""
    return number(value, decimals, unit, space=NBSP)


def per_min(count: int, usable_s: float) -> float | None:
    """Events per minute of usable video (None without usable video)."""
    return count * 60.0 / usable_s if usable_s > 0 else None


def closed_level(result: Result) -> float:
    """The closure counted as "mostly closed" in this result."""
    return result_params(result).closed_closure


# --- the injection cycle a video belongs to ------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """Where a recording falls among the injections.

    A video recorded on the day of an injection is taken to be recorded before it (clinics film
    the spasms they are about to treat), so it belongs to the cycle of the injection before.
    """

    last_injection_on: date | None
    """The last injection before the day of the recording."""
    days_since: int | None
    injected_that_day: bool
    """Whether there was an injection on the day of the recording (counted as after it)."""


def cycle_of(recorded_on: date, session_dates: Sequence[date]) -> Cycle:
    """The last injection before ``recorded_on``, the days since it, and whether the patient was
    injected that same day."""
    before = [d for d in session_dates if d < recorded_on]
    last = max(before, default=None)
    return Cycle(
        last_injection_on=last,
        days_since=(recorded_on - last).days if last else None,
        injected_that_day=recorded_on in session_dates,
    )


SAME_DAY = N_("recorded on the day of an injection, before it")


def cycle_texts(cycle: Cycle) -> dict[str, str]:
    """How the pages word a recording's place among the injections: a sentence, the days since
    the last injection with a note on it, and a note for a recording on an injection day."""
    last = cycle.last_injection_on
    days = cycle.days_since
    since = (
        ngettext(
            "%(num)d day after the injection of %(date)s",
            "%(num)d days after the injection of %(date)s",
            days or 0,
        )
        % {"num": days or 0, "date": format_day(last)}
        if last is not None
        else ""
    )
    same_day = gettext(SAME_DAY)
    if cycle.injected_that_day:
        sentence = f"{same_day[:1].upper()}{same_day[1:]}; " + (
            since or gettext("no earlier injection recorded")
        )
    else:
        sentence = (
            since[:1].upper() + since[1:]
            if since
            else gettext("No injection recorded before this video")
        )
    injected = gettext("injected %(date)s") % {"date": format_day(last)}
    return {
        "sentence": sentence,
        "days": MISSING if days is None else str(days),
        "since_note": injected if last else gettext("none recorded before"),
        "same_day_note": same_day if cycle.injected_that_day else "",
    }


def injections_between(earlier: date, later: date, session_dates: Sequence[date]) -> list[date]:
    """The injections after the earlier recording and before the later one (an injection on the
    day of a recording comes after it)."""
    return sorted(d for d in session_dates if earlier <= d < later)


# --- what a stored result says -------------------------------------------------------------------


def side_measures(result: Result, side: str) -> dict[str, float | int | None]:
    """Spasms of one side's eye and mouth corner, counted from the result's events."""
    usable_s = result.metrics.usable_duration_s
    spasms = [e for e in result.events if e.kind == "spasm" and e.side == side]
    mouth = [e for e in spasms if "mouth" in e.regions]
    return {
        "eye_spasms": len(spasms),
        "eye_per_min": per_min(len(spasms), usable_s),
        "mouth_spasms": len(mouth),
        "mouth_per_min": per_min(len(mouth), usable_s),
        "tonic": sum(1 for e in spasms if e.tonic),
        "longest_s": max((e.end_s - e.start_s for e in spasms), default=None),
    }


SIDE_ROWS = (
    (N_("Eye: spasms per minute"), "eye_per_min", 1, ""),
    (N_("Eye: spasms"), "eye_spasms", -1, ""),
    (N_("Mouth corner: spasms per minute"), "mouth_per_min", 1, ""),
    (N_("Mouth corner: spasms"), "mouth_spasms", -1, ""),
    (METRICS["tonic_spasm_count"].label, "tonic", -1, ""),
    (METRICS["longest_spasm_s"].label, "longest_s", 2, "s"),
)
"""The table of the two sides: label, key of ``side_measures``, decimals (-1: a count), unit."""


@dataclass(frozen=True)
class Measure:
    """One figure of an analysis, as shown side by side with another."""

    label: str
    value: Callable[[Result], float | int | str | None]
    decimals: int = 1
    unit: str = ""
    relative: bool = False
    """Whether the change is also given in % of the earlier value (for rates)."""

    def text(self, result: Result) -> str:
        """The figure of ``result`` as text."""
        value = self.value(result)
        return value if isinstance(value, str) else fmt(value, self.decimals, self.unit)

    def change(self, before: Result, after: Result) -> str:
        """From ``before`` to ``after``: the difference, and for rates the relative change."""
        a, b = self.value(before), self.value(after)
        if a is None or b is None:
            return MISSING
        if isinstance(a, str) or isinstance(b, str):
            if a == b:
                return gettext("no change")
            return gettext("%(before)s to %(after)s") % {"before": a, "after": b}
        diff = b - a
        unit = gettext("percentage points") if self.unit == "%" else self.unit
        text = f"{diff:+.{self.decimals}f}{NBSP + unit if unit else ''}"
        if self.relative and a > 0:
            text += f" ({100.0 * diff / a:+.0f}{NBSP}%)"
        return text


def _metric(key: str) -> Callable[[Result], Any]:
    return lambda r: getattr(r.metrics, key)


def _side(side: str, key: str) -> Callable[[Result], Any]:
    return lambda r: side_measures(r, side)[key]


def _jankovic_total(r: Result) -> int | str | None:
    return r.grades.jankovic_total.value


def _smc_grade(r: Result) -> int | str | None:
    return r.grades.smc_grade.value


def _tonic_per_min(r: Result) -> float | None:
    return per_min(r.metrics.tonic_spasm_count, r.metrics.usable_duration_s)


MEASURES: tuple[Measure, ...] = (
    Measure(METRICS["spasms_per_min"].label, _metric("spasms_per_min"), relative=True),
    Measure(N_("Blinks per minute (both eyes)"), _metric("blinks_per_min"), relative=True),
    Measure(PCT_CLOSED.label, _metric("pct_time_affected_eye_half_closed"), unit="%"),
    Measure(N_("Left eye: spasms per minute"), _side("left", "eye_per_min"), relative=True),
    Measure(N_("Right eye: spasms per minute"), _side("right", "eye_per_min"), relative=True),
    Measure(
        N_("Left mouth corner: spasms per minute"), _side("left", "mouth_per_min"), relative=True
    ),
    Measure(
        N_("Right mouth corner: spasms per minute"), _side("right", "mouth_per_min"), relative=True
    ),
    Measure(N_("Tonic (sustained) spasms per minute"), _tonic_per_min, relative=True),
    Measure(METRICS["longest_spasm_s"].label, _metric("longest_spasm_s"), 2, "s"),
    Measure(N_("Jankovic total, estimate (0-8)"), _jankovic_total, 0),
    Measure(N_("SMC grade, estimate (I-IV)"), _smc_grade, 0),
    Measure(METRICS["usable_duration_s"].label, _metric("usable_duration_s"), 0, "s"),
)


# --- one analysis as the report page shows it ---------------------------------------------------

AFFECTED_SIDE = METRICS["affected_side"]


def _sides_table(result: Result) -> dict[str, Any]:
    by_side = [side_measures(result, side) for side in SIDES]
    return {
        "head": [{"side": side_name(s), "affected": result.affected_side == s} for s in SIDES],
        "rows": [
            (
                label,
                [fmt(m[key], decimals, unit) if decimals >= 0 else str(m[key]) for m in by_side],
            )
            for label, key, decimals, unit in SIDE_ROWS
        ],
    }


def _more_rows(result: Result) -> list[tuple[str, str, str]]:
    """The other measures: label, value and a note, in the standalone report's words."""
    metrics = result.metrics
    tonic_min_s = result_params(result).tonic_min_s
    rows = [
        ("spasm_count", str(metrics.spasm_count), None),
        ("mean_spasm_duration_s", fmt(metrics.mean_spasm_duration_s, 2, "s"), None),
        ("longest_spasm_s", fmt(metrics.longest_spasm_s, 2, "s"), None),
        (
            "longest_tonic_spasm_s",
            fmt(metrics.longest_tonic_spasm_s, 2, "s"),
            tonic_note(metrics.tonic_spasm_count, tonic_min_s, gettext=gettext),
        ),
        (
            "region_involvement",
            regions_text(metrics.region_involvement, space=NBSP, gettext=gettext),
            None,
        ),
        ("asymmetry_index", fmt(metrics.asymmetry_index, 2), None),
        (
            "usable_duration_s",
            usable_of(
                metrics.usable_duration_s, result.source.duration_s, space=NBSP, gettext=gettext
            ),
            None,
        ),
    ]
    return [
        (
            gettext(METRICS[key].label),
            value,
            (gettext(METRICS[key].note) if METRICS[key].note else "") if note is None else note,
        )
        for key, value, note in rows
    ]


def _source_rows(source: Source) -> list[tuple[str, str]]:
    return [
        (N_("File"), source.file or MISSING),
        (N_("Duration"), fmt(source.duration_s, 1, "s")),
        (N_("Frames"), str(source.frames)),
        (N_("Frame rate"), fmt(source.fps_nominal, 2, "fps")),
        (N_("Resolution"), picture_size(source.width, source.height)),
        (N_("Mirrored (selfie) video"), mirrored_text(source.mirrored, gettext=gettext)),
        (N_("Container / codec"), f"{source.container or '?'} / {source.codec or '?'}"),
        ("SHA-256", source.sha256),
    ]


def report_view(
    result: Result,
    *,
    analysis_id: int,
    url: str,
    recorded_on: date,
    notes: str | None,
    session_dates: Sequence[date],
) -> dict[str, Any]:
    """Everything the report page shows of one stored analysis, as text."""
    metrics = result.metrics
    closed = closed_level(result)
    cycle = cycle_of(recorded_on, session_dates)
    events = [
        event_row(
            i,
            kind=e.kind,
            side=e.side,
            start_s=e.start_s,
            end_s=e.end_s,
            peak_closure=e.peak_closure,
            tonic=e.tonic,
            regions=e.regions,
            side_text=_side_words,
            gettext=gettext,
        )
        for i, e in enumerate(result.events, start=1)
    ]
    grades = [
        {**grade_row(name, g.value, g.scale, g.rule), "name": gettext(GRADE_LABELS.get(name, name))}
        for name, g in result.grades.estimates()
    ]
    return {
        "id": analysis_id,
        "url": url,
        "recorded_on": recorded_on,
        "notes": notes or "",
        "injection": cycle_texts(cycle),
        "affected_side": side_name(result.affected_side),
        "affected_side_note": gettext(AFFECTED_SIDE.note),
        "affected_side_reason": result.affected_side_reason,
        "spasms_per_min": fmt(metrics.spasms_per_min),
        "spasms_note": spasms_note(metrics.spasm_count, ngettext=ngettext),
        "blinks_per_min": fmt(metrics.blinks_per_min),
        "blinks_note": blinks_note(metrics.blink_count, ngettext=ngettext),
        "pct_closed": fmt(metrics.pct_time_affected_eye_half_closed, 1, "%"),
        "pct_closed_label": gettext(PCT_CLOSED.label),
        "closed_short": closed_level_short(closed, gettext=gettext),
        "closed_note": closed_level_note(closed, gettext=gettext),
        "sides": _sides_table(result),
        "more": _more_rows(result),
        "grades": grades,
        "caveat": result.grades.caveat or result.caveat,
        "events": events,
        "events_open": len(events) <= EVENTS_OPEN_MAX,
        "timeline": timeline(result),
        "quality": result.quality,
        "face_found_pct": percent(result.quality.face_found_fraction),
        "source": _source_rows(result.source),
        "software": result.software.model_dump(),
        "params": [
            (gettext(PARAM_LABELS[key]), f"{key} = {_param_text(value)}")
            if key in PARAM_LABELS
            else (key, _param_text(value))
            for key, value in result.params.items()
        ],
    }


def _side_words(side: str | None) -> str:
    """A side in the reader's language."""
    return gettext(side_name(side))


def _param_text(value: Any) -> str:
    """A parameter's value as report.html writes it (``%g`` for numbers)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{value:g}" if numeric else str(value)


# --- two analyses side by side, and one line of the list ---------------------------------------


def compare_view(
    first: Result,
    second: Result,
    *,
    first_on: date,
    second_on: date,
    session_dates: Sequence[date],
) -> dict[str, Any]:
    """The change from the ``first`` (earlier) analysis to the ``second``: each measure, the
    days between and the injections given in between."""
    return {
        "days_between": (second_on - first_on).days,
        "injections_between": injections_between(first_on, second_on, session_dates),
        "measures": [
            {
                "label": m.label,
                "first": m.text(first),
                "second": m.text(second),
                "change": m.change(first, second),
            }
            for m in MEASURES
        ],
    }


def summary_row(analysis: VideoAnalysis, url: str) -> dict[str, Any]:
    """One analysis in the list, from its metric columns alone (its result is not read)."""
    smc = analysis.smc_grade_estimate
    return {
        "id": analysis.id,
        "url": url,
        "recorded_on": analysis.recorded_on,
        "spasms_per_min": fmt(analysis.spasms_per_min),
        "blinks_per_min": fmt(analysis.blinks_per_min),
        "pct_closed": fmt(analysis.pct_time_affected_eye_half_closed, 0, "%"),
        "side": side_name(analysis.affected_side),
        "jankovic": MISSING
        if analysis.jankovic_total_estimate is None
        else analysis.jankovic_total_estimate,
        "smc": MISSING if smc is None else ROMAN[smc - 1],
        "corrected": analysis.corrected_at is not None,
        "imported": analysis.source is AnalysisSource.IMPORTED,
    }
