"""The words of a video report, shared by the standalone report.html and the app's report pages.

Both reports name sides, measures, grades and parameters, and explain the closure level, through
this module, so they say the same things in the same words. Plain Python only: no matplotlib, no
numpy (the web app imports it for every report page).

The words are English. The app's pages show them in the reader's language: fixed words are
marked with ``N_`` (the web catalog collects them, ``hemispasm.clinic.web.catalog``) and
translated as they are shown; sentences with numbers in them take the page's ``gettext`` and
``ngettext`` (by default they answer in English, as report.html does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Gettext = Callable[[str], str]
"""Translates a message (the web page's ``gettext``)."""
Ngettext = Callable[[str, str, int], str]
"""Translates a message with a singular and a plural (the web page's ``ngettext``)."""


def N_(message: str) -> str:
    """Mark ``message`` for the web catalog; it stays as it is here."""
    return message


def _as_is(message: str) -> str:
    return message


def _as_is_n(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


MISSING = "—"
"""Shown where there is no value."""
NBSP = "\u00a0"
"""Keeps a number and its unit on one line."""

FULLY_SHUT_CLOSURE = 0.65
"""What FaceMesh typically reads for a fully shut eye (0.6 to 0.7), used to word closure levels."""

EVENTS_OPEN_MAX = 15
"""Event tables longer than this start collapsed."""

BLINK_SIDE = N_("both eyes")
"""The side of a blink: both eyes close together."""

EVENT_KINDS: Mapping[str, str] = {"spasm": N_("spasm"), "blink": N_("blink")}
"""An event's kind in words."""


@dataclass(frozen=True)
class Wording:
    """The label of a measure, and a short note on how to read it (may be empty)."""

    label: str
    note: str = ""


METRICS: Mapping[str, Wording] = {
    "affected_side": Wording(N_("Affected side"), N_("the side with more spasms")),
    "usable_duration_s": Wording(
        N_("Video that could be measured"), N_("rates are per minute of this part of the video")
    ),
    "spasms_per_min": Wording(N_("Spasms per minute")),
    "blinks_per_min": Wording(N_("Blinks per minute")),
    "pct_time_affected_eye_half_closed": Wording(
        N_("Time the affected eye was mostly closed by spasms")
    ),
    "spasm_count": Wording(N_("Spasms in all")),
    "tonic_spasm_count": Wording(N_("Tonic (sustained) spasms")),
    "mean_spasm_duration_s": Wording(N_("Mean spasm duration")),
    "longest_spasm_s": Wording(N_("Longest spasm")),
    "longest_tonic_spasm_s": Wording(N_("Longest tonic spasm")),
    "region_involvement": Wording(
        N_("Region involvement"),
        N_("share of the affected side's spasms in which each region moved too"),
    ),
    "asymmetry_index": Wording(
        N_("Asymmetry index"), N_("0 = both eyes close alike, 1 = only one eye closes")
    ),
}
"""The measures of the ``metrics`` of a result, by their key there."""

PCT_CLOSED = METRICS["pct_time_affected_eye_half_closed"]
"""``pct_time_affected_eye_half_closed``: despite its name, the share of usable time in which a
spasm of the affected side held that eye above ``closed_closure`` (about three quarters shut)."""

GRADE_LABELS: Mapping[str, str] = {
    "jankovic_severity": N_("Jankovic severity"),
    "jankovic_frequency": N_("Jankovic frequency"),
    "jankovic_total": N_("Jankovic total"),
    "smc_grade": N_("SMC grade"),
}

PARAM_LABELS: Mapping[str, str] = {
    "merge_gap_s": N_("Closures closer than this are one event (s)"),
    "tonic_min_s": N_("Minimum duration of a tonic spasm (s)"),
    "min_video_s": N_("Shortest video analysed (s)"),
    "max_abs_yaw_deg": N_("Largest head turn kept (degrees)"),
    "max_abs_pitch_deg": N_("Largest head tilt up/down kept (degrees)"),
    "min_face_fraction": N_("Least fraction of frames with a face"),
    "max_multi_face_fraction": N_("Most fraction of frames with several faces"),
    "closed_closure": N_("Closure counted as closed"),
}
"""Plain names of the analysis parameters worth explaining; the others go by their key."""


# --- numbers -------------------------------------------------------------------------------------


def number(value: float | None, decimals: int = 1, unit: str = "", *, space: str = " ") -> str:
    """``value`` with ``decimals`` decimals and its unit after ``space``; a dash when missing."""
    if value is None or not math.isfinite(value):
        return MISSING
    text = f"{value:.{decimals}f}"
    return f"{text}{space}{unit}" if unit else text


def percent(fraction_0_1: float | None, *, space: str = " ") -> str:
    """A fraction from 0 to 1 as a whole percentage; a dash when missing."""
    return number(None if fraction_0_1 is None else 100.0 * fraction_0_1, 0, "%", space=space)


def count_of(n: int, noun: str) -> str:
    """``"1 spasm"``, ``"2 spasms"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# --- sides ---------------------------------------------------------------------------------------


def side_name(side: str | None) -> str:
    """A side of the subject's face in words: "Left", "Right", "Both sides", "Not determined"."""
    return {"left": "Left", "right": "Right", "both": "Both sides"}.get(
        side or "", "Not determined"
    )


def side_label(side: str | None) -> str:
    """A side with the emphasis a standalone report needs ("Subject's LEFT"): it has no patient
    around it to say whose left."""
    if side in ("left", "right"):
        return f"Subject's {side.upper()}"
    return side_name(side)


# --- closure -------------------------------------------------------------------------------------


def shut_percent(closure: float) -> int:
    """How far shut an eye reading ``closure`` is, in % of a fully shut eye, rounded to 5 %."""
    return 5 * round(20 * closure / FULLY_SHUT_CLOSURE)


def closed_level_note(closed_closure: float, *, gettext: Gettext = _as_is) -> str:
    """What the time "mostly closed by spasms" counts, in plain words."""
    return gettext(
        "share of usable time in which a spasm of the affected side held that eye at closure "
        "above %(level)s, i.e. the eye about %(shut)d %% shut or more (a fully shut eye reads "
        "about 0.6 to 0.7); blinks do not count"
    ) % {"level": f"{closed_closure:g}", "shut": shut_percent(closed_closure)}


def closed_level_short(closed_closure: float, *, gettext: Gettext = _as_is) -> str:
    """The closure level in a few words, for a figure's caption."""
    return gettext("during spasms, closure above %(level)s (about %(shut)d %% shut)") % {
        "level": f"{closed_closure:g}",
        "shut": shut_percent(closed_closure),
    }


# --- composite texts -----------------------------------------------------------------------------


def usable_of(
    usable_s: float | None,
    duration_s: float | None,
    *,
    space: str = " ",
    gettext: Gettext = _as_is,
) -> str:
    """``"10.0 s of 12.0 s"``: the measured part of a video and its whole length."""
    return gettext("%(usable)s of %(whole)s") % {
        "usable": number(usable_s, 1, "s", space=space),
        "whole": number(duration_s, 1, "s", space=space),
    }


REGION_NAMES: Mapping[str, str] = {
    "eye": N_("eye"),
    "brow": N_("brow"),
    "cheek": N_("cheek"),
    "mouth": N_("mouth"),
}
"""The face regions a spasm may pull, as the reports name them."""


def regions_text(
    involvement: Mapping[Any, float | None], *, space: str = " ", gettext: Gettext = _as_is
) -> str:
    """``"brow 0 %, cheek 100 %, mouth 50 %"``; a dash without regions."""
    parts = [
        f"{gettext(REGION_NAMES.get(str(name), str(name)))} {percent(frac, space=space)}"
        for name, frac in involvement.items()
    ]
    return ", ".join(parts) or MISSING


def spasms_note(spasm_count: int, *, ngettext: Ngettext = _as_is_n) -> str:
    """``"1 spasm"``, ``"2 spasms"``."""
    return ngettext("%(num)d spasm", "%(num)d spasms", spasm_count) % {"num": spasm_count}


def blinks_note(blink_count: int, *, ngettext: Ngettext = _as_is_n) -> str:
    """How many blinks, and that a blink is of both eyes."""
    return ngettext("%(num)d blink, both eyes", "%(num)d blinks, both eyes", blink_count) % {
        "num": blink_count
    }


def tonic_note(tonic_count: int, tonic_min_s: float, *, gettext: Gettext = _as_is) -> str:
    """How many spasms were tonic, and what tonic means."""
    return gettext("%(num)d tonic (sustained ≥ %(seconds)s s)") % {
        "num": tonic_count,
        "seconds": f"{tonic_min_s:g}",
    }


def mirrored_text(mirrored: bool, *, gettext: Gettext = _as_is) -> str:
    """Whether the video was a mirror image, and what was done about it."""
    return gettext("yes, turned back for the analysis") if mirrored else gettext("no")


def picture_size(width: int, height: int) -> str:
    """``"1280 × 720 px"``."""
    return f"{width} × {height} px"


def grade_row(name: str, value: int | str | None, scale: str, rule: str) -> dict[str, str]:
    """One grade estimate as a report shows it."""
    return {
        "name": GRADE_LABELS.get(name, name),
        "value": MISSING if value is None else str(value),
        "scale": scale,
        "rule": rule,
    }


def event_row(
    n: int,
    *,
    kind: str,
    side: str,
    start_s: float,
    end_s: float,
    peak_closure: float | None,
    tonic: bool,
    regions: Sequence[str],
    side_text: Callable[[str | None], str] = side_name,
    event_type: str | None = None,
    confidence: float | None = None,
    reason: str = "",
    gettext: Gettext = _as_is,
) -> dict[str, str]:
    """One spasm or blink as a line of a report's table of events (times in s, 2 decimals)."""
    return {
        "type": event_type or "",
        "confidence": MISSING if confidence is None else f"{100 * confidence:.0f} %",
        "reason": reason,
        "n": str(n),
        "kind": gettext(EVENT_KINDS.get(kind, kind)),
        "side": side_text(side) if kind == "spasm" else gettext(BLINK_SIDE),
        "side_class": side if kind == "spasm" else "blink",
        "start": number(start_s, 2),
        "end": number(end_s, 2),
        "duration": number(end_s - start_s, 2),
        "peak_closure": number(peak_closure, 2),
        "tonic": gettext("yes") if tonic else "",
        "regions": ", ".join(gettext(REGION_NAMES.get(r, r)) for r in regions),
    }
