"""Per-frame rendering of the base face: local muscle warps, then head motion, light and noise.

Every warp is a backward displacement field applied with :func:`cv2.remap` inside a small region
of interest, so a frame at rest costs one perspective warp plus noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hemispasm.analysis.types import SIDES, Side
from hemispasm.errors import InvalidParameterError
from hemispasm.synth.face import (
    BROW,
    CHEEK,
    EYE_CORNERS,
    LOWER_LID,
    MOUTH_CORNER,
    UPPER_LID,
    BaseFace,
)

# Sizes of the movements at full activation, as fractions of the face height (forehead-chin).
CHEEK_LIFT = 0.035
MOUTH_PULL = 0.045
BROW_DROP = 0.022
JAW_DROP = 0.05
LOWER_LID_LIFT = 0.18
"""Fraction of the eye opening the lower lid rises at full cheek activation."""
SMILE_LID_LIFT = 0.3
"""Fraction of the eye opening the lower lid rises at a full smile (``lid_lift`` 1)."""

LASH_DARKENING = 0.45
"""Darkening of the lash line on the margin of a fully closed lid."""

NOISE_SIGMA = 2.0
"""Standard deviation of the sensor noise, grey levels."""

_FOCAL_FACTOR = 1.6  # focal length over canvas width of the virtual camera used for yaw and pitch


@dataclass(frozen=True)
class FaceState:
    """Activation (0-1) of each region of each side of the face in one frame."""

    closure_left: float = 0.0
    closure_right: float = 0.0
    cheek_left: float = 0.0
    cheek_right: float = 0.0
    mouth_left: float = 0.0
    mouth_right: float = 0.0
    brow_left: float = 0.0
    brow_right: float = 0.0
    lid_lift_left: float = 0.0
    lid_lift_right: float = 0.0
    jaw: float = 0.0

    def get(self, region: str, side: Side) -> float:
        """Activation of ``region`` on ``side``."""
        return float(getattr(self, f"{region}_{side}"))

    @property
    def at_rest(self) -> bool:
        """True when nothing moves."""
        return not any(v > 1e-4 for v in self.__dict__.values())


@dataclass(frozen=True)
class Pose:
    """Head pose and light in one frame (see :class:`hemispasm.synth.motion.HeadPoses`)."""

    roll_deg: float = 0.0
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    zoom: float = 1.0
    gain: float = 1.0


@dataclass(frozen=True)
class Look:
    """What stays the same through a video: glasses and the direction of the light.

    ``side_light`` darkens one side of the picture: the brightness falls linearly by this fraction
    from one edge to the other (negative: the left of the picture is the darker side).
    """

    glasses: bool = False
    rim_grey: int = 40
    rim_width: float = 0.06
    """Rim thickness as a fraction of the eye's width."""
    reflection: float = 0.0
    """Opacity (0-1) of a bright reflection on one lens."""
    reflection_left: bool = True
    side_light: float = 0.0

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Look:
        """A random look: glasses in about 4 of 10 videos, light from one side in about half."""
        glasses = bool(rng.random() < 0.4)
        return cls(
            glasses=glasses,
            rim_grey=int(rng.choice([30, 60, 170, 200])),
            rim_width=float(rng.uniform(0.04, 0.1)),
            reflection=float(rng.uniform(0.0, 0.4)) if glasses else 0.0,
            reflection_left=bool(rng.random() < 0.5),
            side_light=float(rng.choice([-1.0, 1.0]) * rng.uniform(0.15, 0.45))
            if rng.random() < 0.5
            else 0.0,
        )


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


@dataclass(frozen=True, eq=False)
class EyeGeometry:
    """Lid curves of one eye on the columns of its region of interest (canvas pixels)."""

    x0: int
    y0: int
    xs: np.ndarray  # (w,) column x
    ys: np.ndarray  # (h,) row y
    upper: np.ndarray  # (w,) upper lid margin y at rest
    lower: np.ndarray  # (w,) lower lid margin y at rest
    opening: np.ndarray  # (w,) lower - upper, >= 0
    lid_skin: float  # height of the skin above the lid that stretches to cover the eye
    below: float  # height below the lower lid that compresses when it rises
    lash_width: float


