"""``JobContext``: what a job handler receives — its row, payload, the platform and a progress reporter."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from scaigrid.errors import BadRequest
from scaigrid.jobs.records import JOB_BAD_PAYLOAD, JobRecord
from scaigrid.jobs.store import JobStore

__all__ = ["JobContext"]

T = TypeVar("T")

# Progress is written at most this often; a handler reporting every chunk of a long
# file must not turn into a write per chunk. The heartbeat flushes what is held back.
_PROGRESS_MIN_INTERVAL = 0.5


class JobContext:
    """One attempt of one job, as its handler sees it.

    ``job`` is the row as claimed (``job.attempts`` is this attempt's number),
    ``payload`` its JSON payload, ``platform`` whatever object the queue was
    given (the host passes its :class:`~scaigrid.platform.Platform`; CPU-heavy
    work belongs in ``await job.platform.run_cpu(fn, ...)``).
    """

    def __init__(
        self,
        job: JobRecord,
        *,
        platform: Any,
        store: JobStore,
        worker_id: str,
        on_lost: Callable[[], None],
    ) -> None:
        self.job = job
        self.platform = platform
        self.worker_id = worker_id
        self._store = store
        self._on_lost = on_lost
        self._pending: tuple[float, str | None] | None = None
        self._last_write = float("-inf")

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def attempt(self) -> int:
        """1 for the first attempt; higher after a crashed worker's attempt was re-queued."""
        return self.job.attempts

    def payload_as(self, type_: type[T]) -> T:
        """The payload as the module's payload Struct; a mismatch fails the job with ``JOB_BAD_PAYLOAD``."""
        try:
            return msgspec.convert(self.job.payload, type_)
        except msgspec.ValidationError as exc:
            raise BadRequest(
                f"job payload does not match {type_.__name__}: {exc}", code=JOB_BAD_PAYLOAD
            ) from exc

    async def progress(self, fraction: float, message: str | None = None) -> None:
        """Report progress in ``[0, 1]`` with an optional message; readable through ``JobQueue.get``."""
        if not 0.0 <= fraction <= 1.0:
            raise BadRequest(f"progress must be within [0, 1], got {fraction}", code="JOB_BAD_PROGRESS")
        self._pending = (float(fraction), message)
        if time.monotonic() - self._last_write >= _PROGRESS_MIN_INTERVAL:
            await self.flush()

    def take_pending(self) -> tuple[float, str | None] | None:
        """Progress reported but not yet written (the runner writes it with the next heartbeat)."""
        pending, self._pending = self._pending, None
        return pending

    async def flush(self) -> None:
        """Write held-back progress now (also refreshes the heartbeat)."""
        if self._pending is not None and not await self.heartbeat():
            self._on_lost()

    async def heartbeat(self) -> bool:
        """Touch the row, writing held-back progress; ``False`` when the row is no longer ours.

        The runner calls this periodically; handlers need not.
        """
        pending = self.take_pending()
        if pending is not None:
            self._last_write = time.monotonic()
        return await self._store.heartbeat(self.job.id, self.worker_id, self.job.attempts, progress=pending)
