"""Who is acting, from where, and what day it is for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hemispasm.clinic.domain.vocab import Role


@dataclass(frozen=True)
class Actor:
    """The logged-in user behind a use case (or a command-line operator when user_id is None)."""

    user_id: int | None
    clinic_id: int
    role: Role
    patient_id: int | None = None
    client_address: str | None = None
    request: str | None = None
    """Method and path of the HTTP request, or the command, for the audit log."""
    today: date | None = None
    """The caller's date; use cases that need "today" refuse to run without it."""

    def on(self) -> date:
        """Today's date for this request."""
        if self.today is None:
            raise RuntimeError("this use case needs Actor.today")
        return self.today