def eye_geometry(face: BaseFace, side: Side) -> EyeGeometry:
    lm = face.landmarks
    outer, inner = (lm[i] for i in EYE_CORNERS[side])
    eye_w = float(np.linalg.norm(outer - inner))
    up = np.vstack([face.points(UPPER_LID[side]), outer, inner])
    lo = np.vstack([face.points(LOWER_LID[side]), outer, inner])
    # Quadratic lid curves; the corners count half, the FaceMesh corners sit a little inside.
    weights = np.r_[np.ones(len(UPPER_LID[side])), 0.5, 0.5]
    p_up = np.polyfit(up[:, 0], up[:, 1], 2, w=weights)
    p_lo = np.polyfit(lo[:, 0], lo[:, 1], 2, w=weights)
    pad = 0.18 * eye_w
    x_lo = min(outer[0], inner[0]) - pad
    x_hi = max(outer[0], inner[0]) + pad
    max_open = float(np.max(np.polyval(p_lo, up[:, 0]) - np.polyval(p_up, up[:, 0])))
    lid_skin = 1.3 * max_open
    below = 1.0 * max_open
    y_lo = float(np.min(np.polyval(p_up, [x_lo, x_hi, *up[:, 0]]))) - lid_skin - 3
    y_hi = float(np.max(np.polyval(p_lo, [x_lo, x_hi, *lo[:, 0]]))) + below + 3
    h_img, w_img = face.image.shape[:2]
    x0, x1 = max(0, int(np.floor(x_lo))), min(w_img, int(np.ceil(x_hi)) + 1)
    y0, y1 = max(0, int(np.floor(y_lo))), min(h_img, int(np.ceil(y_hi)) + 1)
    xs = np.arange(x0, x1, dtype=np.float64)
    ys = np.arange(y0, y1, dtype=np.float64)
    # The lid margins proper sit just outside the FaceMesh lid points (on the lashes' roots).
    taper = _smoothstep((xs - x_lo) / (0.3 * eye_w)) * _smoothstep((x_hi - xs) / (0.3 * eye_w))
    delta = 0.08 * max_open * taper
    upper = np.polyval(p_up, xs) - delta
    lower = np.polyval(p_lo, xs) + delta
    opening = np.clip(lower - upper, 0.0, None) * taper
    return EyeGeometry(
        x0=x0,
        y0=y0,
        xs=xs,
        ys=ys,
        upper=upper,
        lower=upper + opening,
        opening=opening,
        lid_skin=lid_skin,
        below=below,
        lash_width=max(1.0, 0.11 * max_open),
    )


def close_eye(img: np.ndarray, g: EyeGeometry, closure: float, lift_fraction: float) -> None:
    """Lower the upper lid of the eye ``g`` by ``closure`` of its opening and lift the lower lid
    by ``lift_fraction`` of it, in place on ``img`` (the picture the geometry was taken from)."""
    a = g.upper
    lift = min(lift_fraction, 0.6) * g.opening
    b_new = g.lower - lift
    a_new = a + closure * (b_new - a)
    top = a - g.lid_skin
    bottom = g.lower + g.below
    y = g.ys[:, None]
    src = y.copy()
    skin = (y >= top) & (y < a_new)
    src = np.where(skin, top + (y - top) * (a - top) / (a_new - top), src)
    low = (y >= b_new) & (y < bottom)
    src = np.where(low, g.lower + (y - b_new) * (bottom - g.lower) / (bottom - b_new), src)
    map_y = src.astype(np.float32)
    map_x = np.broadcast_to(g.xs[None, :], map_y.shape).astype(np.float32)
    out = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
    if closure > 0.02:
        # The lash line on the lid's margin: a dark band just below the new margin.
        d = (y - a_new - 0.4 * g.lash_width) / g.lash_width
        shade = 1.0 - LASH_DARKENING * _smoothstep(np.array(closure * 1.5)) * np.exp(-d * d)
        shade = np.where(g.opening[None, :] > 0.5, shade, 1.0)
        out = (out.astype(np.float32) * shade[..., None].astype(np.float32)).clip(0, 255)
    h, w = map_y.shape
    img[g.y0 : g.y0 + h, g.x0 : g.x0 + w] = out.astype(np.uint8)


