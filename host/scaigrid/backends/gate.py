"""A counting semaphore that works across threads and event loops.

``asyncio.Semaphore`` binds to the first loop that waits on it, but one backend
registry serves the app's loop, worker threads running their own loops and test
sessions that start a loop per test; a model's concurrency bound has to hold
across all of them, so the count lives behind a thread lock and each waiter is
woken on its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque

__all__ = ["Gate"]


def _grant(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Gate:
    """At most ``limit`` holders at a time; FIFO among waiters."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a gate needs a limit of at least 1")
        self.limit = limit
        self._held = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def held(self) -> int:
        with self._lock:
            return self._held

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._held < self.limit and not self._waiters:
                self._held += 1
                return
            waiter: asyncio.Future[None] = loop.create_future()
            entry = (loop, waiter)
            self._waiters.append(entry)
        try:
            await waiter
        except asyncio.CancelledError:
            with self._lock:
                try:
                    self._waiters.remove(entry)
                    handed_over = False
                except ValueError:  # release() already passed its permit to us
                    handed_over = True
            if handed_over:
                self.release()
            raise

    def release(self) -> None:
        """Give the permit to the oldest live waiter, or return it to the pool."""
        with self._lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                try:
                    # The permit moves to the waiter directly: ``_held`` stays the same.
                    loop.call_soon_threadsafe(_grant, waiter)
                    return
                except RuntimeError:  # that waiter's loop is closed; try the next one
                    continue
            if self._held <= 0:
                raise RuntimeError("Gate.release() called more often than acquire()")
            self._held -= 1
