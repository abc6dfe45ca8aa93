"""The report's chart: eye closure and mouth corners over time, as inline SVG text.

Uses ``matplotlib.figure.Figure`` with the Agg canvas directly, so no pyplot state is touched and
the caller's backend is left alone.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hemispasm.analysis.types import Event, Measurements, SidePair

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies; each side also
# has its own line style so the chart still reads in greyscale print.
SIDE_STYLE: dict[str, dict[str, str]] = {
    "left": {"color": "#D55E00", "linestyle": "-", "label": "Subject's LEFT"},
    "right": {"color": "#0072B2", "linestyle": "--", "label": "Subject's RIGHT"},
    "both": {"color": "#CC79A7", "linestyle": ":", "label": "Both sides"},
}
UNUSABLE_COLOR = "#7f7f7f"
BLINK_COLOR = "#000000"

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # keep text as text: smaller, selectable, crisp
    "svg.hashsalt": "hemispasm",  # stable element ids: the same input gives the same file
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _shade_spans(
    ax: Axes, events: Sequence[Event], unusable_spans: Sequence[tuple[float, float]]
) -> None:
    for start, end in unusable_spans:
        ax.axvspan(
            start,
            end,
            facecolor="#e6e6e6",
            edgecolor=UNUSABLE_COLOR,
            hatch="///",
            linewidth=0,
            zorder=0,
        )
    for event in events:
        if event.kind == "spasm":
            color = SIDE_STYLE[event.side]["color"]
            ax.axvspan(event.start_s, event.end_s, color=color, alpha=0.18, linewidth=0, zorder=1)


def _baseline(signal: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """``signal`` minus its median over usable frames (NaN stays NaN)."""
    x = np.asarray(signal, dtype=np.float64)
    ok = usable & np.isfinite(x)
    if not ok.any():
        return np.full_like(x, np.nan)
    return x - float(np.median(x[ok]))


def _masked(signal: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """A float copy of ``signal`` with unusable frames set to NaN (gaps in the line)."""
    x = np.array(signal, dtype=np.float64)
    x[~usable] = np.nan
    return x


def closure_figure(
    measurements: Measurements,
    closure: SidePair,
    events: Sequence[Event],
    unusable_spans: Sequence[tuple[float, float]],
    *,
    closed_level: float = 0.5,
) -> Figure:
    """A two-panel figure: closure of both eyes (top) and both mouth corners (bottom) over time.

    A dotted line marks ``closed_level``, the closure counted as a closed eye.
    """
    t = np.asarray(measurements.timestamps_s, dtype=np.float64)
    usable = np.asarray(measurements.usable, dtype=bool)
    fig = Figure(figsize=(10.0, 5.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax_eye, ax_mouth = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3.0, 2.0]})

    for ax in (ax_eye, ax_mouth):
        _shade_spans(ax, events, unusable_spans)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)

    for side in ("left", "right"):  # dashed right on top keeps both visible
        style = SIDE_STYLE[side]
        ax_eye.plot(
            t,
            _masked(closure.side(side), usable),
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=1.3,
            label=f"{style['label']} eye",
            zorder=3,
        )
        ax_mouth.plot(
            t,
            _baseline(_masked(measurements.mouth_corner.side(side), usable), usable),
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=1.2,
            label=f"{style['label']} mouth corner",
            zorder=3,
        )

    ax_eye.axhline(closed_level, color="#555555", linewidth=0.8, linestyle=(0, (1, 3)), zorder=2)
    blink_peaks = [e.peak_s for e in events if e.kind == "blink"]
    if blink_peaks:
        ax_eye.plot(
            blink_peaks,
            np.full(len(blink_peaks), 1.12),
            linestyle="none",
            marker="v",
            markersize=6,
            color=BLINK_COLOR,
            zorder=4,
            clip_on=False,
        )
    ax_eye.set_ylim(-0.15, 1.2)
    ax_eye.set_yticks([0.0, 0.5, 1.0])
    ax_eye.set_yticklabels(["0 rest", "0.5", "1"])
    ax_eye.set_ylabel("Eye closure")
    ax_mouth.set_ylabel("Mouth corner\n(change from rest)")
    ax_mouth.set_xlabel("Time (s)")
    if t.size:
        ax_mouth.set_xlim(float(t[0]), float(t[-1]))

    handles = [
        Line2D([], [], **_line_kw("left"), label="Subject's LEFT"),
        Line2D([], [], **_line_kw("right"), label="Subject's RIGHT"),
        Patch(facecolor=SIDE_STYLE["left"]["color"], alpha=0.3, label="Spasm, left"),
        Patch(facecolor=SIDE_STYLE["right"]["color"], alpha=0.3, label="Spasm, right"),
        Line2D([], [], color=BLINK_COLOR, marker="v", linestyle="none", label="Blink (both eyes)"),
        Patch(facecolor="#e6e6e6", edgecolor=UNUSABLE_COLOR, hatch="///", label="Not usable"),
    ]
    if any(e.kind == "spasm" and e.side == "both" for e in events):
        handles.insert(
            4, Patch(facecolor=SIDE_STYLE["both"]["color"], alpha=0.3, label="Spasm, both")
        )
    ax_eye.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.04),
        ncol=4,
        frameon=False,
        fontsize=8.5,
        handlelength=2.6,
        borderaxespad=0.0,
    )
    return fig


def _line_kw(side: str) -> dict[str, Any]:
    style = SIDE_STYLE[side]
    return {"color": style["color"], "linestyle": style["linestyle"], "linewidth": 1.5}


_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def figure_to_svg(fig: Figure, *, title: str | None = None) -> str:
    """The figure as an ``<svg>`` element for inlining in HTML (no prologue, no external URLs).

    The namespace declarations are dropped: the HTML parser supplies them for inline SVG, and
    it keeps the report free of any ``http`` address.
    """
    buf = io.StringIO()
    metadata = {"Creator": None, "Date": None, "Format": None, "Type": None}
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata=metadata)
    svg = buf.getvalue()
    svg = _XML_PROLOGUE.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _NAMESPACES.sub("", svg)
    attrs = ' role="img"'
    if title:
        svg = svg.replace("<svg", f"<svg{attrs}", 1)
        head_end = svg.index(">") + 1
        escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        svg = f"{svg[:head_end]}\n<title>{escaped}</title>{svg[head_end:]}"
    return svg.strip()


def closure_chart_svg(
    measurements: Measurements,
    closure: SidePair,
    events: Sequence[Event],
    unusable_spans: Sequence[tuple[float, float]],
    *,
    closed_level: float = 0.5,
) -> str:
    """Inline SVG of :func:`closure_figure`."""
    with mpl.rc_context(_RC):
        fig = closure_figure(
            measurements, closure, events, unusable_spans, closed_level=closed_level
        )
    return figure_to_svg(
        fig,
        title="Eye closure and mouth-corner movement of both sides of the subject's face over time",
    )
