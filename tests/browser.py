"""Debian's Chromium through Playwright, and axe-core from npm: what every browser test shares.

The browser is ``/usr/bin/chromium`` (or ``HEMISPASM_CHROMIUM``); Playwright downloads nothing.
Without it, or without ``node_modules/axe-core`` (``npm ci``, as ``make install`` runs it), the
tests skip, unless ``HEMISPASM_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.clinic.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("HEMISPASM_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
SERIOUS = ("serious", "critical")


def require_browser() -> None:
    """Skip (or, in CI, fail) the test when Chromium or axe-core is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (Debian package 'chromium')"
    elif not AXE_JS.exists():
        reason = f"no axe-core at {AXE_JS} (run 'npm ci', as 'make install' does)"
    skip_or_fail(reason, required_by="HEMISPASM_REQUIRE_BROWSER")


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
