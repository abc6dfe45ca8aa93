"""Slow head motion and lighting drift of a synthetic video (pure numpy, seeded)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

ROLL_DEG = 4.0
YAW_DEG = 3.0
PITCH_DEG = 2.0
SHIFT_FRACTION = 0.03
ZOOM_FRACTION = 0.05
GAIN_FRACTION = 0.10


@dataclass(frozen=True, eq=False)
class HeadPoses:
    """Head pose and light at each time; float64 arrays of shape (T,).

    Angles in degrees, shifts as fractions of the frame width (x) and height (y), ``zoom`` and
    ``gain`` as factors around 1.
    """

    times_s: np.ndarray
    roll_deg: np.ndarray
    yaw_deg: np.ndarray
    pitch_deg: np.ndarray
    shift_x: np.ndarray
    shift_y: np.ndarray
    zoom: np.ndarray
    gain: np.ndarray


@dataclass(frozen=True)
class HeadMotion:
    """A smooth random drift for each pose channel: a sum of three slow sinusoids (0.02-0.25 Hz).

    ``coefficients`` has shape (7, 3, 3): channel x component x (amplitude, frequency Hz, phase).
    Channels: roll, yaw, pitch, shift_x, shift_y, zoom, gain. Each channel stays within its limit.
    """

    coefficients: np.ndarray
    strength: float = 1.0
    """Scales the pose limits (not the light): 3 gives turns of about 9 deg yaw and 12 deg roll."""

    @classmethod
    def draw(
        cls, rng: np.random.Generator, *, still: bool = False, strength: float = 1.0
    ) -> HeadMotion:
        """Draw a motion; ``still=True`` gives a head that never moves under constant light.

        ``strength`` above 1 makes the head turn, nod and move further, and faster (up to
        0.25 x strength Hz); 1 draws exactly the default motion of a seed.
        """
        if not strength > 0:
            raise ValueError(f"strength must be > 0, but got {strength!r}")
        amps = rng.dirichlet(np.ones(3), size=7) * rng.uniform(0.5, 1.0, size=(7, 1))
        freqs = rng.uniform(0.02, 0.25 * max(1.0, strength), size=(7, 3))
        phases = rng.uniform(0.0, 2.0 * np.pi, size=(7, 3))
        if still:
            amps = np.zeros_like(amps)
        return cls(coefficients=np.stack([amps, freqs, phases], axis=-1), strength=strength)

    def poses(self, times_s: ArrayLike) -> HeadPoses:
        """Pose and light at ``times_s`` (seconds)."""
        t = np.asarray(times_s, dtype=np.float64).reshape(-1)
        c = self.coefficients
        wave = np.einsum(
            "kj,kjt->kt", c[..., 0], np.sin(2 * np.pi * c[..., 1, None] * t + c[..., 2, None])
        )
        limits = np.array(
            [
                ROLL_DEG,
                YAW_DEG,
                PITCH_DEG,
                SHIFT_FRACTION,
                SHIFT_FRACTION,
                ZOOM_FRACTION,
                GAIN_FRACTION,
            ]
        )
        scale = np.array([self.strength] * 6 + [1.0])  # light drift keeps its own limit
        v = wave * (limits * scale)[:, None]
        return HeadPoses(
            times_s=t,
            roll_deg=v[0],
            yaw_deg=v[1],
            pitch_deg=v[2],
            shift_x=v[3],
            shift_y=v[4],
            zoom=1.0 + v[5],
            gain=1.0 + v[6],
        )
