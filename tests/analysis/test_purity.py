"""The analysis core imports NumPy, SciPy and the standard library only."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hemispasm.analysis

FORBIDDEN = ("cv2", "mediapipe", "av", "sqlalchemy", "fastapi", "matplotlib", "skimage")
MODULES = tuple(
    sorted(m.name for m in pkgutil.iter_modules(hemispasm.analysis.__path__, "hemispasm.analysis."))
)


def test_the_module_list_covers_the_whole_core() -> None:
    assert {"hemispasm.analysis.events", "hemispasm.analysis.facemesh"} <= set(MODULES)


def test_importing_the_analysis_core_loads_no_model_video_or_web_library() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
