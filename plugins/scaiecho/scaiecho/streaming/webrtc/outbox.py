"""Deltas of one WebRTC session waiting for its control socket.

The engine produces deltas whether or not a control socket is attached; the outbox
keeps the newest ``capacity`` of them (older ones are dropped and counted) and ends
with either a clean end or the session's error.
"""

from __future__ import annotations

import asyncio
from collections import deque

from scaigrid.errors import ScaigridError

from scaiecho.streaming.frames import Delta

__all__ = ["Outbox"]


class Outbox:
    def __init__(self, capacity: int) -> None:
        self._items: deque[Delta] = deque(maxlen=capacity)
        self._event = asyncio.Event()
        self.dropped = 0
        self.ended = False
        self.error: ScaigridError | None = None

    def put(self, delta: Delta) -> None:
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(delta)
        self._event.set()

    def end(self, error: ScaigridError | None = None) -> None:
        if not self.ended:
            self.ended = True
            self.error = error
        self._event.set()

    async def get(self) -> Delta | None:
        """The next delta, or ``None`` once the outbox has ended and is empty."""
        while True:
            if self._items:
                return self._items.popleft()
            if self.ended:
                return None
            self._event.clear()
            await self._event.wait()