@dataclass(frozen=True, eq=False)
class _Bump:
    """A smooth Gaussian-weighted shift of one region, as a precomputed weight on its ROI."""

    x0: int
    y0: int
    grid_x: np.ndarray  # (h, w) float32 canvas x
    grid_y: np.ndarray
    weight: np.ndarray  # (h, w) float32
    shift: np.ndarray  # (2,) forward displacement at full activation, pixels


def _bump(face: BaseFace, center: np.ndarray, sigma: float, shift: np.ndarray) -> _Bump:
    h_img, w_img = face.image.shape[:2]
    r = 3.0 * sigma + float(np.abs(shift).max())
    x0, x1 = max(0, int(center[0] - r)), min(w_img, int(center[0] + r) + 1)
    y0, y1 = max(0, int(center[1] - r)), min(h_img, int(center[1] + r) + 1)
    gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    d2 = (gx - center[0]) ** 2 + (gy - center[1]) ** 2
    weight = np.exp(-d2 / (2.0 * sigma**2)).astype(np.float32)
    return _Bump(x0=x0, y0=y0, grid_x=gx, grid_y=gy, weight=weight, shift=shift.astype(np.float32))


class Renderer:
    """Draws frames of the base face for given activations and head poses.

    Parameters
    ----------
    face : BaseFace
        The rest face (canvas with landmarks).
    rng : numpy.random.Generator
        Source of the sensor noise; same state, same frames.
    noise_sigma : float
        Sensor noise standard deviation in grey levels (0 for none).
    """

    def __init__(
        self,
        face: BaseFace,
        *,
        rng: np.random.Generator,
        noise_sigma: float = NOISE_SIGMA,
        look: Look | None = None,
    ) -> None:
        if not (np.isfinite(noise_sigma) and 0.0 <= noise_sigma <= 50.0):
            raise InvalidParameterError(
                f"noise_sigma must be between 0 and 50, but got {noise_sigma!r}"
            )
        self.face = face
        self.rng = rng
        self.noise_sigma = float(noise_sigma)
        self.look = look or Look()
        lm = face.landmarks
        fh = face.face_height_px
        self._eyes = {side: eye_geometry(face, side) for side in SIDES}
        self._bumps: dict[tuple[str, Side], _Bump] = {}
        for side in SIDES:
            other: Side = "right" if side == "left" else "left"
            eye_c = face.points(EYE_CORNERS[side]).mean(axis=0)
            cheek_c = face.points(CHEEK[side]).mean(axis=0)
            self._bumps["cheek", side] = _bump(
                face,
                cheek_c + np.array([0.0, 0.02 * fh]),
                0.075 * fh,
                np.array([0.0, -CHEEK_LIFT * fh]),
            )
            corner = lm[MOUTH_CORNER[side]]
            outward = corner - lm[MOUTH_CORNER[other]]
            outward /= np.linalg.norm(outward)
            direction = 0.5 * outward + np.array([0.0, -0.87])
            direction /= np.linalg.norm(direction)
            self._bumps["mouth", side] = _bump(
                face, corner, 0.075 * fh, MOUTH_PULL * fh * direction
            )
            brow_c = face.points(BROW[side]).mean(axis=0)
            brow_c = brow_c + 0.25 * (eye_c - brow_c)
            self._bumps["brow", side] = _bump(
                face, brow_c, 0.07 * fh, np.array([0.0, BROW_DROP * fh])
            )
        lip, chin = lm[17], lm[152]
        self._bumps["jaw", "left"] = _bump(
            face, lip + 0.6 * (chin - lip), 0.09 * fh, np.array([0.0, JAW_DROP * fh])
        )
        w, h = face.size
        x = (np.arange(w, dtype=np.float32) / max(1, w - 1)) - 0.5
        s_light = np.float32(self.look.side_light)
        self._light = (1.0 - np.abs(s_light) * 0.5 + s_light * x)[None, :, None]
        self._glasses = _glasses_layer(face, self.look) if self.look.glasses else None
        rest = face.image.copy()
        self._put_on_glasses(rest)
        rest.setflags(write=False)
        self._rest_image = rest
        pad = 64
        self._noise = (
            rng.normal(0.0, self.noise_sigma, size=(h + pad, w + pad, 3)).astype(np.float32)
            if self.noise_sigma > 0
            else None
        )
        self._center = lm[:, :2].mean(axis=0)

    # -- local warps ---------------------------------------------------------------------------

    def _close_eye(self, img: np.ndarray, side: Side, closure: float, lift_fraction: float) -> None:
        close_eye(img, self._eyes[side], closure, lift_fraction)

    def _shift_region(self, img: np.ndarray, bump: _Bump, amount: float) -> None:
        """Shift a region by ``amount`` of its full displacement, Gaussian-weighted, in place."""
        wgt = bump.weight * np.float32(amount)
        map_x = bump.grid_x - bump.shift[0] * wgt
        map_y = bump.grid_y - bump.shift[1] * wgt
        out = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        h, w = wgt.shape
        img[bump.y0 : bump.y0 + h, bump.x0 : bump.x0 + w] = out

    def deform(self, state: FaceState) -> np.ndarray:
        """The canvas with the muscles of ``state`` contracted (a new array, or the base face)."""
        if state.at_rest:
            return self._rest_image
        img = self.face.image.copy()
        for side in SIDES:
            closure = state.get("closure", side)
            lift = LOWER_LID_LIFT * state.get("cheek", side) + SMILE_LID_LIFT * state.get(
                "lid_lift", side
            )
            if closure > 1e-4 or lift > 1e-4:
                self._close_eye(img, side, min(closure, 1.0), lift)
        for region in ("brow", "cheek", "mouth"):
            for side in SIDES:
                amount = state.get(region, side)
                if amount > 1e-4:
                    self._shift_region(img, self._bumps[region, side], amount)
        if state.jaw > 1e-4:
            self._shift_region(img, self._bumps["jaw", "left"], state.jaw)
        self._put_on_glasses(img)
        return img

    def _put_on_glasses(self, img: np.ndarray) -> None:
        """Draw the glasses over ``img`` in place (nothing without glasses)."""
        if self._glasses is None:
            return
        (y0, y1, x0, x1), colour, alpha = self._glasses
        roi = img[y0:y1, x0:x1].astype(np.float32)
        roi += alpha * (colour - roi)
        img[y0:y1, x0:x1] = roi.astype(np.uint8)

    # -- global effects ------------------------------------------------------------------------

    def homography(self, pose: Pose) -> np.ndarray:
        """3x3 map from canvas pixels to output-frame pixels for ``pose``."""
        w, h = self.face.size
        cx, cy = self._center
        f = _FOCAL_FACTOR * self.face.image.shape[1]
        r, yw, pt = np.deg2rad([pose.roll_deg, pose.yaw_deg, pose.pitch_deg])
        rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
        ry = np.array([[np.cos(yw), 0, np.sin(yw)], [0, 1, 0], [-np.sin(yw), 0, np.cos(yw)]])
        rx = np.array([[1, 0, 0], [0, np.cos(pt), -np.sin(pt)], [0, np.sin(pt), np.cos(pt)]])
        k = np.diag([f, f, 1.0])
        rot = k @ rz @ ry @ rx @ np.linalg.inv(k)
        rot = rot / rot[2, 2]
        to_center = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1.0]])
        zoom = np.diag([pose.zoom, pose.zoom, 1.0])
        ox, oy = self.face.offset
        back = np.array(
            [[1, 0, cx - ox + pose.shift_x * w], [0, 1, cy - oy + pose.shift_y * h], [0, 0, 1.0]]
        )
        return back @ zoom @ rot @ to_center

    def frame(self, state: FaceState, pose: Pose) -> np.ndarray:
        """One output frame, (height, width, 3) uint8 RGB."""
        w, h = self.face.size
        canvas = self.deform(state)
        out = cv2.warpPerspective(
            canvas,
            self.homography(pose),
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT101,
        )
        if self._noise is None and abs(pose.gain - 1.0) < 1e-6 and self.look.side_light == 0:
            return out
        f = out.astype(np.float32)
        f *= np.float32(pose.gain)
        if self.look.side_light:
            f *= self._light
        if self._noise is not None:
            oy, ox = self.rng.integers(0, 64, size=2)
            f += self._noise[oy : oy + h, ox : ox + w]
        np.clip(f, 0, 255, out=f)
        return f.astype(np.uint8)


