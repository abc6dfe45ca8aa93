"""The clinic subcommands: db upgrade, user add, serve."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic.db.migrate import current_revision, head_revision
from hemispasm.clinic.settings import DATABASE_FILE

PASSWORD = "a long password 1"


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)
    monkeypatch.setenv("HEMISPASM_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("HEMISPASM_ARGON2_MEMORY_KIB", "8")


def _add(data: Path, monkeypatch: pytest.MonkeyPatch, password: str, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["user", "add", "--data", str(data), *args])


def test_db_upgrade_creates_the_sqlite_file_at_the_newest_revision(tmp_path: Path) -> None:
    assert main(["db", "upgrade", "--data", str(tmp_path / "d")]) == 0
    url = f"sqlite:///{tmp_path / 'd' / DATABASE_FILE}"
    assert current_revision(url) == head_revision()
    assert main(["db", "upgrade", "--data", str(tmp_path / "d")]) == 0  # idempotent


def test_user_add_creates_the_first_admin_and_refuses_a_second_with_the_same_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--clinic", "Demo Clinic", "--role", "admin", "--email", "Admin@Example.org")
    assert _add(tmp_path, monkeypatch, PASSWORD, *args) == 0
    assert "added admin admin@example.org" in capsys.readouterr().err
    assert _add(tmp_path, monkeypatch, PASSWORD, *args) == 12
    assert "email: an account for admin@example.org already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("password", "args", "message"),
    [
        ("short", ("--role", "clinician", "--email", "c@example.org"), "password: must be 10"),
        (PASSWORD, ("--role", "clinician", "--email", "not-an-address"), "email: is not"),
        (
            PASSWORD,
            ("--role", "patient", "--email", "p@example.org", "--patient-mrn", "X-1"),
            "patient: no patient with record number 'X-1'",
        ),
    ],
)
def test_user_add_refuses_bad_input_with_exit_code_11(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    password: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    assert _add(tmp_path, monkeypatch, password, "--clinic", "Demo Clinic", *args) == 11
    assert message in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_migrates_and_answers_health(tmp_path: Path) -> None:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "hemispasm.cli",
        "serve",
        "--data",
        str(tmp_path),
        "--port",
        str(port),
    ]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/patients")
        denied.value.close()
        assert denied.value.code == 401
        assert (tmp_path / DATABASE_FILE).exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
