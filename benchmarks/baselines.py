"""Two simple blink-or-spasm rules to measure hemispasm against, on the same landmarks.

Both take each eye's closure (0 open as at rest, 1 shut) as hemispasm computes it, so that only
the decision differs:

* ``threshold_rule``: the kind of script one writes in an afternoon. Each eye is "closed" while
  its closure is at or above 0.3; closed stretches of the two eyes that overlap in time are a
  blink, a closed stretch of one eye alone is a spasm of that eye.
* ``peak_pairing_rule``: the method open-source blink tools such as JeFaPaTo describe: per eye,
  peaks of closure found with ``scipy.signal.find_peaks`` (prominence at least 0.2), the two eyes'
  peaks paired when their apexes are within 0.1 s; a paired peak is a blink, an unpaired one a
  spasm of its eye. (Written here from that description; no code of those tools is used.)

Used by ``benchmarks/accuracy.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, peak_widths

from hemispasm.analysis.signals import median_frame_interval, runs
from hemispasm.analysis.types import SIDES, Event, Side, SidePair

THRESHOLD = 0.3
PROMINENCE = 0.2
APEX_PAIRING_S = 0.1


def _event(kind: str, side: str, t: np.ndarray, a: int, b: int, c: np.ndarray) -> Event:
    a, b = max(0, a), min(t.size, max(b, a + 1))
    i = a + int(np.nanargmax(c[a:b]))
    return Event(
        kind=kind,  # type: ignore[arg-type]
        side=side,  # type: ignore[arg-type]
        start_s=float(t[a]),
        end_s=float(t[b - 1]),
        peak_s=float(t[i]),
        peak_closure=float(c[i]),
        tonic=False,
        regions=("eye",),
    )


def threshold_rule(t: np.ndarray, closure: SidePair) -> tuple[Event, ...]:
    """Events by the 0.3 threshold rule (see the module docstring)."""
    stretches: dict[Side, list[tuple[int, int]]] = {}
    for side in SIDES:
        c = np.nan_to_num(np.asarray(closure.side(side), dtype=np.float64), nan=0.0)
        stretches[side] = runs(c >= THRESHOLD)
    out: list[Event] = []
    used_right: set[int] = set()
    c_left = np.nan_to_num(closure.left, nan=0.0)
    c_right = np.nan_to_num(closure.right, nan=0.0)
    for a, b in stretches["left"]:
        partners = [k for k, (c, d) in enumerate(stretches["right"]) if c < b and a < d]
        if partners:
            used_right.update(partners)
            lo = min(a, *(stretches["right"][k][0] for k in partners))
            hi = max(b, *(stretches["right"][k][1] for k in partners))
            out.append(_event("blink", "both", t, lo, hi, np.maximum(c_left, c_right)))
        else:
            out.append(_event("spasm", "left", t, a, b, c_left))
    for k, (a, b) in enumerate(stretches["right"]):
        if k not in used_right:
            out.append(_event("spasm", "right", t, a, b, c_right))
    return tuple(sorted(out, key=lambda e: e.start_s))


def peak_pairing_rule(t: np.ndarray, closure: SidePair) -> tuple[Event, ...]:
    """Events by per-eye peaks paired by apex time (see the module docstring)."""
    dt = median_frame_interval(t)
    peaks: dict[Side, list[tuple[int, int, int]]] = {}
    for side in SIDES:
        c = np.nan_to_num(np.asarray(closure.side(side), dtype=np.float64), nan=0.0)
        idx, _ = find_peaks(c, prominence=PROMINENCE)
        if idx.size:
            _, _, left_ips, right_ips = peak_widths(c, idx, rel_height=0.9)
        else:
            left_ips = right_ips = np.array([])
        peaks[side] = [
            (int(i), int(np.floor(a)), int(np.ceil(b)) + 1)
            for i, a, b in zip(idx, left_ips, right_ips, strict=True)
        ]
    out: list[Event] = []
    c = {s: np.nan_to_num(closure.side(s), nan=0.0) for s in SIDES}
    taken: set[int] = set()
    for i, a, b in peaks["left"]:
        near = [
            k
            for k, (j, _, _) in enumerate(peaks["right"])
            if k not in taken and abs(t[j] - t[i]) <= max(APEX_PAIRING_S, 1.5 * dt)
        ]
        if near:
            k = min(near, key=lambda k: abs(t[peaks["right"][k][0]] - t[i]))
            taken.add(k)
            _, c2, d2 = peaks["right"][k]
            out.append(
                _event(
                    "blink", "both", t, min(a, c2), max(b, d2), np.maximum(c["left"], c["right"])
                )
            )
        else:
            out.append(_event("spasm", "left", t, a, b, c["left"]))
    for k, (_, a, b) in enumerate(peaks["right"]):
        if k not in taken:
            out.append(_event("spasm", "right", t, a, b, c["right"]))
    return tuple(sorted(out, key=lambda e: e.start_s))


BASELINES = {"0.3 threshold": threshold_rule, "peaks paired by apex": peak_pairing_rule}
