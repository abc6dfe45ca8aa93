"""Movements of a healthy face that are neither blinks nor spasms: smiling, talking, looking down.

Pure numpy. They move the lids and the cheeks, often more on one side than the other, and are
what a detector must not take for a spasm: a smile lifts both cheeks and narrows both eyes from
below; talking opens the jaw and moves the mouth corners; looking down lowers both upper lids
slowly, for a second or two. None of them is a ground-truth event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from hemispasm.analysis.types import SidePair
from hemispasm.synth.pulses import smoothstep
from hemispasm.synth.schedule import Activations

ExpressionKind = Literal["smile", "talk", "look_down"]


@dataclass(frozen=True)
class Expression:
    """One expression: a smooth envelope (rise, hold, fall) with a strength per side.

    ``rate_hz`` is the syllable rate of talking (the jaw opens and closes at about this rate).
    """

    kind: ExpressionKind
    t0_s: float
    rise_s: float
    hold_s: float
    fall_s: float
    left: float
    right: float
    rate_hz: float = 0.0
    phase: float = 0.0

    @property
    def t1_s(self) -> float:
        """When the face is back at rest."""
        return self.t0_s + self.rise_s + self.hold_s + self.fall_s

    def envelope(self, times_s: np.ndarray) -> np.ndarray:
        """0 at rest, 1 while held."""
        t = np.asarray(times_s, dtype=np.float64) - self.t0_s
        up = smoothstep(t / self.rise_s)
        down = 1.0 - smoothstep((t - self.rise_s - self.hold_s) / self.fall_s)
        return np.minimum(up, down)

    def to_dict(self) -> dict[str, object]:
        """The JSON form written to truth.json (for information: expressions are not events)."""
        return {
            "kind": self.kind,
            "start_s": round(self.t0_s, 4),
            "end_s": round(self.t1_s, 4),
            "left": round(self.left, 3),
            "right": round(self.right, 3),
        }


def _syllables(e: Expression, t: np.ndarray) -> np.ndarray:
    """Jaw opening while talking: irregular syllables at about ``rate_hz``, 0-1."""
    wobble = 0.35 * np.sin(2 * np.pi * 0.37 * e.rate_hz * t + 1.3 * e.phase)
    wave = np.sin(2 * np.pi * e.rate_hz * t + e.phase + wobble)
    return np.clip(0.55 + 0.6 * wave, 0.0, 1.0)


def draw_expressions(
    *, duration_s: float, rng: np.random.Generator, lively: float | None = None
) -> tuple[Expression, ...]:
    """Expressions of one video: stretches of talking, a few smiles, now and then a look down.

    Parameters
    ----------
    duration_s : float
        Video length (s).
    rng : numpy.random.Generator
        Source of randomness.
    lively : float, optional
        0 for a face kept still (no expression at all), 1 for a lively one; drawn from ``rng``
        when not given.

    Returns
    -------
    tuple of Expression
        In time order; they may overlap with each other and with blinks and spasms.
    """
    if lively is None:
        lively = float(rng.uniform(0.0, 1.0))
    out: list[Expression] = []
    if lively <= 0.0:
        return ()
    if rng.random() < 0.3 + 0.5 * lively:  # talking, in stretches of 2-8 s
        t = float(rng.uniform(0.0, 3.0))
        while t < duration_s - 1.0:
            length = float(rng.uniform(2.0, 8.0))
            strength = float(rng.uniform(0.3, 1.0))
            out.append(
                Expression(
                    kind="talk",
                    t0_s=t,
                    rise_s=0.2,
                    hold_s=max(0.1, min(length, duration_s - t) - 0.4),
                    fall_s=0.2,
                    left=strength,
                    right=strength,
                    rate_hz=float(rng.uniform(3.0, 6.0)),
                    phase=float(rng.uniform(0, 2 * np.pi)),
                )
            )
            t += length + float(rng.uniform(1.0, 6.0))
    for _ in range(int(rng.poisson(lively * duration_s / 15.0))):  # smiles
        level = float(rng.uniform(0.4, 1.0))
        ratio = float(rng.uniform(0.6, 1.0))
        weak_left = rng.random() < 0.5
        out.append(
            Expression(
                kind="smile",
                t0_s=float(rng.uniform(0.0, duration_s - 1.0)),
                rise_s=float(rng.uniform(0.25, 0.7)),
                hold_s=float(rng.uniform(0.3, 3.0)),
                fall_s=float(rng.uniform(0.3, 0.8)),
                left=level * (ratio if weak_left else 1.0),
                right=level * (1.0 if weak_left else ratio),
            )
        )
    for _ in range(int(rng.poisson(0.3 + lively * duration_s / 40.0))):  # looking down
        level = float(rng.uniform(0.15, 0.35))
        ratio = float(rng.uniform(0.75, 1.0))
        out.append(
            Expression(
                kind="look_down",
                t0_s=float(rng.uniform(0.0, duration_s - 1.0)),
                rise_s=float(rng.uniform(0.25, 0.5)),
                hold_s=float(rng.uniform(0.4, 2.0)),
                fall_s=float(rng.uniform(0.25, 0.5)),
                left=level * ratio,
                right=level,
            )
        )
    return tuple(sorted(out, key=lambda e: e.t0_s))


def with_expressions(acts: Activations, expressions: tuple[Expression, ...]) -> Activations:
    """The activations with the expressions added (each channel clipped to 0-1)."""
    t = acts.times_s
    ch = {
        "closure": [acts.closure.left.copy(), acts.closure.right.copy()],
        "cheek": [acts.cheek.left.copy(), acts.cheek.right.copy()],
        "mouth": [acts.mouth.left.copy(), acts.mouth.right.copy()],
        "lid_lift": [acts.lid_lift.left.copy(), acts.lid_lift.right.copy()],
    }
    jaw = acts.jaw.copy()
    for e in expressions:
        env = e.envelope(t)
        if not env.any():
            continue
        if e.kind == "smile":
            for k, level in enumerate((e.left, e.right)):
                ch["cheek"][k] += level * env
                ch["mouth"][k] += level * env
                ch["lid_lift"][k] += level * env
        elif e.kind == "talk":
            opening = env * _syllables(e, t - e.t0_s)
            jaw += e.left * opening
            for k in range(2):
                ch["mouth"][k] += 0.15 * e.left * opening
        else:  # look_down: both upper lids lower slowly
            ch["closure"][0] += e.left * env
            ch["closure"][1] += e.right * env

    def pair(name: str) -> SidePair:
        left, right = ch[name]
        return SidePair(left=np.clip(left, 0.0, 1.0), right=np.clip(right, 0.0, 1.0))

    return replace(
        acts,
        closure=pair("closure"),
        cheek=pair("cheek"),
        mouth=pair("mouth"),
        lid_lift=pair("lid_lift"),
        jaw=np.clip(jaw, 0.0, 1.0),
    )
