"""The append-only audit log: every read and write of patient data, every account event, every
refused access to patient data; each row chained to the one before it.

Each row stores ``prev_hash``, the ``row_hash`` of the row before it (by id), and its own
``row_hash``: the SHA-256 of its canonical content (``canonical_content``) and ``prev_hash``. An
edited row no longer matches its hash, a deleted row leaves its successor pointing at a hash
that is not there, and an inserted row does not fit between its neighbours. ``verify_chain``
walks the rows and names every break.

The chain stays linear under concurrency: a row is appended while its transaction holds the only
right to append. On SQLite that is the write lock every transaction of the app takes at its start
(``BEGIN IMMEDIATE``, see ``db.engine``); on PostgreSQL a transaction-scoped advisory lock. A use
case's audit rows are kept aside in its session and appended just before it commits (a savepoint
or transaction rolled back drops its own), so on PostgreSQL the lock is held only for those last
inserts and the commit, and a transaction holding it never waits for a row lock (no deadlock with
one that locked rows first). ``prev_hash`` is unique as a last guard: a second row linking to the
same predecessor is refused by the database.

Whoever can rewrite the database can also recompute every hash after the rows they changed: the
chain proves the log unchanged since a known last hash. ``verify`` prints that hash, so that it
can be noted elsewhere (a ticket, the backup log) and compared later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, RowMapping, event, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from hemispasm.clinic.db.base import utcnow
from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.services.actor import Actor

CHAIN_TAG = "hemispasm.audit/1"
"""Names the canonical form; a new form would need a new tag (and rows of both kinds verified)."""
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first row."""
CHAIN_COLUMNS = (
    "at",
    "user_id",
    "clinic_id",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "client_address",
    "request",
    "detail",
)
"""The columns a row's hash covers, in this order (then ``prev_hash``)."""
AUDIT_CHAIN_LOCK_ID = 0x4853_4155
"""The PostgreSQL advisory lock held by a transaction that appends to the chain."""
REFUSALS = "hemispasm_audit_refusals"
"""Key in ``Session.info``: refusals noted by the access checks, written after the rollback."""
PENDING = "hemispasm_audit_pending"
"""Key in ``Session.info``: audit rows waiting for their transaction's commit, each with the
(innermost) transaction it was recorded in."""


