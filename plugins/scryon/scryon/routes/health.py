"""``GET /api/health``: liveness, public, no I/O."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, get
from scaigrid.db import utcnow

from scryon.settings import Module
from scryon.wire import iso

__all__ = ["health"]


@get("/health", media_type=MediaType.JSON, opt={"scaigrid_public": True})
async def health(module: Module) -> dict[str, Any]:
    return {"status": "ok", "version": module.info.version, "time": iso(utcnow())}
