"""How a hospital runs the server: configuration errors (their own exit code, one line naming
the setting) and several server processes (``serve --workers``), refused where they would get in
each other's way."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import text

from hemispasm.cli import EXIT_CODES, main
from hemispasm.clinic.commands import check_server_processes
from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.settings import DATABASE_FILE
from hemispasm.errors import ConfigurationError
from tests.clinic.api.conftest import make_test_settings
from tests.clinic.conftest import POSTGRES_URL, postgres_schema_url, skip_or_fail_without_postgres
from tests.clinic.test_commands import _free_port

CONFIGURATION = EXIT_CODES[ConfigurationError]
PG = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ENVIRONMENT", "SECRET_KEY", "JOBS_URL", "EMBEDDED_WORKER"):
        monkeypatch.delenv(f"HEMISPASM_{name}", raising=False)


@pytest.mark.parametrize(
    ("environment", "named", "hidden"),
    [
        ({"HEMISPASM_ENVIRONMENT": "production"}, "HEMISPASM_SECRET_KEY must be set", None),
        (
            {"HEMISPASM_ENVIRONMENT": "production", "HEMISPASM_SECRET_KEY": "too-short-secret"},
            "HEMISPASM_SECRET_KEY must be set to at least 32 characters",
            "too-short-secret",
        ),
        (
            {"HEMISPASM_SESSION_HOURS": "twelve"},
            "HEMISPASM_SESSION_HOURS: Input should be a valid number",
            None,
        ),
        ({"HEMISPASM_ENVIRONMENT": "staging"}, "HEMISPASM_ENVIRONMENT: Input should be", None),
        (
            {"HEMISPASM_FORWARDED_ALLOW_IPS": "127.0.0.1, proxy.example.org"},
            "HEMISPASM_FORWARDED_ALLOW_IPS: must be IP addresses or networks",
            None,
        ),
    ],
)
def test_a_bad_setting_exits_with_the_configuration_code_and_one_line_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    named: str,
    hidden: str | None,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade", "--data", str(tmp_path)]) == CONFIGURATION == 13
    err = capsys.readouterr().err
    assert err.startswith("hemispasm: error: bad configuration: ") and err.count("\n") == 1
    assert named in err
    assert "internal error" not in err and "Traceback" not in err
    if hidden is not None:
        assert hidden not in err  # a secret is named, never repeated
    assert not (tmp_path / DATABASE_FILE).exists()


def test_a_bad_proxy_list_on_the_command_line_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--data", str(tmp_path), "--forwarded-allow-ips", "10.0.0.300"])
    assert code == CONFIGURATION
    assert "'10.0.0.300' is neither" in capsys.readouterr().err


def test_several_server_processes_are_refused_on_the_sqlite_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--data", str(tmp_path), "--workers", "2"]) == CONFIGURATION
    err = capsys.readouterr().err
    assert "serve --workers 2: the SQLite database lets one process write at a time" in err
    assert not (tmp_path / DATABASE_FILE).exists()  # refused before anything was done


def test_several_server_processes_are_refused_with_the_embedded_worker_on_the_sqlite_queue() -> (
    None
):
    settings = make_test_settings(database_url=PG)
    with pytest.raises(ConfigurationError, match="each server process would run its own"):
        check_server_processes(settings, 3)


def test_several_server_processes_share_a_redis_queue_or_leave_jobs_to_workers() -> None:
    with_redis = make_test_settings(
        database_url=PG,
        jobs_url="redis://127.0.0.1:6379/0",
        rate_limit_storage_url="redis://127.0.0.1:6379/1",
    )
    assert check_server_processes(with_redis, 4) == []
    without_worker = make_test_settings(database_url=PG, embedded_worker=False)
    (warning,) = check_server_processes(without_worker, 4)
    assert "may try up to 4 times the login limit" in warning
    assert check_server_processes(make_test_settings(), 1) == []  # the embedded default


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A new schema on the test PostgreSQL server (dropped afterwards); its URL."""
    skip_or_fail_without_postgres()
    schema = f"hs_workers_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.slow
def test_serve_with_two_workers_runs_two_processes_that_answer(
    tmp_path: Path, postgres_schema: str
) -> None:
    port = _free_port()
    environment = {
        "HEMISPASM_DATABASE_URL": postgres_schema,
        "HEMISPASM_EMBEDDED_WORKER": "false",
        "HEMISPASM_ARGON2_TIME_COST": "1",
        "HEMISPASM_ARGON2_MEMORY_KIB": "8",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "hemispasm.cli", "serve", "--data", str(tmp_path / "data")]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        answered = 0
        while answered < 5:
            try:
                url = f"http://127.0.0.1:{port}/api/v1/health"
                with urllib.request.urlopen(url, timeout=5) as r:
                    answered += r.status == 200
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.3)
        serving = [p for p in psutil.Process(server.pid).children(recursive=True) if p.is_running()]
        assert len([p for p in serving if "spawn" in " ".join(p.cmdline())]) >= 2
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "login limit" in output  # the warning about the per-process login count
    assert output.count("Application startup complete") == 2
