"""Valid request bodies that tests start from (and spoil, or change a field of)."""

from __future__ import annotations

from datetime import date
from typing import Any


def site(
    muscle: str = "orbicularis_oculi_pretarsal_upper", side: str = "left", units: Any = 2.5
) -> dict[str, Any]:
    """One injected site."""
    return {"muscle": muscle, "side": side, "units": units}


def session_body(on: date | str = "2026-05-01", **changes: Any) -> dict[str, Any]:
    """A valid session on ``on`` (two sites on the left eyelids, 2.5 U each), changed by
    ``changes``; dates among the changes may be given as ``date``."""
    body: dict[str, Any] = {
        "session_on": on.isoformat() if isinstance(on, date) else on,
        "product": "onabotulinumtoxinA",
        "dilution_units_per_0_1_ml": 2.5,
        "sites": [site(), site("orbicularis_oculi_pretarsal_lower")],
    }
    return body | {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
