import pytest

from hemispasm.analysis.evaluation import match_events
from hemispasm.analysis.types import Event


def ev(start: float, end: float, kind: str = "spasm", side: str = "left") -> Event:
    return Event(kind, side, start, end, (start + end) / 2, 0.8, False, ("eye",))  # type: ignore[arg-type]


def test_it_matches_events_that_touch_only_after_widening() -> None:
    score = match_events([ev(1.0, 1.2)], [ev(1.35, 1.5)], kind="spasm", widen_s=0.1)
    assert score.f1 == 1.0
    assert match_events([ev(1.0, 1.2)], [ev(1.45, 1.5)], kind="spasm").f1 == 0.0


def test_it_matches_one_to_one_with_the_largest_overlap_first() -> None:
    merged = ev(1.0, 3.0)
    truths = [ev(1.0, 1.3), ev(1.5, 2.9)]
    score = match_events([merged], truths, kind="spasm")
    assert [t for _, t in score.matches] == [truths[1]]
    assert score.false_negatives == (truths[0],)
    assert score.precision == 1.0 and score.recall == 0.5
    assert score.f1 == pytest.approx(2 / 3)


def test_it_scores_only_the_requested_kind() -> None:
    score = match_events([ev(1, 2, "blink", "both")], [ev(1, 2)], kind="spasm")
    assert score.false_negatives and not score.false_positives
    assert match_events([], [], kind="blink").f1 == 1.0


def test_it_reports_side_errors() -> None:
    score = match_events([ev(1, 2, side="right")], [ev(1, 2, side="left")], kind="spasm")
    assert len(score.side_errors) == 1


def test_it_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="widen_s must be >= 0"):
        match_events([], [], kind="spasm", widen_s=-1)
    with pytest.raises(ValueError, match="kind must be"):
        match_events([], [], kind="wink")  # type: ignore[arg-type]
