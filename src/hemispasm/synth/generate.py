"""Write a synthetic spasm video and its ground truth (truth.json) into a folder."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hemispasm.analysis.types import Event, Side
from hemispasm.errors import InvalidParameterError, OutputError
from hemispasm.synth.expressions import Expression, draw_expressions, with_expressions
from hemispasm.synth.face import FACES, load_base_face
from hemispasm.synth.motion import HeadMotion
from hemispasm.synth.render import FaceState, Look, Pose, Renderer
from hemispasm.synth.schedule import Activations, Schedule, make_schedule
from hemispasm.video.writer import CODECS, CONTAINERS, VideoWriter

TRUTH_SCHEMA = "hemispasm.truth/1"
VIDEO_STEM = "synthetic"
TRUTH_NAME = "truth.json"

VFR_JITTER = 0.15
"""Frame intervals vary by up to this fraction of 1/fps in variable-frame-rate output."""

VFR_DROP_PROBABILITY = 0.02
"""Chance that a frame is skipped (one interval doubles) in variable-frame-rate output."""


@dataclass(frozen=True)
class SynthTruth:
    """Ground truth of one synthetic video: its settings, events and activation time courses."""

    seed: int
    side: Side
    fps: float
    width: int
    height: int
    duration_s: float
    spasms: bool
    schedule: Schedule
    frame_times_s: tuple[float, ...]
    head_motion: float = 1.0
    face: str = "astronaut"
    look: Look = field(default_factory=Look)
    expressions: tuple[Expression, ...] = ()

    @property
    def events(self) -> tuple[Event, ...]:
        """Ground-truth events in time order."""
        return self.schedule.events

    def activations(self, times_s: np.ndarray | None = None) -> Activations:
        """Per-time activations (events and expressions), at the video's frame times unless
        ``times_s`` is given."""
        acts = self.schedule.activations(self.frame_times_s if times_s is None else times_s)
        return with_expressions(acts, self.expressions)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to truth.json."""
        return {
            "schema": TRUTH_SCHEMA,
            "seed": self.seed,
            "side": self.side,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "duration_s": self.duration_s,
            "spasms": self.spasms,
            "head_motion": self.head_motion,
            "face": self.face,
            "look": asdict(self.look),
            "n_frames": len(self.frame_times_s),
            "events": [e.to_dict() for e in self.events],
            "expressions": [x.to_dict() for x in self.expressions],
        }


@dataclass(frozen=True)
class SynthResult:
    """Paths of the written files and the ground truth."""

    video_path: Path
    truth_path: Path
    truth: SynthTruth


def _check(
    *,
    seed: int,
    side: str,
    fps: float,
    size: tuple[int, int],
    duration_s: float,
    codec: str,
    container: str,
) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidParameterError(f"seed must be an integer >= 0, but got {seed!r}")
    if side not in ("left", "right"):
        raise InvalidParameterError(f"side must be 'left' or 'right', but got {side!r}")
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not 5.0 <= fps <= 120.0:
        raise InvalidParameterError(f"fps must be between 5 and 120, but got {fps!r}")
    if (
        not isinstance(size, tuple | list)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)
        or not (64 <= size[0] <= 3840 and 64 <= size[1] <= 3840)
        or size[0] % 2
        or size[1] % 2
    ):
        raise InvalidParameterError(
            f"size must be (width, height), even integers from 64 to 3840, but got {size!r}"
        )
    if (
        isinstance(duration_s, bool)
        or not isinstance(duration_s, int | float)
        or not 3.0 <= duration_s <= 900.0
    ):
        raise InvalidParameterError(
            f"duration_s must be between 3 and 900 seconds, but got {duration_s!r}"
        )
    if codec not in CODECS:
        raise InvalidParameterError(f"codec must be one of {sorted(CODECS)}, but got {codec!r}")
    if f".{container}" not in CONTAINERS:
        names = sorted(c.lstrip(".") for c in CONTAINERS)
        raise InvalidParameterError(f"container must be one of {names}, but got {container!r}")


def frame_times(
    *, fps: float, duration_s: float, vfr: bool, rng: np.random.Generator
) -> np.ndarray:
    """Presentation times (s) of the frames: evenly spaced, or phone-like jittered if ``vfr``.

    Times are rounded to 1/90000 s (the writer's clock), so rendering and file agree exactly.
    """
    step = 1.0 / fps
    if not vfr:
        t = np.arange(math.floor(duration_s * fps + 1e-9)) * step
    else:
        n_max = int(duration_s * fps * 1.5) + 2
        dt = step * (1.0 + rng.uniform(-VFR_JITTER, VFR_JITTER, size=n_max))
        dt[rng.random(n_max) < VFR_DROP_PROBABILITY] += step
        t = np.concatenate([[0.0], np.cumsum(dt)])
        t = t[t < duration_s - 0.5 * step]
    return np.round(t * 90_000) / 90_000


