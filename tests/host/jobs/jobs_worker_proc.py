"""A ``scaigrid worker`` stand-in for the kill -9 tests: run_worker with one slow test handler.

Usage: ``python jobs_worker_proc.py WORKER_ID MARKER_DIR`` with ``SCAIGRID_DATABASE_URL``,
``SCAIGRID_REDIS_URL`` and ``SCAIGRID_REDIS_PREFIX`` set. Each attempt of ``test.long``
drops a marker file ``<job id>.<attempt>.<worker id>`` before it starts sleeping.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from scaigrid.jobs import JobContext
from scaigrid.jobs.worker import run_worker
from scaigrid.records import JobHandler
from scaigrid.settings import load_settings


def main() -> None:
    worker_id, markers = sys.argv[1], Path(sys.argv[2])

    async def long(job: JobContext) -> dict[str, Any]:
        (markers / f"{job.job.id}.{job.attempt}.{worker_id}").touch()
        seconds = float(job.payload["seconds"])
        steps = int(seconds / 0.1)
        for step in range(steps):
            await asyncio.sleep(0.1)
            await job.progress((step + 1) / steps)
        return {"worker": worker_id, "attempt": job.attempt}

    handlers = {"test.long": JobHandler(kind="long", handler=long)}
    asyncio.run(
        run_worker(
            load_settings(),
            platform=None,
            handlers=handlers,
            worker_id=worker_id,
            heartbeat_seconds=0.2,
            stale_after_seconds=4.0,
            reap_interval_seconds=0.3,
        )
    )


if __name__ == "__main__":
    main()
