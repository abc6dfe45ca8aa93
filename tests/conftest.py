"""Shared fixtures: synthetic videos are made once per test session and analysed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide folder for generated videos."""
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the user's landmark cache."""
    monkeypatch.setenv("HEMISPASM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
