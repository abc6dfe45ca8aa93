"""Face landmarks of a whole video, landmarked in parallel time segments.

MediaPipe's FaceMesh keeps to about one core, so the speed-up comes from processes. The video is
cut in time into segments (a few per process); this process and ``workers - 1`` helper processes
each take the next unclaimed segment until none is left, so this process starts at once while the
helpers are still importing MediaPipe. Each segment is decoded from the keyframe before its start
and landmarked with a fresh FaceMesh (so results do not depend on which process took which
segment), and the parts are joined in time order. The reader gives every frame the same time
whichever range it is read in, so the join has no frame missing or repeated.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.errors import HemispasmError
from hemispasm.landmarks.mediapipe_backend import MediaPipeFaceMesh
from hemispasm.video.info import VideoInfo
from hemispasm.video.reader import iter_frames

__all__ = ["ProgressCallback", "extract_landmarks"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(frames_done, frames_total)`` from the calling process."""

_MIN_SEGMENT_S = 2.0
_SEGMENTS_PER_WORKER = 4
_REPORT_EVERY = 10
_POLL_S = 0.1


@dataclass(frozen=True)
class _Job:
    path: Path
    segments: tuple[tuple[float | None, float | None], ...]
    mirrored: bool
    max_side: int | None
    width: int
    height: int
    min_detection_confidence: float


@dataclass(frozen=True)
class _Part:
    timestamps_s: np.ndarray
    points: np.ndarray
    n_faces: np.ndarray


