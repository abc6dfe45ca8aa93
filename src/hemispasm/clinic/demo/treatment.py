"""The treatment part of a demo patient's plan: sessions and their doses, the course of each
cycle, side effects, clinic assessments and self-ratings. Pure: a seeded ``random.Random`` in,
frozen records out."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hemispasm.clinic.demo.records import (
    AdversePlan,
    AssessmentPlan,
    RatingPlan,
    SessionPlan,
    SitePlan,
    SurgeryPlan,
)
from hemispasm.clinic.domain.vocab import (
    AdverseEffect,
    AffectedSide,
    InjectionSide,
    Muscle,
    Product,
    Severity,
)

EFFECT_BEGINS_DAYS = (3, 7)
PEAK_AFTER_ONSET_DAYS = (7, 21)
EFFECT_LASTS_DAYS = (60, 100)
"""The usual course of a cycle after the injection: onset, peak, wearing off."""
UPPER_STEPS = (1.25, 2.5, 3.75, 5.0)
LOWER_STEPS = (1.0, 1.25, 2.0, 2.5)
"""Units per site of onabotulinumtoxinA and incobotulinumtoxinA; lower-face doses stay small."""
UNIT_FACTOR = {Product.ABOBOTULINUMTOXIN_A: 3.0}
"""abobotulinumtoxinA units are about three times weaker."""
DILUTIONS = {
    Product.ONABOTULINUMTOXIN_A: (2.5, 5.0),
    Product.INCOBOTULINUMTOXIN_A: (2.5, 5.0),
    Product.ABOBOTULINUMTOXIN_A: (10.0, 20.0),
}
"""Units per 0.1 mL: 100 U in 4 or 2 mL; 500 U in 5 or 2.5 mL."""
ADVERSE_PER_SESSION = 0.07
RATED_CYCLES = 8
"""Self-ratings are kept for the last cycles only."""

UsualSite = tuple[Muscle, InjectionSide, tuple[float, ...], int]
"""A site of a patient's usual plan: muscle, side, the unit steps it may take, its current step."""


def days(n: int) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)


def _site_plan(rng: random.Random, side: AffectedSide) -> list[UsualSite]:
    """The patient's usual sites, with their starting steps."""
    sides = (
        (InjectionSide.LEFT, InjectionSide.RIGHT)
        if side is AffectedSide.BILATERAL
        else (InjectionSide(side.value),)
    )
    out: list[UsualSite] = []
    for s in sides:
        out.append((Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER, s, UPPER_STEPS, 1))
        out.append((Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER, s, UPPER_STEPS, rng.randint(0, 1)))
        out.append(
            (Muscle.ORBICULARIS_OCULI_ORBITAL_LATERAL_CANTHUS, s, UPPER_STEPS, rng.randint(1, 3))
        )
        if rng.random() < 0.5:
            out.append((Muscle.ORBICULARIS_OCULI_PRESEPTAL, s, UPPER_STEPS, rng.randint(1, 2)))
    if side is not AffectedSide.BILATERAL and rng.random() < 0.45:
        s = sides[0]
        out.append((Muscle.ZYGOMATICUS_MAJOR, s, LOWER_STEPS, rng.randint(1, 2)))
        for muscle in (Muscle.RISORIUS, Muscle.DEPRESSOR_ANGULI_ORIS):
            if rng.random() < 0.5:
                out.append((muscle, s, LOWER_STEPS, rng.randint(0, 1)))
    return out


def _product(rng: random.Random) -> tuple[Product, float]:
    product = rng.choices(tuple(DILUTIONS), weights=(5, 2, 3))[0]
    return product, rng.choice(DILUTIONS[product])


def plan_sessions(
    rng: random.Random,
    side: AffectedSide,
    dates: list[date],
    today: date,
    *,
    adverse_at: int | None = None,
) -> tuple[tuple[SessionPlan, ...], tuple[AdversePlan, ...]]:
    plan = _site_plan(rng, side)
    steps = [start for *_, start in plan]
    product, dilution = _product(rng)
    switch_at = rng.randrange(2, len(dates)) if len(dates) > 3 and rng.random() < 0.15 else None
    effect_days = rng.uniform(70, 90)
    drift = rng.uniform(-1.0, 0.5)
    sessions: list[SessionPlan] = []
    adverse: list[AdversePlan] = []
    has_lower = any(m.is_lower_face for m, *_ in plan)
    for i, day in enumerate(dates):
        notes = "First injection." if i == 0 else None
        if i == switch_at:
            old = product
            while product is old:
                product, dilution = _product(rng)
            notes = f"Changed from {old.value} to {product.value}; doses converted."
        elif i > 0 and rng.random() < 0.3:  # a small change of one site
            k = rng.randrange(len(plan))
            steps[k] = min(max(steps[k] + rng.choice((-1, 1)), 0), len(plan[k][2]) - 1)
        factor = UNIT_FACTOR.get(product, 1.0)
        sites = tuple(
            SitePlan(muscle, s, allowed[steps[k]] * factor)
            for k, (muscle, s, allowed, _) in enumerate(plan)
        )
        following = dates[i + 1] if i + 1 < len(dates) else None
        began, peak, wore = _course(rng, day, following, effect_days + drift * i, today)
        sessions.append(
            SessionPlan(
                session_on=day,
                product=product,
                dilution_units_per_0_1_ml=dilution,
                lot=f"DEMO-L{rng.randint(1000, 9999)}",
                expiry_on=day + days(rng.randint(120, 540)),
                sites=sites,
                effect_began_on=began,
                effect_peak_on=peak,
                wore_off_on=wore,
                notes=notes,
            )
        )
        forced = i == adverse_at
        if forced or rng.random() < ADVERSE_PER_SESSION:
            event = _adverse(rng, i, day, today, has_lower=has_lower, forced=forced)
            if event is not None:
                adverse.append(event)
                _ease_after(event.effect, plan, steps)
    return tuple(sessions), tuple(adverse)