def _glasses_layer(
    face: BaseFace, look: Look
) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
    """Glasses drawn over the canvas: their box (y0, y1, x0, x1) and, inside it, colour (h, w, 3)
    and opacity (h, w, 1), float32.

    Two elliptical rims around the eyes, a bridge, the temples towards the ears, a faint tint on
    the lenses and, if asked, a bright reflection on one lens.
    """
    h, w = face.image.shape[:2]
    colour = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    lm = face.landmarks
    rims = np.zeros((h, w), np.uint8)
    lenses = np.zeros((h, w), np.uint8)
    centres = {}
    for side in SIDES:
        outer, inner = (lm[i] for i in EYE_CORNERS[side])
        eye_w = float(np.linalg.norm(outer - inner))
        c = 0.5 * (outer + inner) + np.array([0.0, 0.1 * eye_w])
        centres[side] = (c, eye_w, outer)
        axes = (round(0.85 * eye_w), round(0.62 * eye_w))
        centre = (round(c[0]), round(c[1]))
        thick = max(2, round(look.rim_width * eye_w))
        cv2.ellipse(rims, centre, axes, 0, 0, 360, (255,), thick, cv2.LINE_AA)
        cv2.ellipse(lenses, centre, axes, 0, 0, 360, (255,), -1, cv2.LINE_AA)
        temple_end = outer + (outer - c) * 1.2 - np.array([0.0, 0.2 * eye_w])
        start = c + (outer - c) / np.linalg.norm(outer - c) * 0.85 * eye_w
        cv2.line(
            rims,
            (round(start[0]), round(start[1] - 0.3 * eye_w)),
            (round(temple_end[0]), round(temple_end[1])),
            (255,),
            thick,
            cv2.LINE_AA,
        )
    (cl, wl, _), (cr, wr, _) = centres["left"], centres["right"]
    a = cr + np.array([0.85 * wr * np.sign(cl[0] - cr[0]), -0.2 * wr])
    b = cl + np.array([0.85 * wl * np.sign(cr[0] - cl[0]), -0.2 * wl])
    cv2.line(
        rims,
        (round(a[0]), round(a[1])),
        (round(b[0]), round(b[1])),
        (255,),
        max(2, round(look.rim_width * wl)),
        cv2.LINE_AA,
    )
    rim_a = rims.astype(np.float32) / 255.0
    lens_a = lenses.astype(np.float32) / 255.0
    colour[:] = np.float32(look.rim_grey)
    alpha = np.maximum(rim_a * 0.95, lens_a * 0.06)
    if look.reflection > 0:
        side = "left" if look.reflection_left else "right"
        c, eye_w, _ = centres[side]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        d = ((xx - c[0] - 0.3 * eye_w) ** 2 + (yy - c[1] + 0.25 * eye_w) ** 2) / (0.55 * eye_w) ** 2
        glare = np.exp(-d) * lens_a * np.float32(look.reflection)
        colour = (
            colour * (1 - glare[..., None])
            + np.array([235, 225, 255], np.float32) * glare[..., None]
        )
        alpha = np.maximum(alpha, glare)
    rows = np.flatnonzero(alpha.max(axis=1) > 0)
    cols = np.flatnonzero(alpha.max(axis=0) > 0)
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    box = (int(y0), int(y1), int(x0), int(x1))
    return (
        box,
        np.ascontiguousarray(colour[y0:y1, x0:x1], dtype=np.float32),
        np.ascontiguousarray(alpha[y0:y1, x0:x1, None], dtype=np.float32),
    )
