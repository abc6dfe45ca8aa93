"""Face landmarks of a whole video, landmarked in time segments, in parallel when asked.

MediaPipe's FaceMesh keeps to about one core, so the speed-up comes from processes. The video is
cut into segments at fixed times (every 5 s from the start, the last one running on to the end,
so it lasts up to 7.5 s), which depend on the video's duration only, never on the number of
workers, and each segment is landmarked with a fresh FaceMesh. FaceMesh tracks a face from frame
to frame, so its output depends on where tracking started; with the same cuts for any
``workers``, one worker and several give identical landmarks. With one worker, this process
landmarks the segments in order, decoding straight through. With more, helper processes do all
the landmarking (they load only the face part of MediaPipe, and start together); each begins at
its own share of the video and decodes on from one segment into the next, seeking only when it
has to take over a segment elsewhere (the middle of the longest run nobody has taken), so little
is decoded twice. The parts are joined in time order. The reader gives every frame the same time
whichever range it is read in, so the join has no frame missing or repeated.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import queue
import sys
from collections.abc import Callable, Iterator, MutableSequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hemispasm.analysis.landmarks import N_POINTS, Landmarks
from hemispasm.errors import HemispasmError
from hemispasm.landmarks.mediapipe_backend import MediaPipeFaceMesh, import_face_solutions_only
from hemispasm.video.info import VideoInfo
from hemispasm.video.reader import iter_frames

__all__ = ["ProgressCallback", "extract_landmarks", "segment_edges"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(frames_done, frames_total)`` from the calling process."""

_SEGMENT_S = 5.0
_REPORT_EVERY = 10
_POLL_S = 0.1
_LATE_RESULT_S = 30.0


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
    detection_score: np.ndarray


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
        Number of landmarking processes; 1 runs in this process only, more run that many helper
        processes while this one waits (at most one per segment, so short videos use fewer). The
        landmarks are the same whatever the number.
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
    edges = segment_edges(info.duration_s)
    n_segments = len(edges) + 1
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
    helpers = min(workers, n_segments) if workers > 1 and n_segments > 1 else 0
    parts = _run(job, helpers, info.frames, progress)
    return _join(parts, width=info.width, height=info.height)


def segment_edges(duration_s: float) -> list[float]:
    """Times (s) where segments start anew: every 5 s, none within about 2.5 s of the end.

    Depends on the duration alone, so the landmarks do not depend on the number of workers. An
    unknown duration (0) gives one segment for the whole video.
    """
    n_segments = max(1, round(duration_s / _SEGMENT_S)) if duration_s > 0 else 1
    return [k * _SEGMENT_S for k in range(1, n_segments)]


# --- running ----------------------------------------------------------------------------------


class _Claims:
    """Hands out segment numbers, once each, across processes.

    A process asks for the segment after the one it finished, so it can decode on without a seek;
    when that one is taken, it gets the middle of the longest run of segments nobody has taken,
    which leaves the process working before that run its next segments in a row.
    """

    def __init__(self, taken: MutableSequence[int], lock: Any = None) -> None:
        self._taken = taken
        self._lock = lock if lock is not None else contextlib.nullcontext()

    def claim(self, wanted: int | None) -> int | None:
        """Take ``wanted`` if it is still free, otherwise another free segment; None if none is."""
        with self._lock:
            taken = list(self._taken)
            if wanted is not None and 0 <= wanted < len(taken) and not taken[wanted]:
                k: int | None = wanted
            else:
                k = _middle_of_longest_free_run(taken)
            if k is not None:
                self._taken[k] = 1
            return k


def _middle_of_longest_free_run(taken: list[int]) -> int | None:
    best_start, best_length = 0, 0
    start = None
    for k, flag in enumerate([*taken, 1]):
        if not flag and start is None:
            start = k
        elif flag and start is not None:
            if k - start > best_length:
                best_start, best_length = start, k - start
            start = None
    if best_length == 0:
        return None
    return best_start + best_length // 2


