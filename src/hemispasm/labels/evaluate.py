"""Score the analyzer against a folder of hand-labelled videos: the figures of the README's table.

For each ``*.labels.json`` in a folder, the video it names is found (beside the label file, or in
the folders given), checked against its SHA-256, analysed (optionally at a lower frame rate, by
keeping every n-th frame) and scored with the project's one matching rule
(:func:`hemispasm.analysis.evaluation.match_events`). Stretches a label file excludes count
neither way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemispasm.analysis.evaluation import KindScore, match_events, outside_spans
from hemispasm.analysis.signals import median_frame_interval
from hemispasm.analysis.types import EventKind, Side
from hemispasm.errors import InvalidParameterError, VideoReadError
from hemispasm.labels.format import LabelFile, find_label_files, read_labels
from hemispasm.video.reader import sha256_of


@dataclass(frozen=True, eq=False)
class VideoScore:
    """One labelled video, analysed and scored."""

    name: str
    labels: LabelFile
    keep_every: int
    fps: float
    scored_minutes: float
    """Usable time outside the excluded stretches (min)."""
    spasm: KindScore
    blink: KindScore
    affected_side: Side | None
    affected_side_reason: str

    @property
    def false_spasms_per_min(self) -> float:
        """Spasms found that no label matches, per scored minute."""
        n = len(self.spasm.false_positives)
        return n / self.scored_minutes if self.scored_minutes > 0 else 0.0

    @property
    def side_right(self) -> bool:
        """The affected side found is the labelled one (None for a healthy face)."""
        return self.affected_side == self.labels.subject.affected_side


def pooled(scores: Sequence[VideoScore], kind: EventKind) -> KindScore:
    """One kind's matches pooled over several videos (counts added, then F1)."""
    parts = [s.spasm if kind == "spasm" else s.blink for s in scores]
    return KindScore(
        kind=kind,
        matches=tuple(m for p in parts for m in p.matches),
        false_positives=tuple(e for p in parts for e in p.false_positives),
        false_negatives=tuple(e for p in parts for e in p.false_negatives),
    )


def locate_video(label_path: Path, labels: LabelFile, search: Sequence[Path] = ()) -> Path:
    """The labelled video: beside the label file, or in one of ``search``; checked by SHA-256.

    Raises
    ------
    VideoReadError
        It is nowhere to be found, or a file of that name has other content.
    """
    name = labels.video.file
    for folder in (label_path.parent, *search):
        candidate = Path(folder) / name
        if candidate.is_file():
            digest = sha256_of(candidate)
            if digest != labels.video.sha256:
                raise VideoReadError(
                    f"{candidate}: its SHA-256 is {digest}, but {label_path.name} labels "
                    f"{labels.video.sha256}: not the labelled video"
                )
            return candidate
    where = ", ".join(str(p) for p in (label_path.parent, *search))
    raise VideoReadError(f"{label_path}: the labelled video {name} is not in {where}")


def score_video(
    label_path: Path,
    *,
    search: Sequence[Path] = (),
    keep_every: int = 1,
    workers: int = 2,
    use_cache: bool = True,
    cache_dir: Path | None = None,
) -> VideoScore:
    """Analyse one labelled video (every ``keep_every``-th frame) and score it."""
    from hemispasm.pipeline import analyze_video
    from hemispasm.video.decimate import decimate_video

    labels = read_labels(label_path)
    video = locate_video(label_path, labels, search)
    with tempfile.TemporaryDirectory(prefix="hemispasm-evaluate-") as tmp:
        if keep_every > 1:
            video = decimate_video(video, Path(tmp) / f"{video.stem}.mp4", keep_every=keep_every)
        analysis = analyze_video(video, workers=workers, use_cache=use_cache, cache_dir=cache_dir)
    excluded = labels.excluded_spans()
    found = outside_spans(analysis.events, excluded)
    truth = outside_spans(labels.truth(), excluded)
    m = analysis.measurements
    t = m.timestamps_s
    usable = np.array(m.usable, dtype=bool)
    for lo, hi in excluded:
        usable &= ~((t >= lo) & (t <= hi))
    dt = median_frame_interval(t)
    return VideoScore(
        name=label_path.name.removesuffix(".labels.json"),
        labels=labels,
        keep_every=keep_every,
        fps=1.0 / dt if dt > 0 else 0.0,
        scored_minutes=float(usable.sum()) * dt / 60.0,
        spasm=match_events(found, truth, kind="spasm"),
        blink=match_events(found, truth, kind="blink"),
        affected_side=analysis.metrics.affected_side,
        affected_side_reason=analysis.metrics.affected_side_reason,
    )


