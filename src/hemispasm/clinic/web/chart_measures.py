"""The severity measures the timeline shows: how each is named, scaled and drawn.

Pure: the four measures (own rating, Jankovic total, and the two video estimates) with their
colours, line dashes and marker shapes, and the SVG path of each marker shape, shared by the
server-drawn timeline (``chart_svg``) and the legend. No dates and no data here.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKER_SIZE = 4.5


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; the page translates it (no Babel here)."""
    return message


@dataclass(frozen=True)
class MeasureSpec:
    """How one severity measure is named, scaled and drawn (colour and marker shape together,
    so that no reader depends on telling the colours apart)."""

    key: str
    label: str
    """The full name, for the legend and the table's column (marked in ``vocab_labels``)."""
    short: str
    """The axis title (marked here with ``N_``; pages translate it)."""
    unit: str
    y_max: float | None
    """The top of the scale; None to fit the data."""
    decimals: int
    colour: str
    marker: str
    """circle, triangle, square or diamond."""
    dash: tuple[int, ...] = ()

    @property
    def key_path(self) -> str:
        """The marker in a 28 x 16 legend key."""
        return marker_path(self.marker, 14, 8)

    def format(self, value: float) -> str:
        """``value`` as the tables print it."""
        number = f"{value:.{self.decimals}f}"
        return f"{number} %" if self.unit == "%" else number


# Okabe-Ito blue and vermillion, Tol's purple and a dark brown: all at least 3:1 on white.
RATING = MeasureSpec(
    "rating", "Own rating (0 none, 10 worst)", N_("Own rating"), "", 10, 0, "#0072B2", "circle"
)
JANKOVIC = MeasureSpec(
    "jankovic", "Jankovic total (0-8)", N_("Jankovic"), "", 8, 0, "#D55E00", "triangle", (6, 4)
)
SPASMS = MeasureSpec(
    "spasms",
    "Spasms per minute (video estimate)",
    N_("Spasms / min"),
    N_("per min"),
    None,
    1,
    "#882E72",
    "square",
    (2, 3),
)
CLOSED = MeasureSpec(
    "closed",
    "% of time the affected eye was mostly closed by spasms (video estimate)",
    N_("% eye closed"),
    "%",
    100,
    0,
    "#6B4400",
    "diamond",
    (8, 3, 2, 3),
)


def marker_path(shape: str, x: float, y: float, size: float = MARKER_SIZE) -> str:
    """The ``d`` of an SVG path drawing ``shape`` centred on (x, y)."""
    s = size

    def f(v: float) -> str:
        return f"{v:.1f}"

    if shape == "circle":
        arc = f"a{f(s)} {f(s)} 0 1 0"
        return f"M{f(x - s)} {f(y)}{arc} {f(2 * s)} 0{arc} {f(-2 * s)} 0z"
    if shape == "triangle":
        low = f(y + s * 0.85)
        return f"M{f(x)} {f(y - s * 1.15)}L{f(x + s)} {low}L{f(x - s)} {low}z"
    if shape == "square":
        k = s * 0.85
        return f"M{f(x - k)} {f(y - k)}h{f(2 * k)}v{f(2 * k)}h{f(-2 * k)}z"
    if shape == "diamond":
        k = s * 1.2
        return f"M{f(x)} {f(y - k)}L{f(x + k)} {f(y)}L{f(x)} {f(y + k)}L{f(x - k)} {f(y)}z"
    raise ValueError(f"shape must be circle, triangle, square or diamond, but got {shape!r}")
