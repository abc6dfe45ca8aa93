"""Scoring detected events against ground truth (synthetic videos, annotated recordings).

The matching rule is fixed before any comparison so that figures are comparable: events are
matched one-to-one within each kind, pairs with the largest time overlap first, after widening every
interval by ``widen_s`` on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hemispasm.analysis.types import Event, EventKind


@dataclass(frozen=True)
class KindScore:
    """Matching figures for one event kind."""

    kind: EventKind
    matches: tuple[tuple[Event, Event], ...]
    """(predicted, true) pairs."""
    false_positives: tuple[Event, ...]
    false_negatives: tuple[Event, ...]

    @property
    def precision(self) -> float:
        """Matched predictions over all predictions (1.0 when nothing was predicted or expected)."""
        n = len(self.matches) + len(self.false_positives)
        return len(self.matches) / n if n else 1.0

    @property
    def recall(self) -> float:
        """Matched truths over all truths (1.0 when there was nothing to find)."""
        n = len(self.matches) + len(self.false_negatives)
        return len(self.matches) / n if n else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, from the counts (1.0 when both sets are empty)."""
        tp = len(self.matches)
        denominator = 2 * tp + len(self.false_positives) + len(self.false_negatives)
        return 2 * tp / denominator if denominator else 1.0

    @property
    def side_errors(self) -> tuple[tuple[Event, Event], ...]:
        """Matched pairs whose sides differ."""
        return tuple((p, t) for p, t in self.matches if p.side != t.side)


def outside_spans(
    events: Sequence[Event], spans: Sequence[tuple[float, float]]
) -> tuple[Event, ...]:
    """The events that do not overlap any of ``spans`` (start_s, end_s): stretches not scored.

    Examples
    --------
    >>> a = Event("blink", "both", 1.0, 1.2, 1.1, 0.6, False, ("eye",))
    >>> b = Event("blink", "both", 4.0, 4.2, 4.1, 0.6, False, ("eye",))
    >>> [e.start_s for e in outside_spans([a, b], [(3.9, 5.0)])]
    [1.0]
    """
    return tuple(
        e for e in events if not any(e.end_s >= lo and e.start_s <= hi for lo, hi in spans)
    )


def match_events(
    predicted: Sequence[Event], truth: Sequence[Event], *, kind: EventKind, widen_s: float = 0.1
) -> KindScore:
    """Match predicted to true events of one kind, largest overlap first.

    Parameters
    ----------
    predicted, truth : sequence of Event
        Events of any kinds; only those of ``kind`` take part.
    kind : {"spasm", "blink"}
        The kind to score.
    widen_s : float, optional
        Seconds added to both ends of every interval before overlaps are measured.

    Returns
    -------
    KindScore

    Examples
    --------
    >>> a = Event("spasm", "left", 1.0, 1.2, 1.1, 0.8, False, ("eye",))
    >>> b = Event("spasm", "left", 1.25, 1.4, 1.3, 0.9, False, ("eye",))
    >>> match_events([a], [b], kind="spasm").f1
    1.0
    """
    if widen_s < 0:
        raise ValueError(f"widen_s must be >= 0, but got {widen_s!r}")
    if kind not in ("spasm", "blink"):
        raise ValueError(f"kind must be 'spasm' or 'blink', but got {kind!r}")
    pred = [e for e in predicted if e.kind == kind]
    true = [e for e in truth if e.kind == kind]
    pairs: list[tuple[float, int, int]] = []
    for i, p in enumerate(pred):
        for j, t in enumerate(true):
            overlap = min(p.end_s, t.end_s) - max(p.start_s, t.start_s) + 2 * widen_s
            if overlap > 0:
                pairs.append((overlap, i, j))
    pairs.sort(key=lambda item: (-item[0], item[1], item[2]))
    used_pred: set[int] = set()
    used_true: set[int] = set()
    matches: list[tuple[Event, Event]] = []
    for _, i, j in pairs:
        if i in used_pred or j in used_true:
            continue
        used_pred.add(i)
        used_true.add(j)
        matches.append((pred[i], true[j]))
    matches.sort(key=lambda m: m[1].start_s)
    return KindScore(
        kind=kind,
        matches=tuple(matches),
        false_positives=tuple(p for i, p in enumerate(pred) if i not in used_pred),
        false_negatives=tuple(t for j, t in enumerate(true) if j not in used_true),
    )
