"""Named model backends per capability: lazy once-per-process loading, bounded calls, idle unload.

Modules register :class:`~scaigrid.records.BackendSpec` records at start-up;
nothing loads until first use. A backend is built once per process even when
many requests (on any thread or event loop) ask for it at the same moment, its
factory runs off the event loop, calls through :meth:`BackendRegistry.run` are
bounded by ``spec.max_concurrency``, and a periodic sweep unloads backends left
idle longer than their TTL; they load again lazily on next use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar, overload

import numpy as np
import numpy.typing as npt

from scaigrid.backends.base import (
    BASE_CLASSES,
    METHODS,
    AnalysisRequest,
    AnalysisResult,
    Backend,
    FloatAudio,
    SttRequest,
    SttResult,
    TimeSpan,
    TtsRequest,
    TtsResult,
)
from scaigrid.backends.slot import (
    BackendStatus,
    Slot,
    close_backend,
    flags_of,
    invoke,
    load_failed,
    wait_loaded,
)
from scaigrid.errors import BadRequest, ScaigridError, StartupError
from scaigrid.records import BackendSpec
from scaigrid.settings import Settings

__all__ = ["BackendRegistry", "BackendStatus"]

log = logging.getLogger("scaigrid.backends")

P = ParamSpec("P")
T = TypeVar("T")

_CAPABILITY = re.compile(r"^[a-z][a-z0-9_]*$")
_BACKEND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


class BackendRegistry:
    """Every backend of every module, keyed by ``(capability, name)``.

    The default idle TTL comes from ``settings.backend_idle_ttl_seconds`` (or
    ``idle_ttl_seconds``; 900 when neither is given). ``platform`` is handed to
    each factory (attach it with :meth:`attach` once it exists). ``executor``
    runs :meth:`run` calls (default: the loop's default executor). ``clock`` is
    monotonic seconds; tests pass a fake one.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        idle_ttl_seconds: int | None = None,
        platform: Any = None,
        executor: concurrent.futures.Executor | None = None,
        sweep_interval_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle_ttl_seconds is None:
            idle_ttl_seconds = settings.backend_idle_ttl_seconds if settings is not None else 900
        if idle_ttl_seconds < 0:
            raise StartupError("backend idle TTL must be >= 0 (0 = never unload)")
        self.idle_ttl_seconds = idle_ttl_seconds
        self._platform = platform
        self._executor = executor
        self._sweep_interval = sweep_interval_seconds
        self._clock = clock
        self._slots: dict[tuple[str, str], Slot] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def attach(self, platform: Any) -> None:
        """Set the object passed to every factory (the host's ``Platform``)."""
        self._platform = platform

    # -- registration ---------------------------------------------------------------------

    def register(self, spec: BackendSpec, provider_module: str) -> None:
        """Add one backend; a second provider of the same (capability, name) fails start-up."""
        where = f"module {provider_module!r}"
        if not _CAPABILITY.match(spec.capability):
            raise StartupError(f"{where} registers a backend with invalid capability {spec.capability!r}")
        if not _BACKEND_NAME.match(spec.name):
            raise StartupError(
                f"{where} registers {spec.capability} backend {spec.name!r}: names are 1-100 characters "
                "of letters, digits and . _ : - (starting with a letter or digit)"
            )
        if spec.kind not in ("A", "B"):
            raise StartupError(
                f"{where}: backend {spec.capability}/{spec.name} has kind {spec.kind!r}, not A or B"
            )
        if spec.max_concurrency < 1:
            raise StartupError(f"{where}: backend {spec.capability}/{spec.name} needs max_concurrency >= 1")
        if spec.idle_ttl_seconds is not None and spec.idle_ttl_seconds < 0:
            raise StartupError(f"{where}: backend {spec.capability}/{spec.name} has a negative idle TTL")
        if not callable(spec.factory):
            raise StartupError(f"{where}: backend {spec.capability}/{spec.name} factory is not callable")
        key = (spec.capability, spec.name)
        if key in self._slots:
            other = self._slots[key].provider
            raise StartupError(
                f"{spec.capability} backend {spec.name!r} is provided by both module {other!r} "
                f"and module {provider_module!r}; rename one of them"
            )
        ttl = self.idle_ttl_seconds if spec.idle_ttl_seconds is None else spec.idle_ttl_seconds
        self._slots[key] = Slot(spec, provider_module, ttl)

    def require(self, capability: str, name: str, *, setting: str) -> None:
        """Start-up check of a configured backend name: a :class:`StartupError` naming the
        setting and every registered name of that capability when ``name`` is not one."""
        if (capability, name) not in self._slots:
            known = self.names(capability)
            raise StartupError(
                f"{setting}={name!r} names no registered {capability} backend; "
                f"registered: {', '.join(known) or 'none'}"
            )

    def capabilities(self) -> list[str]:
        return sorted({cap for cap, _ in self._slots})

    def specs(self, capability: str) -> list[BackendSpec]:
        """Specs of one capability in registration order."""
        return [slot.spec for (cap, _), slot in self._slots.items() if cap == capability]

    def names(self, capability: str, kind: str | None = None) -> list[str]:
        """Backend names of one capability (optionally of one kind), in registration order."""
        return [spec.name for spec in self.specs(capability) if kind is None or spec.kind == kind]

    def find(
        self,
        capability: str,
        *,
        kind: str | None = None,
        language: str | None = None,
        can_stream: bool | None = None,
    ) -> list[str]:
        """Backend names of ``capability`` whose declared flags fit, in registration order.

        Routing by what a backend says it can do (``BackendSpec.languages``, ``can_stream``)
        rather than by knowing names; nothing is loaded.
        """
        return [
            spec.name
            for spec in self.specs(capability)
            if (kind is None or spec.kind == kind)
            and (can_stream is None or spec.can_stream == can_stream)
            and self.handles(capability, spec.name, language)
        ]

    def handles(self, capability: str, name: str, language: str | None) -> bool:
        """Whether the backend's declared languages include ``language`` (``None`` = any language)."""
        languages = self._slot(capability, name).spec.languages
        if language is None or languages is None:
            return True
        return language.split("-", 1)[0].lower() in languages

    def spec(self, capability: str, name: str) -> BackendSpec:
        return self._slot(capability, name).spec

    def provider(self, capability: str, name: str) -> str:
        """The module id that registered the backend."""
        return self._slot(capability, name).provider

    def _slot(self, capability: str, name: str) -> Slot:
        slot = self._slots.get((capability, name))
        if slot is not None:
            return slot
        valid = self.names(capability)
        listing = ", ".join(valid) if valid else f"none (no {capability} backends are registered)"
        raise BadRequest(
            f"unknown {capability} backend {name!r}; valid names: {listing}",
            code="UNKNOWN_BACKEND",
            details={"capability": capability, "name": name, "valid": valid},
        )

    # -- loading --------------------------------------------------------------------------

    async def get(self, capability: str, name: str) -> Any:
        """The loaded backend, built on first use (once per process, in a thread).

        Prefer :meth:`run` for calls: it bounds concurrency and keeps the backend
        from being unloaded while the call runs.
        """
        return await self._acquire(self._slot(capability, name), enter=False)

    def get_sync(self, capability: str, name: str) -> Any:
        """:meth:`get` for code already running in a worker thread (never on the event loop)."""
        slot = self._slot(capability, name)
        while True:
            with slot.mutex:
                if slot.instance is not None:
                    self._touch(slot)
                    return slot.instance
                fut = slot.loading
                build = fut is None
                if fut is None:
                    fut = slot.loading = concurrent.futures.Future()
            if build:
                self._build(slot, fut)
            fut.result()

    def is_loaded(self, capability: str, name: str) -> bool:
        slot = self._slot(capability, name)
        with slot.mutex:
            return slot.instance is not None

    async def _acquire(self, slot: Slot, *, enter: bool) -> Any:
        while True:
            with slot.mutex:
                if slot.instance is not None:
                    self._touch(slot)
                    if enter:
                        slot.in_flight += 1
                    return slot.instance
                fut = slot.loading
                build = fut is None
                if fut is None:
                    fut = slot.loading = concurrent.futures.Future()
            if build:
                # A plain thread, not the call executor: a slow model load must not take a
                # slot that running calls need, and it finishes even if this caller is cancelled.
                threading.Thread(
                    target=self._build, args=(slot, fut), name=f"load-{slot.key}", daemon=True
                ).start()
            await wait_loaded(fut)
            # Loop: the instance is set now unless a sweep dropped it in between (then reload).

    def _build(self, slot: Slot, fut: concurrent.futures.Future[Any]) -> None:
        started = time.perf_counter()
        try:
            backend = self._check(slot, slot.spec.factory(self._platform))
        except BaseException as exc:  # every failure, even KeyboardInterrupt, must reach the waiters
            error = exc if isinstance(exc, ScaigridError) else load_failed(slot, exc)
            log.error("loading backend %s from module %s failed: %s", slot.key, slot.provider, exc)
            with slot.mutex:
                slot.loading = None  # the next call tries again
            fut.set_exception(error)
            return
        with slot.mutex:
            slot.instance = backend
            slot.loading = None
            slot.load_seconds = time.perf_counter() - started
            slot.loaded_at_wall = time.time()
            self._touch(slot)
        log.info("loaded backend %s (%s) in %.2fs", slot.key, slot.provider, slot.load_seconds)
        fut.set_result(backend)

    @staticmethod
    def _check(slot: Slot, obj: Any) -> Any:
        """A :class:`Backend` must match the capability; a duck-typed one must have its method."""
        spec = slot.spec
        problem = ""
        if isinstance(obj, Backend):
            expected = BASE_CLASSES.get(spec.capability, Backend)
            if not isinstance(obj, expected) or obj.capability != spec.capability:
                problem = f"a {type(obj).__name__} (capability {obj.capability!r})"
        elif obj is None or inspect.isawaitable(obj):
            problem = "None" if obj is None else "an awaitable (factories are plain functions)"
        elif spec.capability in METHODS and not callable(getattr(obj, METHODS[spec.capability], None)):
            problem = f"a {type(obj).__name__} without a {METHODS[spec.capability]}() method"
        if problem:
            if inspect.iscoroutine(obj):
                obj.close()
            raise ScaigridError(
                500,
                "BACKEND_CONTRACT",
                f"module {slot.provider!r}: the factory of {slot.key} returned {problem}; "
                f"expected a {spec.capability} backend",
                details={"capability": spec.capability, "backend": spec.name, "module": slot.provider},
            )
        if isinstance(obj, Backend):
            # Stamped from the spec so one class can serve several registered names.
            obj.name = spec.name
            obj.kind = spec.kind
        return obj

    def _touch(self, slot: Slot) -> None:
        slot.last_used = self._clock()
        slot.last_used_wall = time.time()

    # -- calling --------------------------------------------------------------------------

    @overload
    async def call(self, capability: Literal["stt"], name: str, request: SttRequest) -> SttResult: ...

    @overload
    async def call(self, capability: Literal["tts"], name: str, request: TtsRequest) -> TtsResult: ...

    @overload
    async def call(
        self, capability: Literal["speaker_embedding"], name: str, request: FloatAudio
    ) -> npt.NDArray[np.float32]: ...

    @overload
    async def call(
        self, capability: Literal["vad"], name: str, request: FloatAudio, **options: Any
    ) -> list[TimeSpan]: ...

    @overload
    async def call(
        self, capability: Literal["denoise"], name: str, request: FloatAudio, *, sample_rate: int
    ) -> FloatAudio: ...

    @overload
    async def call(
        self, capability: Literal["analysis"], name: str, request: AnalysisRequest
    ) -> AnalysisResult: ...

    @overload
    async def call(self, capability: str, name: str, request: Any, **options: Any) -> Any: ...

    async def call(self, capability: str, name: str, request: Any, **options: Any) -> Any:
        """Call the capability's one method (``transcribe`` for ``stt``...) with a typed request.

        ``await platform.backends.call("stt", name, SttRequest(pcm=pcm))`` returns an
        :class:`SttResult`; the same bound, lazy load and error mapping as :meth:`run`.
        """
        method = METHODS.get(capability)
        if method is None:
            raise TypeError(f"capability {capability!r} has no contract method; use run(..., method_name)")
        return await self.run(capability, name, method, request, **options)

    @overload
    async def run(self, capability: str, name: str, fn: str, *args: Any, **kwargs: Any) -> Any: ...

    @overload
    async def run(
        self,
        capability: str,
        name: str,
        fn: Callable[Concatenate[Any, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T: ...

    async def run(self, capability: str, name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the backend in a thread, at most ``spec.max_concurrency`` calls at once.

        ``fn`` is a method name (``await registry.run("stt", "whisper", "transcribe", request)``)
        or a callable receiving the backend first (``lambda backend, req: backend.transcribe(req)``).
        Exceptions that are not a :class:`ScaigridError` come back as one (500,
        ``BACKEND_FAILED``) with the original as ``__cause__``.
        """
        if getattr(fn, "__isabstractmethod__", False):
            # SpeechToText.transcribe etc. are the empty abstract bodies: calling them returns None.
            raise TypeError(f"pass the method name {fn.__name__!r}, not the abstract {fn.__qualname__}")
        slot = self._slot(capability, name)
        await slot.gate.acquire()
        try:
            backend = await self._acquire(slot, enter=True)
        except BaseException:
            slot.gate.release()
            raise
        loop = asyncio.get_running_loop()
        target = functools.partial(invoke, slot, backend, fn, args, kwargs)
        call = loop.run_in_executor(self._executor, target)
        try:
            result = await asyncio.shield(call)
        except asyncio.CancelledError:
            if not call.done():
                # The thread cannot be interrupted: keep the permit until it really ends.
                call.add_done_callback(lambda _f: self._leave(slot))
                raise
            self._leave(slot)
            raise
        except ScaigridError:
            self._leave(slot)
            raise
        except Exception as exc:
            self._leave(slot)
            raise ScaigridError(
                500,
                "BACKEND_FAILED",
                f"{slot.key} failed: {type(exc).__name__}: {exc}",
                details={"capability": capability, "backend": name},
            ) from exc
        self._leave(slot)
        return result

    def _leave(self, slot: Slot) -> None:
        with slot.mutex:
            slot.in_flight -= 1
            self._touch(slot)
        slot.gate.release()

    # -- idle unload ----------------------------------------------------------------------

    async def sweep(self, now: float | None = None) -> list[str]:
        """Unload every backend idle longer than its TTL; returns the ``capability/name`` keys."""
        now = self._clock() if now is None else now
        dropped: list[tuple[Slot, Any]] = []
        for slot in list(self._slots.values()):
            with slot.mutex:
                backend = slot.instance
                if backend is None or slot.in_flight or slot.ttl <= 0 or now - slot.last_used < slot.ttl:
                    continue
                slot.instance = None
            dropped.append((slot, backend))
        for slot, backend in dropped:
            log.info("unloading backend %s after %ss idle", slot.key, slot.ttl)
            await asyncio.to_thread(close_backend, slot, backend)
        return [slot.key for slot, _ in dropped]

    async def unload(self, capability: str, name: str) -> bool:
        """Drop one backend now unless a call is running on it; True if it was unloaded."""
        slot = self._slot(capability, name)
        with slot.mutex:
            backend = slot.instance
            if backend is None or slot.in_flight:
                return False
            slot.instance = None
        await asyncio.to_thread(close_backend, slot, backend)
        return True

    def sweep_interval(self) -> float:
        """Seconds between sweeps: a quarter of the shortest TTL, between 1 and 60."""
        if self._sweep_interval is not None:
            return self._sweep_interval
        ttls = [slot.ttl for slot in self._slots.values() if slot.ttl > 0]
        return max(1.0, min(60.0, min(ttls) / 4)) if ttls else 60.0

    async def start(self) -> None:
        """Start the periodic idle sweep (idempotent)."""
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="scaigrid-backend-sweep")

    async def close(self) -> None:
        """Stop sweeping and close every loaded backend that is not running a call."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for slot in list(self._slots.values()):
            with slot.mutex:
                backend = slot.instance
                if backend is None or slot.in_flight:
                    continue
                slot.instance = None
            await asyncio.to_thread(close_backend, slot, backend)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval())
            try:
                await self.sweep()
            except Exception:  # a failing sweep must not stop later ones
                log.exception("backend idle sweep failed")

    def status(self) -> list[BackendStatus]:
        """Loaded backends with their last-used times and in-flight calls."""
        out: list[BackendStatus] = []
        for slot in self._slots.values():
            with slot.mutex:
                backend = slot.instance
                if backend is None:
                    continue
                out.append(
                    BackendStatus(
                        capability=slot.spec.capability,
                        name=slot.spec.name,
                        kind=slot.spec.kind,
                        provider=slot.provider,
                        loaded_at=slot.loaded_at_wall,
                        last_used_at=slot.last_used_wall,
                        load_seconds=round(slot.load_seconds, 3),
                        in_flight=slot.in_flight,
                        waiting=slot.gate.waiting,
                        max_concurrency=slot.spec.max_concurrency,
                        idle_ttl_seconds=slot.ttl,
                        flags=flags_of(backend),
                    )
                )
        return out