# --- canonical form -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as JSON data: dates and times in ISO 8601, enums by value, sets sorted."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def detail_text(detail: Mapping[str, Any] | None) -> str | None:
    """The canonical JSON text stored in ``AuditEvent.detail`` (sorted keys, no spaces)."""
    if detail is None:
        return None
    return json.dumps(_plain(detail), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def timestamp_text(value: datetime) -> str:
    """A time as the chain hashes it: UTC, to the microsecond, ending in ``Z``."""
    if value.tzinfo is None:  # SQLite keeps no zone: stored times are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(row: Mapping[str, Any], prev_hash: str) -> str:
    """The text a row's hash is taken of: its ``CHAIN_COLUMNS`` and ``prev_hash`` as JSON."""
    values = [timestamp_text(row["at"]) if c == "at" else row[c] for c in CHAIN_COLUMNS]
    return json.dumps([CHAIN_TAG, *values, prev_hash], separators=(",", ":"), ensure_ascii=True)


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    """The SHA-256 (hex) of the row's canonical content."""
    return hashlib.sha256(canonical_content(row, prev_hash).encode("ascii")).hexdigest()


# --- appending ----------------------------------------------------------------------------------


def _take_append_turn(conn: Connection) -> None:
    """Hold the right to append until the transaction ends (SQLite: already held)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": AUDIT_CHAIN_LOCK_ID})


def append_row(conn: Connection, values: Mapping[str, Any]) -> None:
    """Append one row (``CHAIN_COLUMNS`` in ``values``) to the chain, in the current transaction."""
    _take_append_turn(conn)
    last = conn.execute(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = GENESIS_HASH if last is None else (last[0] or GENESIS_HASH)
    row = {c: values.get(c) for c in CHAIN_COLUMNS}
    conn.execute(
        insert(AuditEvent).values(**row, prev_hash=prev_hash, row_hash=row_hash(row, prev_hash))
    )


def record_event(
    db: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    *,
    entity_id: int | None = None,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    client_address: str | None = None,
    request: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add one audit row to the current transaction: it is appended to the chain when the
    transaction commits, and dropped with it (or with the savepoint it was recorded in).

    ``detail`` is stored as canonical JSON: ``{"changes": {field: {"before", "after"}}}`` for
    an update, ``{"patient_ids": [...]}`` for a list, ``{"status", "reason"}`` for a refusal.
    """
    db.connection()  # begins the transaction (SQLite: takes the write lock) if not yet begun
    transaction = db.get_nested_transaction() or db.get_transaction()
    db.info.setdefault(PENDING, []).append(
        (
            transaction,
            {
                "at": utcnow(),
                "user_id": actor.user_id if actor else None,
                "clinic_id": actor.clinic_id if actor else clinic_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "patient_id": patient_id,
                "client_address": actor.client_address if actor else client_address,
                "request": ((actor.request if actor else request) or "")[:300] or None,
                "detail": detail_text(detail),
            },
        )
    )


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    """Append the rows recorded in the committing transaction (plain INSERTs: cheaper than a
    unit-of-work flush on every read)."""
    pending = session.info.pop(PENDING, None)
    if pending:
        conn = session.connection()
        for _transaction, values in pending:
            append_row(conn, values)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the rows recorded in a transaction or savepoint that was rolled back."""
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [p for p in pending if not _within(p[0], previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    """A session's transaction ended without a commit (closed): nothing recorded in it stays."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs, each with its value before and after."""
    return {
        key: {"before": before.get(key), "after": value}
        for key, value in after.items()
        if before.get(key) != value
    }


# --- refusals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Access to patient data that was refused: who, to what, and the answer's status."""

    actor: Actor
    action: str
    entity: str
    status: int
    reason: str
    patient_id: int | None = None
    entity_id: int | None = None


def note_refusal(db: Session, refusal: Refusal) -> None:
    """Keep ``refusal`` for ``write_refusals``: the refused use case's transaction is rolled
    back, and the refusal must outlive it."""
    db.info.setdefault(REFUSALS, []).append(refusal)


def has_refusals(db: Session) -> bool:
    """Whether refusals wait to be written."""
    return bool(db.info.get(REFUSALS))


def write_refusals(db: Session) -> int:
    """Roll back whatever is open, then store the noted refusals in a transaction of their own;
    how many were written."""
    refusals: list[Refusal] = db.info.pop(REFUSALS, [])
    if not refusals:
        return 0
    db.rollback()
    for r in refusals:
        record_event(
            db,
            r.actor,
            "refused",
            r.entity,
            entity_id=r.entity_id,
            patient_id=r.patient_id,
            detail={"attempted": r.action, "status": r.status, "reason": r.reason[:300]},
        )
    db.commit()
    return len(refusals)


# --- verifying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """A place where the chain does not hold."""

    row_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """What a walk over the chain found."""

    rows: int
    last_id: int | None
    last_hash: str | None
    breaks: list[ChainBreak]
    first_id: int | None = None

    @property
    def intact(self) -> bool:
        """Whether every row is where and as it was written."""
        return not self.breaks

    def describe(self) -> list[str]:
        """The report in lines: each break, then the verdict with the first and last ids and the
        last row's hash (note them elsewhere: the chain cannot show rows cut from either end)."""
        lines = [f"audit row {b.row_id}: {b.problem}" for b in self.breaks]
        if self.intact:
            last = (
                f" (ids {self.first_id} to {self.last_id}); last hash {self.last_hash}"
                if self.rows
                else ""
            )
            lines.append(f"audit log intact: {self.rows} rows{last}")
        else:
            lines.append(f"audit log BROKEN: {len(self.breaks)} problems in {self.rows} rows")
        return lines


def _rows(conn: Connection, batch: int = 5000) -> Iterator[RowMapping]:
    columns = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash] + [
        getattr(AuditEvent, c) for c in CHAIN_COLUMNS
    ]
    after = None
    while True:
        query = select(*columns).order_by(AuditEvent.id).limit(batch)
        if after is not None:
            query = query.where(AuditEvent.id > after)
        rows = conn.execute(query).mappings().all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1]["id"]


def verify_chain(conn: Connection) -> ChainReport:
    """Walk the audit rows in id order and report every row that was edited, deleted or added.

    - edited: the row's content no longer gives its ``row_hash``;
    - deleted: the next row's ``prev_hash`` is not the hash of the row now before it;
    - added: its ``prev_hash`` or its ``row_hash`` does not fit where it stands.
    """
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    count = 0
    first_id: int | None = None
    last_id: int | None = None
    last_hash: str | None = None
    for row in _rows(conn):
        count += 1
        row_id = int(row["id"])
        first_id = row_id if first_id is None else first_id
        stored_prev, stored_hash = row["prev_hash"], row["row_hash"]
        if stored_prev is None or stored_hash is None:
            breaks.append(ChainBreak(row_id, "no hash: added outside the app, or never chained"))
        else:
            if stored_prev != expected_prev:
                what = (
                    "the first row does not start the chain: rows before it were deleted"
                    if last_id is None
                    else f"does not follow row {last_id}: rows between them were deleted, "
                    "or this row was added"
                )
                breaks.append(ChainBreak(row_id, what))
            if row_hash(dict(row), stored_prev) != stored_hash:
                breaks.append(
                    ChainBreak(row_id, "its content does not match its hash: edited, or added")
                )
        expected_prev = stored_hash or ""
        last_id, last_hash = row_id, stored_hash
    return ChainReport(count, last_id, last_hash, breaks, first_id)
