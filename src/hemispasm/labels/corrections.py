"""Events a clinician reviewed, as hand labels (``hemispasm.labels/1``).

A clinic that corrects the analyzer's events in its web report exports them in the same format as
the project's own hand labels, so that every clinic's corrected videos become labelled data that
``hemispasm evaluate`` can score against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemispasm.analysis.types import Event
from hemispasm.labels.format import (
    ExcludedSpan,
    LabelFile,
    LabelledEvent,
    LabelledSubject,
    LabelledVideo,
    LabelSource,
)


@dataclass(frozen=True)
class ReviewedLabel:
    """One event to export and how it came to be: ``note`` says whether a clinician confirmed,
    relabelled or added it, or left it as detected."""

    event: Event
    note: str = ""


def labels_from_review(
    events: Sequence[ReviewedLabel],
    *,
    video_file: str,
    sha256: str,
    subject: LabelledSubject,
    labelled_by: str,
    method: str,
    timestamps_s: np.ndarray | None = None,
    fps: float | None = None,
    excluded: Sequence[tuple[float, float, str]] = (),
    source: LabelSource | None = None,
) -> LabelFile:
    """The label file of one reviewed video.

    Parameters
    ----------
    events : sequence of ReviewedLabel
        The events as they stand after the review (rejected ones left out).
    video_file, sha256 : str
        The video's file name and the SHA-256 of its content (64 lowercase hex digits).
    subject : LabelledSubject
        Healthy, or HFS of one side.
    labelled_by, method : str
        Who labelled (a role, not a person's name) and how.
    timestamps_s : array of shape (T,), optional
        The presentation time of every decoded frame; with it, each event's start, end and peak
        become the frames nearest its times: their indices, and their presentation times as the
        times (as the format defines them).
    fps : float, optional
        The video's frame rate, for the record.
    excluded : sequence of (start_s, end_s, reason)
        Stretches not to score (the face could not be measured).

    Raises
    ------
    pydantic.ValidationError
        An event or field the format refuses (a blink of one eye, an end before the start, ...).
    """
    frames = None if timestamps_s is None else np.asarray(timestamps_s, dtype=np.float64)

    def frame_of(t: float) -> tuple[int | None, float]:
        """The nearest frame's index and time; no index (and ``t`` itself) without frames."""
        if frames is None or frames.size == 0:
            return None, round(t, 4)
        i = int(np.argmin(np.abs(frames - t)))
        return i, round(float(frames[i]), 4)

    labelled = []
    for item in sorted(events, key=lambda x: x.event.start_s):
        e = item.event
        complete = None
        if e.kind == "blink" and e.type in ("complete", "incomplete"):
            complete = e.type == "complete"
        (start_frame, start_s), (end_frame, end_s) = frame_of(e.start_s), frame_of(e.end_s)
        peak_frame, peak_s = frame_of(e.peak_s)
        labelled.append(
            LabelledEvent(
                kind=e.kind,
                side=e.side,
                start_s=start_s,
                end_s=end_s,
                peak_s=peak_s,
                start_frame=start_frame,
                end_frame=end_frame,
                peak_frame=peak_frame,
                type=e.type,
                complete=complete,
                note=item.note,
            )
        )
    return LabelFile(
        format="hemispasm.labels/1",
        video=LabelledVideo(
            file=video_file,
            sha256=sha256,
            frames=None if frames is None or frames.size == 0 else int(frames.size),
            fps=fps if fps is not None and fps > 0 else None,
        ),
        source=source or LabelSource(),
        subject=subject,
        labelled_by=labelled_by,
        method=method,
        excluded=tuple(
            ExcludedSpan(start_s=round(a, 4), end_s=round(b, 4), reason=why)
            for a, b, why in excluded
        ),
        events=tuple(labelled),
    )
