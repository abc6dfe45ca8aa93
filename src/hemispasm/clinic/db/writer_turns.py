"""Turns at SQLite's write lock for the threads of one process, first come first served.

SQLite makes a transaction that finds the write lock taken sleep and try again (its busy
handler sleeps 1 ms, then longer, up to 100 ms a time). Under load that is unfair and slow: a
thread may sleep through many turns while others barge in, and a request waits hundreds of
milliseconds for a lock that is free most of the time. Within one process the threads can do
better: they queue here, and each is woken the moment the one before it is done. SQLite's busy
timeout still rules between processes (a ``hemispasm worker``, a backup).
"""

from __future__ import annotations

import threading
from collections import deque


class WriterTurns:
    """A first-in, first-out lock: ``take`` waits for this thread's turn, ``give_back`` hands
    the turn to the longest waiting thread."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._taken = False

    @property
    def waiting(self) -> int:
        """How many threads wait for a turn now."""
        with self._guard:
            return len(self._waiting)

    def take(self, timeout_s: float) -> bool:
        """Wait for the turn, at most ``timeout_s``; whether it was given."""
        with self._guard:
            if not self._taken:
                self._taken = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout_s):
            return True
        with self._guard:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def give_back(self) -> None:
        """End this turn: the next waiting thread has it at once (the lock stays taken)."""
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._taken = False