def make_synthetic_video(
    out_dir: str | Path,
    *,
    seed: int = 0,
    side: Side = "left",
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    duration_s: float = 30.0,
    spasms: bool = True,
    codec: str = "libx264",
    container: str = "mp4",
    vfr: bool = False,
    head_motion: float = 1.0,
    face: str | None = None,
    lively: float | None = None,
    look: Look | None = None,
) -> SynthResult:
    """Render a synthetic hemifacial-spasm video of a real face and write its ground truth.

    Parameters
    ----------
    out_dir : str or Path
        Folder for ``synthetic.<container>`` and ``truth.json`` (created if missing).
    seed : int
        Everything (schedule, head motion, noise) follows from it.
    side : {"left", "right"}
        The subject's affected side.
    fps : float
        Nominal frame rate, 5-120.
    size : (int, int)
        Frame (width, height) in pixels.
    duration_s : float
        Length in seconds, 3-900.
    spasms : bool
        False writes a control video: normal blinks and head motion only.
    codec, container : str
        Encoder (see :data:`hemispasm.video.writer.CODECS`) and file extension without the dot.
    vfr : bool
        Jitter the frame intervals like a phone camera (real timestamps in the file).
    head_motion : float
        Strength of the head's turning, nodding and drifting: 1 is a patient asked to keep still
        (about 3 deg yaw, 4 deg roll); 3 is a restless one (about 9 deg yaw, 12 deg roll, faster).
    face : str, optional
        One of :data:`hemispasm.synth.face.FACES`; drawn from the seed when not given.
    lively : float, optional
        0 for a face kept still (no talking, smiling or looking down), 1 for a lively one; drawn
        from the seed when not given.
    look : Look, optional
        Glasses and side light; drawn from the seed when not given (``Look()`` for neither).

    Returns
    -------
    SynthResult
        Paths of the video and truth files, and the truth itself.
    """
    _check(
        seed=seed,
        side=side,
        fps=fps,
        size=size,
        duration_s=duration_s,
        codec=codec,
        container=container,
    )
    if not 0.0 < head_motion <= 5.0:
        raise InvalidParameterError(f"head_motion must be in (0, 5], but got {head_motion!r}")
    if face is not None and face not in FACES:
        raise InvalidParameterError(f"face must be one of {sorted(FACES)}, but got {face!r}")
    if lively is not None and not 0.0 <= lively <= 1.0:
        raise InvalidParameterError(f"lively must be in [0, 1], but got {lively!r}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create out_dir {str(out)!r}: {exc}") from exc
    seq = np.random.SeedSequence(int(seed))
    rng_schedule, rng_motion, rng_noise, rng_frames, rng_scene = (
        np.random.default_rng(s) for s in seq.spawn(5)
    )
    schedule = make_schedule(
        duration_s=float(duration_s),
        side=side,
        spasms=spasms,
        rng=rng_schedule,
        frame_interval_s=1.0 / float(fps),
    )
    face_name = face or sorted(FACES)[int(rng_scene.integers(len(FACES)))]
    look = look if look is not None else Look.draw(rng_scene)
    expressions = draw_expressions(duration_s=float(duration_s), rng=rng_scene, lively=lively)
    motion = HeadMotion.draw(rng_motion, strength=float(head_motion))
    times = frame_times(fps=float(fps), duration_s=float(duration_s), vfr=vfr, rng=rng_frames)
    acts = with_expressions(schedule.activations(times), expressions)
    poses = motion.poses(times)
    width, height = int(size[0]), int(size[1])
    renderer = Renderer(
        load_base_face(size=(width, height), face=face_name), rng=rng_noise, look=look
    )

    video_path = out / f"{VIDEO_STEM}.{container}"
    with VideoWriter(video_path, fps=float(fps), width=width, height=height, codec=codec) as writer:
        for i, t in enumerate(times):
            state = FaceState(
                closure_left=acts.closure.left[i],
                closure_right=acts.closure.right[i],
                cheek_left=acts.cheek.left[i],
                cheek_right=acts.cheek.right[i],
                mouth_left=acts.mouth.left[i],
                mouth_right=acts.mouth.right[i],
                brow_left=acts.brow.left[i],
                brow_right=acts.brow.right[i],
                lid_lift_left=acts.lid_lift.left[i],
                lid_lift_right=acts.lid_lift.right[i],
                jaw=acts.jaw[i],
            )
            pose = Pose(
                roll_deg=poses.roll_deg[i],
                yaw_deg=poses.yaw_deg[i],
                pitch_deg=poses.pitch_deg[i],
                shift_x=poses.shift_x[i],
                shift_y=poses.shift_y[i],
                zoom=poses.zoom[i],
                gain=poses.gain[i],
            )
            writer.write(renderer.frame(state, pose), timestamp_s=float(t))

    truth = SynthTruth(
        seed=int(seed),
        side=side,
        fps=float(fps),
        width=width,
        height=height,
        duration_s=float(duration_s),
        spasms=bool(spasms),
        schedule=schedule,
        frame_times_s=tuple(float(x) for x in times),
        head_motion=float(head_motion),
        face=face_name,
        look=look,
        expressions=expressions,
    )
    truth_path = out / TRUTH_NAME
    try:
        truth_path.write_text(json.dumps(truth.to_dict(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {str(truth_path)!r}: {exc}") from exc
    return SynthResult(video_path=video_path, truth_path=truth_path, truth=truth)


def load_truth_events(path: str | Path) -> tuple[Event, ...]:
    """The events of a truth.json file written by :func:`make_synthetic_video`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema") != TRUTH_SCHEMA:
        raise InvalidParameterError(
            f"path must be a {TRUTH_SCHEMA} file, but its schema is {data.get('schema')!r}"
        )
    return tuple(Event.from_dict(e) for e in data["events"])