def evaluate_folder(
    folder: Path,
    *,
    search: Sequence[Path] = (),
    keep_every: Sequence[int] = (1,),
    workers: int = 2,
    use_cache: bool = True,
    cache_dir: Path | None = None,
) -> list[VideoScore]:
    """Score every labelled video of ``folder``, at each frame-rate step of ``keep_every``."""
    for n in keep_every:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidParameterError(f"keep_every must hold integers >= 1, but got {n!r}")
    return [
        score_video(
            path,
            search=search,
            keep_every=n,
            workers=workers,
            use_cache=use_cache,
            cache_dir=cache_dir,
        )
        for path in find_label_files(folder)
        for n in keep_every
    ]


def fps_band(fps: float) -> str:
    """The frame-rate band a figure is reported in."""
    if fps >= 23.5:  # 23.976 fps film and phone rates count as 24
        return ">= 24 fps"
    if fps >= 14:
        return "14-23 fps"
    if fps >= 11.5:
        return "12-13 fps"
    return "< 12 fps"


def table_rows(scores: Sequence[VideoScore]) -> list[list[str]]:
    """The rows of the evaluation table: one per video and frame rate, then one per band."""

    def counts(k: KindScore) -> str:
        return f"{len(k.matches)}/{len(k.false_positives)}/{len(k.false_negatives)}"

    def side(s: VideoScore) -> str:
        want = s.labels.subject.affected_side or "none"
        return f"{s.affected_side or 'none'} (labelled {want})"

    rows = []
    for s in scores:
        rows.append(
            [
                s.name + ("" if s.keep_every == 1 else f", 1 frame in {s.keep_every}"),
                f"{s.fps:.1f}",
                f"{s.scored_minutes * 60:.1f}",
                counts(s.spasm),
                f"{s.false_spasms_per_min:.2f}",
                counts(s.blink),
                f"{s.blink.f1:.3f}",
                side(s),
            ]
        )
    for band in (">= 24 fps", "14-23 fps", "12-13 fps", "< 12 fps"):
        group = [s for s in scores if fps_band(s.fps) == band]
        if not group:
            continue
        spasm, blink = pooled(group, "spasm"), pooled(group, "blink")
        minutes = sum(s.scored_minutes for s in group)
        sides = sum(s.side_right for s in group)
        rows.append(
            [
                f"**all at {band}**",
                "",
                f"{minutes * 60:.1f}",
                counts(spasm),
                f"{len(spasm.false_positives) / minutes if minutes else 0.0:.2f}",
                counts(blink),
                f"{blink.f1:.3f}",
                f"{sides}/{len(group)} right",
            ]
        )
    return rows


TABLE_HEADER = [
    "video",
    "fps",
    "scored s",
    "spasms m/f/x",
    "false spasms/min",
    "blinks m/f/x",
    "blink F1",
    "affected side",
]


def markdown_table(scores: Sequence[VideoScore]) -> str:
    """The evaluation table in Markdown, as quoted in the README."""
    lines = [
        "| " + " | ".join(TABLE_HEADER) + " |",
        "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(TABLE_HEADER))) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(scores)]
    return "\n".join(lines)
