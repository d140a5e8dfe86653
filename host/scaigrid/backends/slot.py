"""One registered backend's state (load future, permits, last use) and the calls acting on it.

Split from :mod:`scaigrid.backends.registry` so the registry reads as policy
(register, load once, bound, sweep) while the thread/loop plumbing lives here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from typing import Any

import msgspec

from scaigrid.backends.base import Backend
from scaigrid.backends.gate import Gate
from scaigrid.errors import ScaigridError, ServiceUnavailable
from scaigrid.records import BackendSpec

__all__ = ["BackendStatus", "Slot", "close_backend", "flags_of", "invoke", "load_failed", "wait_loaded"]

log = logging.getLogger("scaigrid.backends")


class BackendStatus(msgspec.Struct, kw_only=True):
    """One loaded backend as ``status()`` reports it (wall-clock times are Unix seconds)."""

    capability: str
    name: str
    kind: str
    provider: str
    loaded_at: float
    last_used_at: float
    load_seconds: float
    in_flight: int
    waiting: int
    max_concurrency: int
    idle_ttl_seconds: int
    flags: dict[str, Any]


class Slot:
    """Everything the registry knows about one (capability, name); guarded by ``mutex``."""

    def __init__(self, spec: BackendSpec, provider: str, ttl: int) -> None:
        self.spec = spec
        self.provider = provider
        self.ttl = ttl
        self.mutex = threading.Lock()
        self.gate = Gate(spec.max_concurrency)
        self.instance: Any = None
        self.loading: concurrent.futures.Future[Any] | None = None
        self.in_flight = 0
        self.last_used = 0.0  # registry clock (monotonic)
        self.last_used_wall = 0.0
        self.loaded_at_wall = 0.0
        self.load_seconds = 0.0

    @property
    def key(self) -> str:
        return f"{self.spec.capability}/{self.spec.name}"


def load_failed(slot: Slot, exc: BaseException) -> ScaigridError:
    error = ServiceUnavailable(
        f"backend {slot.key} (module {slot.provider!r}) failed to load: {type(exc).__name__}: {exc}",
        code="BACKEND_LOAD_FAILED",
        details={"capability": slot.spec.capability, "backend": slot.spec.name},
    )
    error.__cause__ = exc
    return error


def invoke(slot: Slot, backend: Any, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The call itself, on the executor thread (so even a missing method comes back as a coded error)."""
    if not isinstance(fn, str):
        return fn(backend, *args, **kwargs)
    method = getattr(backend, fn, None)
    if not callable(method):
        raise ScaigridError(
            500,
            "BACKEND_CONTRACT",
            f"backend {slot.key} (module {slot.provider!r}) has no method {fn}()",
            details={"capability": slot.spec.capability, "backend": slot.spec.name, "method": fn},
        )
    return method(*args, **kwargs)


def flags_of(backend: Any) -> dict[str, Any]:
    if isinstance(backend, Backend):
        return backend.flags()
    names = ("can_stream", "supports_language_hint", "languages")
    return {name: getattr(backend, name) for name in names if hasattr(backend, name)}


def close_backend(slot: Slot, backend: Any) -> None:
    close = getattr(backend, "close", None)
    if not callable(close):
        return
    try:
        close()
    except Exception:  # closing is best effort; the reference is dropped either way
        log.exception("closing backend %s failed", slot.key)


async def wait_loaded(fut: concurrent.futures.Future[Any]) -> None:
    """Await a load started by anyone, on any loop, without letting our cancellation cancel it."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def transfer(done: concurrent.futures.Future[Any]) -> None:
        if waiter.done():
            return
        exc = done.exception()
        if exc is not None:
            waiter.set_exception(exc)
        else:
            waiter.set_result(None)

    def on_done(done: concurrent.futures.Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the waiting loop is closed; nobody to tell
            loop.call_soon_threadsafe(transfer, done)

    fut.add_done_callback(on_done)
    await waiter
