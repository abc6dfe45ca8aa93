"""One injection cycle: onset, peak and wear-off of the effect, and the trend over cycles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hemispasm.errors import ClinicalDataError


@dataclass(frozen=True)
class CycleCourse:
    """One cycle: the injection and, when reported, when the effect began, peaked and ended."""

    injected_on: date
    effect_began_on: date | None = None
    effect_peak_on: date | None = None
    wore_off_on: date | None = None

    def __post_init__(self) -> None:
        previous, previous_name = self.injected_on, "injected_on"
        for name in ("effect_began_on", "effect_peak_on", "wore_off_on"):
            value = getattr(self, name)
            if value is None:
                continue
            if value < previous:
                raise ClinicalDataError(
                    name, f"{value.isoformat()} is before {previous_name} {previous.isoformat()}"
                )
            previous, previous_name = value, name

    @property
    def effect_days(self) -> int | None:
        """Days from the effect's onset (or the injection when onset is unknown) to wear-off."""
        if self.wore_off_on is None:
            return None
        start = self.effect_began_on or self.injected_on
        return (self.wore_off_on - start).days


def effect_trend_days_per_cycle(cycles: Sequence[CycleCourse], *, last: int = 6) -> float | None:
    """Least-squares slope of effect duration over the last ``last`` complete cycles.

    Negative means each dose lasts fewer days than the one before; None with fewer than three
    complete cycles (too few to speak of a trend).

    Examples
    --------
    >>> from datetime import date, timedelta
    >>> d = date(2024, 1, 1)
    >>> cs = [CycleCourse(d + timedelta(weeks=13 * k), wore_off_on=d + timedelta(weeks=13 * k,
    ...       days=90 - 5 * k)) for k in range(4)]
    >>> effect_trend_days_per_cycle(cs)
    -5.0
    """
    if last < 2:
        raise ClinicalDataError("last", f"must be at least 2, but got {last}")
    complete = sorted((c for c in cycles if c.effect_days is not None), key=lambda c: c.injected_on)
    days = [c.effect_days for c in complete[-last:]]
    if len(days) < 3:
        return None
    n = len(days)
    mean_x = (n - 1) / 2
    mean_y = sum(d for d in days if d is not None) / n
    num = sum((i - mean_x) * ((d or 0) - mean_y) for i, d in enumerate(days))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return round(num / den, 3)
