"""Bounded, prioritised access to the shared speech model for every stream of the process.

Finals are owed to a client; partials are only nice to have. The gate hands a free
slot to a waiting final before any waiting partial, and the engine asks for partial
slots with :meth:`TranscriptionGate.try_acquire` (no queueing), so under load
partials thin out while finals keep their latency.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["TranscriptionGate"]


class TranscriptionGate:
    """A semaphore with two queues: waiting finals are served before waiting partials."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self.slots = slots
        self.in_use = 0
        self._finals: deque[asyncio.Future[None]] = deque()
        self._partials: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._finals) + len(self._partials)

    @property
    def saturated(self) -> bool:
        return self.in_use >= self.slots

    def try_acquire(self, *, last_slot: bool = False) -> bool:
        """Take a free slot for a partial now, or return False (never queues).

        With more than one slot, a partial never takes the last free one (unless
        ``last_slot``: a speculative final, which is almost a final): a final that comes
        next finds it free instead of waiting for an interim nobody is owed.
        """
        limit = self.slots - 1 if self.slots > 1 and not last_slot else self.slots
        if self.in_use < limit and not self._finals and not self._partials:
            self.in_use += 1
            return True
        return False

    async def acquire(self, *, final: bool) -> None:
        if self.in_use < self.slots and not self._finals and (final or not self._partials):
            self.in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._finals if final else self._partials
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            else:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self._finals, self._partials):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes on; in_use is unchanged
                    return
        self.in_use -= 1

    @asynccontextmanager
    async def slot(self, *, final: bool) -> AsyncIterator[None]:
        await self.acquire(final=final)
        try:
            yield
        finally:
            self.release()