def _run(job: _Job, helpers: int, total: int, progress: ProgressCallback | None) -> list[_Part]:
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, max(total, done))

    n_segments = len(job.segments)
    received: dict[int, _Part] = {}
    if helpers == 0:
        claims = _Claims([0] * n_segments)
        _claim_and_run(job, claims, 0, report, lambda: False, received.__setitem__)
        return _collect(received, n_segments, job)

    ctx = _mp_context()
    messages: Any = ctx.Queue()
    # Each finished segment travels at once, so a helper never holds more than one segment.
    results: Any = ctx.Queue()
    stop = ctx.Event()
    taken = ctx.Array("b", n_segments)
    futures: list[Future[None]] = []

    def drain() -> None:
        n = 0
        while True:
            try:
                n += messages.get_nowait()
            except queue.Empty:
                break
        if n:
            report(n)
        while True:
            try:
                k, part = results.get_nowait()
            except queue.Empty:
                break
            received[k] = part
        for future in futures:
            if future.done() and future.exception() is not None:
                stop.set()
                _raise_from_helper(future, job.path)

    executor = ProcessPoolExecutor(
        max_workers=helpers,
        mp_context=ctx,
        initializer=_init_helper,
        initargs=(messages, results, stop, taken),
    )
    try:
        futures.extend(
            executor.submit(_helper_main, job, i * n_segments // helpers) for i in range(helpers)
        )
        while not all(future.done() for future in futures):
            wait(futures, timeout=_POLL_S)
            drain()
        drain()
        for future in futures:
            future.result()
        while len(received) < n_segments:  # the last segments may still be in the pipe
            try:
                k, part = results.get(timeout=_LATE_RESULT_S)
            except queue.Empty:
                break
            received[k] = part
        return _collect(received, n_segments, job)
    except BaseException:
        stop.set()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        for q in (messages, results):
            q.close()
            q.join_thread()


def _collect(parts: dict[int, _Part], n_segments: int, job: _Job) -> list[_Part]:
    missing = [k for k in range(n_segments) if k not in parts]
    if missing:
        raise HemispasmError(f"{job.path}: landmark extraction lost segments {missing}")
    return [parts[k] for k in range(n_segments)]


def _raise_from_helper(future: Future[Any], path: Path) -> None:
    exc = future.exception()
    if isinstance(exc, HemispasmError):
        raise exc
    if isinstance(exc, BrokenProcessPool):
        raise HemispasmError(f"{path}: a landmark helper process died") from exc
    raise HemispasmError(f"{path}: landmark extraction failed: {exc}") from exc


def _mp_context() -> mp.context.BaseContext:
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # The fork server imports this module (NumPy, PyAV) once, before it forks the helpers, instead
    # of each helper importing it; this takes effect only if the server has not yet started.
    ctx.set_forkserver_preload(["__main__", __name__])
    return ctx


def _claim_and_run(
    job: _Job,
    claims: _Claims,
    home: int,
    report: Callable[[int], None],
    should_stop: Callable[[], bool],
    emit: Callable[[int, _Part], None],
) -> None:
    """Landmark segments until none is left: from ``home`` on, then wherever one is free.

    Each finished segment is handed to ``emit(k, part)`` at once.
    """
    k = claims.claim(home)
    while k is not None and not should_stop():
        # Decode from segment k's start and on into the following segments while this process
        # gets them; seek anew only for a segment elsewhere.
        frames = iter_frames(
            job.path,
            start_s=job.segments[k][0],
            mirrored=job.mirrored,
            max_side=job.max_side,
            threads=1,  # the processes already fill the cores
        )
        try:
            pending: tuple[float, np.ndarray] | None = None
            while True:
                part, pending = _landmark_segment(job, k, frames, pending, report, should_stop)
                emit(k, part)
                if should_stop():
                    return
                following = claims.claim(k + 1)
                if following != k + 1:
                    k = following
                    break
                k = following
        finally:
            frames.close()


# --- helper side ------------------------------------------------------------------------------

_helper_state: dict[str, Any] = {}


def _init_helper(messages: Any, results: Any, stop: Any, taken: Any) -> None:
    claims = _Claims(taken, taken.get_lock())
    _helper_state.update(messages=messages, results=results, stop=stop, claims=claims)
    import_face_solutions_only()  # this process runs nothing else


def _helper_main(job: _Job, home: int) -> None:
    state = _helper_state
    results = state["results"]

    def emit(k: int, part: _Part) -> None:
        results.put((k, part))

    _claim_and_run(job, state["claims"], home, state["messages"].put, state["stop"].is_set, emit)


def _landmark_segment(
    job: _Job,
    k: int,
    frames: Iterator[tuple[float, np.ndarray]],
    pending: tuple[float, np.ndarray] | None,
    report: Callable[[int], None],
    should_stop: Callable[[], bool],
) -> tuple[_Part, tuple[float, np.ndarray] | None]:
    """Landmark segment ``k`` from ``frames`` (after ``pending``, a frame already read).

    Returns the part and the first frame read past the segment's end (None at the video's end).
    """
    end_s = job.segments[k][1]
    times: list[float] = []
    rows: list[np.ndarray] = []
    counts: list[int] = []
    scores: list[float] = []
    missing = np.full((N_POINTS, 3), np.nan, dtype=np.float32)
    scale = None
    unreported = 0
    backend: MediaPipeFaceMesh | None = None
    try:
        while True:
            item = pending if pending is not None else next(frames, None)
            pending = None
            if item is None:
                break
            t, rgb = item
            if end_s is not None and t >= end_s:
                pending = item
                break
            if backend is None:
                backend = MediaPipeFaceMesh(min_detection_confidence=job.min_detection_confidence)
            points, n_faces = backend.process(rgb, t)
            if points is None:
                points = missing
            elif rgb.shape[1] != job.width or rgb.shape[0] != job.height:
                if scale is None:
                    sx = job.width / rgb.shape[1]
                    sy = job.height / rgb.shape[0]
                    scale = np.array([sx, sy, sx], dtype=np.float32)
                points = points * scale
            times.append(t)
            rows.append(points)
            counts.append(n_faces)
            scores.append(backend.last_detection_score)
            unreported += 1
            if unreported >= _REPORT_EVERY:
                report(unreported)
                unreported = 0
                if should_stop():
                    break
        if unreported:
            report(unreported)
    finally:
        if backend is not None:
            backend.close()
            _return_freed_memory()
    part = _Part(
        timestamps_s=np.asarray(times, dtype=np.float64),
        points=np.stack(rows) if rows else np.empty((0, N_POINTS, 3), dtype=np.float32),
        n_faces=np.asarray(counts, dtype=np.int8),
        detection_score=np.asarray(scores, dtype=np.float32),
    )
    return part, pending


def _join(parts: list[_Part], *, width: int, height: int) -> Landmarks:
    """Join the parts in time order, releasing each part once copied (memory stays ~1x)."""
    timestamps_s = np.concatenate([p.timestamps_s for p in parts])
    n_faces = np.concatenate([p.n_faces for p in parts])
    detection_score = np.concatenate([p.detection_score for p in parts])
    points = np.empty((timestamps_s.size, *parts[0].points.shape[1:]), dtype=np.float32)
    start = 0
    while parts:
        part = parts.pop(0)
        points[start : start + part.points.shape[0]] = part.points
        start += part.points.shape[0]
        del part
    points.setflags(write=False)  # Landmarks keeps a read-only float32 array without a copy
    return Landmarks(
        points=points,
        valid=~np.isnan(points[:, 0, 0]),
        timestamps_s=timestamps_s,
        width=width,
        height=height,
        n_faces=n_faces,
        detection_score=detection_score,
    )


def _return_freed_memory() -> None:
    """Give the memory of a closed FaceMesh graph back to the system (glibc keeps it otherwise).

    Without this a helper grows by about 1.5 MB per segment (measured: 40 graphs, 216 -> 276 MB;
    with it 214 -> 230 MB), so memory would grow with the video's length.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only; musl has none)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _load_libc()
