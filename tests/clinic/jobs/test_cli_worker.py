"""``hemispasm worker``: parsing, and what it does when the database cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic import commands
from hemispasm.clinic.settings import Settings


def test_worker_runs_a_worker_on_the_data_folder_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HEMISPASM_DATABASE_URL", raising=False)
    ran: list[Settings] = []
    monkeypatch.setattr(commands, "run_worker", lambda settings: ran.append(settings))

    assert main(["worker", "--data", str(tmp_path / "d")]) == 0

    [settings] = ran
    assert settings.data_dir == tmp_path / "d"


def test_worker_reports_a_database_it_cannot_reach_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEMISPASM_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")

    assert main(["worker", "--data", str(tmp_path)]) == 10

    err = capsys.readouterr().err
    assert "hemispasm: error: cannot migrate the database postgresql+psycopg://nobody@" in err
    assert "Traceback" not in err