def _course(
    rng: random.Random, day: date, following: date | None, effect_days: float, today: date
) -> tuple[date | None, date | None, date | None]:
    """Onset, peak and wear-off of the cycle, each only once it has happened."""
    if rng.random() < 0.12:
        return None, None, None  # not reported
    began = day + days(rng.randint(*EFFECT_BEGINS_DAYS))
    peak = began + days(rng.randint(*PEAK_AFTER_ONSET_DAYS)) if rng.random() < 0.5 else None
    lasts = min(
        max(round(effect_days + rng.gauss(0, 7)), EFFECT_LASTS_DAYS[0]), EFFECT_LASTS_DAYS[1]
    )
    wore = day + days(lasts)
    if following is not None:
        wore = min(wore, following - days(1))

    def happened(d: date | None) -> date | None:
        return d if d is not None and d <= today else None

    return happened(began), happened(peak), happened(wore)


def _adverse(
    rng: random.Random, index: int, day: date, today: date, *, has_lower: bool, forced: bool
) -> AdversePlan | None:
    effects = [AdverseEffect.PTOSIS, AdverseEffect.INCOMPLETE_LID_CLOSURE_DRY_EYE]
    weights = [5, 3]
    if has_lower:
        effects.append(AdverseEffect.LIP_OR_LOWER_FACE_WEAKNESS)
        weights.append(4)
    effect = AdverseEffect.PTOSIS if forced else rng.choices(effects, weights=weights)[0]
    onset = day + days(rng.randint(3, 10))
    if onset > today:
        return None
    resolved = onset + days(rng.randint(10, 35))
    severity = Severity.MODERATE if rng.random() < 0.2 else Severity.MILD
    notes = {
        AdverseEffect.PTOSIS: "The upper lid drooped a little; it lifted again.",
        AdverseEffect.INCOMPLETE_LID_CLOSURE_DRY_EYE: "The eye felt dry; lubricating drops.",
        AdverseEffect.LIP_OR_LOWER_FACE_WEAKNESS: "The mouth corner was weak when smiling.",
    }[effect]
    return AdversePlan(
        index, effect, severity, onset, resolved if resolved <= today else None, notes
    )


def _ease_after(
    effect: AdverseEffect,
    plan: list[UsualSite],
    steps: list[int],
) -> None:
    """After a side effect the next doses near its muscles go one step down."""
    for k, (muscle, *_) in enumerate(plan):
        near = (
            muscle.is_lower_face
            if effect is AdverseEffect.LIP_OR_LOWER_FACE_WEAKNESS
            else muscle is Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER
        )
        if near:
            steps[k] = max(steps[k] - 1, 0)


def plan_assessments(
    rng: random.Random, sessions: tuple[SessionPlan, ...]
) -> tuple[AssessmentPlan, ...]:
    """At the first visit, about once a year, and at the latest one (before injecting)."""
    severity, frequency = rng.randint(2, 4), rng.randint(2, 4)
    smc = rng.randint(1, 4)

    def wobble(value: int, low: int, high: int) -> int:
        return min(max(value + rng.choice((-1, 0, 0, 0, 1)), low), high)

    out = []
    for i, s in enumerate(sessions):
        if i % 4 and i != len(sessions) - 1:
            continue
        out.append(
            AssessmentPlan(
                s.session_on,
                wobble(severity, 1, 4),
                wobble(frequency, 1, 4),
                wobble(smc, 1, 4),
                rng.randint(6, 20) if rng.random() < 0.5 else None,
            )
        )
    return tuple(out)


def plan_ratings(
    rng: random.Random,
    sessions: tuple[SessionPlan, ...],
    untreated: int,
    today: date,
    surgery: SurgeryPlan | None,
) -> tuple[RatingPlan, ...]:
    """Self-ratings in the last eight cycles: low while the effect holds, rising as it wears off."""
    out: dict[date, RatingPlan] = {}
    for i in range(max(0, len(sessions) - RATED_CYCLES), len(sessions)):
        s = sessions[i]
        end = sessions[i + 1].session_on if i + 1 < len(sessions) else s.session_on + days(120)
        if surgery is not None and s.session_on < surgery.surgery_on < end:
            end = surgery.surgery_on
        end = min(end, today + days(1))
        began = ((s.effect_began_on or s.session_on + days(5)) - s.session_on).days
        wore = ((s.wore_off_on or s.session_on + days(80)) - s.session_on).days
        low = rng.randint(1, 3)
        for offset in (10, 35, 60, (end - s.session_on).days - 4):
            rated_on = s.session_on + days(offset)
            if not s.session_on < rated_on < end or rated_on in out:
                continue
            if offset < began or offset > wore:
                score = untreated
            elif offset <= wore - 25:
                score = low
            else:
                score = round(low + (untreated - low) * (offset - wore + 25) / 25)
            score = min(max(score + rng.choice((-1, 0, 0, 1)), 0), 10)
            out[rated_on] = RatingPlan(rated_on, score)
    return tuple(out[d] for d in sorted(out))