def extract_landmarks(
    path: str | Path,
    *,
    info: VideoInfo,
    mirrored: bool | None = None,
    workers: int = 2,
    max_side: int | None = None,
    min_detection_confidence: float = 0.5,
    progress: ProgressCallback | None = None,
) -> Landmarks:
    """Run FaceMesh on every frame of a video and return its landmarks in full-frame pixels.

    Parameters
    ----------
    path : str or Path
        The video file.
    info : VideoInfo
        The video's probe (gives the displayed frame size, duration and frame count).
    mirrored : bool, optional
        Flip frames horizontally first (a front-camera recording saved mirrored). Defaults to
        ``info.mirrored``.
    workers : int
        Number of processes, this one included; 1 runs in this process only. Short videos use
        fewer (segments last at least 2 s).
    max_side : int, optional
        Scale frames down so their long side is at most this before landmarking; points are scaled
        back to the full frame's pixels.
    min_detection_confidence : float
        FaceMesh's face-detection threshold.
    progress : callable, optional
        ``progress(frames_done, frames_total)``, called from this process; ``frames_total`` is the
        probe's frame count (an estimate for some containers), never less than ``frames_done``.

    Raises
    ------
    VideoReadError
        The video cannot be decoded (raised in whichever process met it).
    HemispasmError
        A helper process died.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, but got {workers!r}")
    n_segments = 1
    if workers > 1:
        n_segments = min(workers * _SEGMENTS_PER_WORKER, int(info.duration_s // _MIN_SEGMENT_S))
    n_segments = max(1, n_segments)
    edges = [info.duration_s * k / n_segments for k in range(1, n_segments)]
    starts: list[float | None] = [None, *edges]
    ends: list[float | None] = [*edges, None]
    job = _Job(
        path=Path(path),
        segments=tuple(zip(starts, ends, strict=True)),
        mirrored=info.mirrored if mirrored is None else bool(mirrored),
        max_side=max_side,
        width=info.width,
        height=info.height,
        min_detection_confidence=min_detection_confidence,
    )
    helpers = min(workers, n_segments) - 1
    parts = _run(job, helpers, info.frames, progress)
    return _join(parts, width=info.width, height=info.height)


# --- running ----------------------------------------------------------------------------------


class _Claims:
    """Hands out segment numbers, once each, across processes."""

    def __init__(self, counter: Any) -> None:
        self._counter = counter

    def next(self) -> int:
        with self._counter.get_lock():
            k = int(self._counter.value)
            self._counter.value = k + 1
        return k


def _run(job: _Job, helpers: int, total: int, progress: ProgressCallback | None) -> list[_Part]:
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, max(total, done))

    if helpers == 0:
        return [_landmark_segment(job, k, report) for k in range(len(job.segments))]

    ctx = _mp_context()
    messages: Any = ctx.Queue()
    stop = ctx.Event()
    counter = ctx.Value("i", 0)
    futures: list[Future[list[tuple[int, _Part]]]] = []

    def drain() -> None:
        n = 0
        while True:
            try:
                n += messages.get_nowait()
            except queue.Empty:
                break
        if n:
            report(n)
        for future in futures:
            if future.done() and future.exception() is not None:
                stop.set()
                _raise_from_helper(future, job.path)

    def report_here(n: int) -> None:
        report(n)
        drain()

    executor = ProcessPoolExecutor(
        max_workers=helpers,
        mp_context=ctx,
        initializer=_init_helper,
        initargs=(messages, stop, counter),
    )
    try:
        futures.extend(executor.submit(_helper_main, job) for _ in range(helpers))
        mine = _claim_and_run(job, _Claims(counter), report_here, stop.is_set)
        while not all(future.done() for future in futures):
            wait(futures, timeout=_POLL_S)
            drain()
        drain()
        parts = dict(mine)
        for future in futures:
            parts.update(future.result())
        return [parts[k] for k in range(len(job.segments))]
    except BaseException:
        stop.set()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        messages.close()
        messages.join_thread()


def _raise_from_helper(future: Future[Any], path: Path) -> None:
    exc = future.exception()
    if isinstance(exc, HemispasmError):
        raise exc
    if isinstance(exc, BrokenProcessPool):
        raise HemispasmError(f"{path}: a landmark helper process died") from exc
    raise HemispasmError(f"{path}: landmark extraction failed: {exc}") from exc


def _mp_context() -> mp.context.BaseContext:
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    return mp.get_context(method)


def _claim_and_run(
    job: _Job,
    claims: _Claims,
    report: Callable[[int], None],
    should_stop: Callable[[], bool],
) -> list[tuple[int, _Part]]:
    parts = []
    while not should_stop():
        k = claims.next()
        if k >= len(job.segments):
            break
        parts.append((k, _landmark_segment(job, k, report, should_stop)))
    return parts


# --- helper side ------------------------------------------------------------------------------

_helper_state: dict[str, Any] = {}


def _init_helper(messages: Any, stop: Any, counter: Any) -> None:
    _helper_state.update(messages=messages, stop=stop, claims=_Claims(counter))


def _helper_main(job: _Job) -> list[tuple[int, _Part]]:
    messages = _helper_state["messages"]
    stop = _helper_state["stop"]
    return _claim_and_run(job, _helper_state["claims"], messages.put, stop.is_set)


def _landmark_segment(
    job: _Job,
    k: int,
    report: Callable[[int], None],
    should_stop: Callable[[], bool] | None = None,
) -> _Part:
    times: list[float] = []
    rows: list[np.ndarray] = []
    counts: list[int] = []
    missing = np.full((N_POINTS, 3), np.nan, dtype=np.float32)
    unreported = 0
    with MediaPipeFaceMesh(min_detection_confidence=job.min_detection_confidence) as backend:
        frames = iter_frames(
            job.path,
            start_s=job.segments[k][0],
            end_s=job.segments[k][1],
            mirrored=job.mirrored,
            max_side=job.max_side,
        )
        for t, rgb in frames:
            points, n_faces = backend.process(rgb, t)
            if points is None:
                points = missing
            elif rgb.shape[1] != job.width or rgb.shape[0] != job.height:
                sx = job.width / rgb.shape[1]
                sy = job.height / rgb.shape[0]
                points = points * np.array([sx, sy, sx], dtype=np.float32)
            times.append(t)
            rows.append(points)
            counts.append(n_faces)
            unreported += 1
            if unreported >= _REPORT_EVERY:
                report(unreported)
                unreported = 0
                if should_stop is not None and should_stop():
                    break
        if unreported:
            report(unreported)
    return _Part(
        timestamps_s=np.asarray(times, dtype=np.float64),
        points=np.stack(rows) if rows else np.empty((0, N_POINTS, 3), dtype=np.float32),
        n_faces=np.asarray(counts, dtype=np.int8),
    )


def _join(parts: list[_Part], *, width: int, height: int) -> Landmarks:
    points = np.concatenate([p.points for p in parts])
    return Landmarks(
        points=points,
        valid=~np.isnan(points[:, 0, 0]),
        timestamps_s=np.concatenate([p.timestamps_s for p in parts]),
        width=width,
        height=height,
        n_faces=np.concatenate([p.n_faces for p in parts]),
    )
