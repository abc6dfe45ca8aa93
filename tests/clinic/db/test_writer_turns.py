"""Turns at the write lock: first come, first served; a wait that runs out leaves the queue."""

from __future__ import annotations

import threading
import time

from hemispasm.clinic.db.writer_turns import WriterTurns


def wait_until_waiting(turns: WriterTurns, threads: int, timeout_s: float = 10.0) -> None:
    """Poll until ``threads`` threads wait for a turn (they get there at their own pace)."""
    deadline = time.monotonic() + timeout_s
    while turns.waiting != threads:
        if time.monotonic() > deadline:
            raise AssertionError(f"{turns.waiting} threads wait, not {threads}")
        time.sleep(0.001)


def test_turns_are_given_in_the_order_they_were_asked_for() -> None:
    turns = WriterTurns()
    order: list[str] = []
    assert turns.take(1.0)

    def take_turn(name: str) -> None:
        assert turns.take(10.0)
        order.append(name)
        turns.give_back()

    threads = []
    for n, name in enumerate(("b", "c", "d"), start=1):
        thread = threading.Thread(target=take_turn, args=(name,))
        thread.start()
        wait_until_waiting(turns, n)  # queued behind the others
        threads.append(thread)
    turns.give_back()
    for thread in threads:
        thread.join(timeout=10)

    assert order == ["b", "c", "d"]
    assert turns.take(0.0)  # the last one gave it back to nobody: free


def test_a_wait_that_runs_out_leaves_the_queue_and_the_next_take_is_immediate() -> None:
    turns = WriterTurns()
    assert turns.take(1.0)

    assert turns.take(0.01) is False
    assert turns.waiting == 0
    turns.give_back()
    assert turns.take(0.0)


def test_a_turn_given_back_with_nobody_waiting_is_free_for_the_next_thread() -> None:
    turns = WriterTurns()
    assert turns.take(0.0)
    turns.give_back()
    taken: list[bool] = []

    thread = threading.Thread(target=lambda: taken.append(turns.take(0.0)))
    thread.start()
    thread.join(timeout=10)

    assert taken == [True]
