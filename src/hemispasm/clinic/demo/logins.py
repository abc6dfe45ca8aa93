"""The demo's three accounts, and its logins file: e-mail addresses and passwords, readable by its
owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import User
from hemispasm.clinic.domain.vocab import Role
from hemispasm.errors import ConflictError, OutputError

LOGINS_FILE = "demo-logins.txt"
ACCOUNTS = (
    (Role.ADMIN, "demo-admin@example.org", "Demo Admin"),
    (Role.CLINICIAN, "demo-clinician@example.org", "Demo Clinician"),
    (Role.PATIENT, "demo-patient@example.org", "Demo Patient 1"),
)


def read_logins(path: Path) -> dict[str, str]:
    """E-mail address -> password from a logins file; empty when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc}") from exc
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            out[parts[1]] = parts[2]
    return out


def write_logins(path: Path, logins: Mapping[str, tuple[Role, str]]) -> None:
    """Write e-mail -> (role, password) readable by the owner only (0600), whole or not at all."""
    lines = [
        "# Logins of the hemispasm demo clinic: made-up records, for trying the app locally.",
        "# role       e-mail                         password",
        *(f"{role.value:<12} {email:<30} {pw}" for email, (role, pw) in logins.items()),
    ]
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when a stale temporary file was there with other modes
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        temporary.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc


def make_owner_only(path: Path) -> bool:
    """Make an existing logins file readable by its owner only; whether its mode changed."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if mode == 0o600:
        return False
    path.chmod(0o600)
    return True


def demo_user(db: Session, clinic_id: int, role: Role, email: str) -> User | None:
    """The demo account, if it exists; refused when that address belongs to someone else."""
    user = db.scalars(select(User).where(User.email == email)).first()
    if user is not None and (user.clinic_id != clinic_id or user.role is not role):
        raise ConflictError(
            "email", f"{email} is an account of another clinic or role; the demo needs it"
        )
    return user
