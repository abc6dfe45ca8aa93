"""Fixtures of the upload tests (API and pages): a data folder of the test's own, a small upload
limit, long job leases, and sessions on the test's connection for reading back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import make_test_settings
from tests.clinic.conftest import session_on

MAX_UPLOAD_BYTES = 300_000


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared test settings, with a data folder of the test's own and a small upload limit."""
    return make_test_settings(
        data_dir=tmp_path / "data",
        max_upload_bytes=MAX_UPLOAD_BYTES,
        job_lease_s=120,
        job_lease_renew_s=60,
    )


@pytest.fixture
def sessions(connection: Connection) -> Callable[[], Session]:
    """New sessions on the test's connection (inside its transaction)."""
    return lambda: session_on(connection)
