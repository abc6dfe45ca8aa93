"""MediaPipe FaceMesh landmark indices of the regions the analysis measures, per subject side.

One table for the whole project: the analysis (``measurements``), the synthetic face (``synth``)
and the annotated video (``report``) all read their lid, eye-corner, brow, cheek and mouth-corner
indices from here. Indices are of the canonical 468-point mesh (478 with the refined irises),
checked against a FaceMesh run; sides are the subject's (FaceMesh's "left" is the subject's left,
on the right of an un-mirrored image).
"""

from __future__ import annotations

from hemispasm.analysis.types import Side

EYE_CORNERS: dict[Side, tuple[int, int]] = {"right": (33, 133), "left": (263, 362)}
"""(outer, inner) corner of each eye."""
UPPER_LID: dict[Side, tuple[int, ...]] = {
    "right": (246, 161, 160, 159, 158, 157, 173),
    "left": (466, 388, 387, 386, 385, 384, 398),
}
"""Upper-lid points, outer to inner."""
LOWER_LID: dict[Side, tuple[int, ...]] = {
    "right": (7, 163, 144, 145, 153, 154, 155),
    "left": (249, 390, 373, 374, 380, 381, 382),
}
"""Lower-lid points, outer to inner; the i-th lies straight below the i-th upper-lid point."""
BROW: dict[Side, tuple[int, ...]] = {"right": (105, 66, 107), "left": (334, 296, 336)}
"""Middle of the brow, above the eye."""
CHEEK: dict[Side, tuple[int, ...]] = {
    "right": (117, 118, 119, 101, 50),
    "left": (346, 347, 348, 330, 280),
}
"""Infraorbital cheek points (lifted by a spasm of the lower lid and zygomaticus)."""
MOUTH_CORNER: dict[Side, int] = {"right": 61, "left": 291}
IRIS_CENTRE: dict[Side, int] = {"right": 468, "left": 473}
"""The centre of the iris (refined landmarks; checked: 468 sits between 33 and 133)."""
"""The corner of the mouth (cheilion)."""


def eye_contour(side: Side) -> tuple[int, ...]:
    """The eye's outline as a closed loop: outer corner, lower lid, inner corner, upper lid back.

    Examples
    --------
    >>> eye_contour("right")[:3]
    (33, 7, 163)
    """
    outer, inner = EYE_CORNERS[side]
    return (outer, *LOWER_LID[side], inner, *reversed(UPPER_LID[side]))


__all__ = ["BROW", "CHEEK", "EYE_CORNERS", "LOWER_LID", "MOUTH_CORNER", "UPPER_LID", "eye_contour"]
