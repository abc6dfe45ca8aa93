"""A real server (``hemispasm serve`` in its own process, SQLite, in-process worker) and Debian's
Chromium driven by Playwright: what a clinic gets, seen through a browser.

The browser is ``/usr/bin/chromium`` (Debian's package; Playwright downloads nothing). Without it
the tests skip, unless ``HEMISPASM_REQUIRE_BROWSER=1`` (CI) makes that a failure. Screenshots of
the main pages go to ``test-artifacts/screenshots/`` (or ``HEMISPASM_ARTIFACTS_DIR``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hemispasm.clinic import commands
from hemispasm.clinic.settings import Settings
from tests.browser import REPO, require_browser, serious_violations
from tests.clinic.bodies import session_body

ARTIFACTS = Path(os.environ.get("HEMISPASM_ARTIFACTS_DIR", REPO / "test-artifacts"))
PASSWORD = "e2e password, long enough"
CLINIC = "Demo Clinic E2E"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """The running app and the people in it."""

    url: str
    data_dir: Path
    api_token: str = ""
    patients: dict[str, int] = field(default_factory=dict)
    last_session_on: date | None = None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the JSON API as the clinician (for setting the scene, not for what is tested)."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.api_token}"} if self.api_token else {}),
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")


SERVER_SETTINGS = {
    "environment": "test",
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8,
    "login_rate_limit": "200/minute",
}
"""Fast password hashing, and room for every browser suite's logins from the one test address
(the limit itself is tested in tests/clinic/web/test_login_limit.py); the rest as in production
(SQLite file, SQLite queue, embedded worker)."""


def _server_env(data_dir: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("HEMISPASM_")}
    own = {f"HEMISPASM_{k.upper()}": str(v) for k, v in SERVER_SETTINGS.items()}
    return inherited | own | {"HEMISPASM_DATA_DIR": str(data_dir)}


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")


def _add_user(settings: Settings, role: str, email: str, mrn: str | None = None) -> None:
    commands.add_user(
        settings, clinic=CLINIC, role=role, email=email, password=PASSWORD, patient_mrn=mrn
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``hemispasm serve`` on a fresh data folder: a clinician, an admin, two patients."""
    require_browser()
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    env = _server_env(data_dir)
    settings = Settings(
        **SERVER_SETTINGS,
        data_dir=data_dir,
        database_url=None,
        jobs_url=None,  # type: ignore[arg-type]
    )
    _add_user(settings, "clinician", "clinician@example.org")
    _add_user(settings, "admin", "admin@example.org")
    port = _free_port()
    log = data_dir.parent / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hemispasm",
                "serve",
                "--port",
                str(port),
                "--data",
                str(data_dir),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir)
    try:
        _wait_until_up(server.url, process, log)
        token = server.api(
            "POST", "/api/v1/auth/token", {"email": "clinician@example.org", "password": PASSWORD}
        )
        server.api_token = token["access_token"]
        for key in ("1", "2"):
            created = server.api(
                "POST",
                "/api/v1/patients",
                {
                    "mrn": f"E2E-000{key}",
                    "name": f"Demo Patient {key}",
                    "birth_date": "1961-04-02",
                },
            )
            server.patients[key] = created["id"]
            _add_user(settings, "patient", f"patient{key}@example.org", mrn=f"E2E-000{key}")
        # Patient 1 had an injection 60 days ago: a cycle to report on, a due date to show.
        server.last_session_on = date.today() - timedelta(days=60)
        server.api(
            "POST",
            f"/api/v1/patients/{server.patients['1']}/sessions",
            session_body(server.last_session_on),
        )
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    """A fresh browser tab (own cookies) at desktop size; console errors fail the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.console_errors = errors  # a test that expects a refusal clears the browser's report of it
    yield tab
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


@pytest.fixture(scope="session")
def sample_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two short synthetic face videos: one with left-sided spasms, one with only blinks."""
    folder = tmp_path_factory.mktemp("videos")
    made = {}
    for name, extra in (("spasms", []), ("calm", ["--no-spasms"])):
        out = folder / name
        subprocess.run(
            [sys.executable, "-m", "hemispasm", "synth", "--out", str(out), "--seed", "3",
             "--side", "left", "--duration", "8", "--size", "480x360", *extra],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        made[name] = out / "synthetic.mp4"
    return made


def log_in(page: Any, server: Server, email: str) -> None:
    """Log in through the login form."""
    page.goto(server.url + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    target = ARTIFACTS / "screenshots" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target


def check_page(page: Any, name: str) -> None:
    """Screenshot the page and assert that axe finds no serious or critical violation."""
    screenshot(page, name)
    violations = serious_violations(page)
    assert not violations, f"{name}: accessibility violations {json.dumps(violations, indent=1)}"
