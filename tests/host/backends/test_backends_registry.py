"""BackendRegistry: registration conflicts, lazy once-only loading, bounded runs, idle unload."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from scaigrid.backends import Backend, BackendRegistry, SpeechToText, SttRequest, SttResult, VoiceActivity
from scaigrid.errors import ScaigridError, StartupError
from scaigrid.records import BackendSpec
from scaigrid.settings import Settings

from tests.audio_fixtures import piper_speech
from tests.host.backends.whisper_backend import WhisperTinyEn

pytestmark = pytest.mark.anyio


async def wait_until(predicate: Any, seconds: float = 10.0) -> None:
    """Poll a condition another thread makes true (not a timing assertion: fails only if it never happens)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


class EchoStt(SpeechToText):
    """A trivial STT backend: its 'transcript' says how many samples it got."""

    def __init__(self) -> None:
        self.closed = False

    def transcribe(self, request: SttRequest) -> SttResult:
        n = 0 if request.pcm is None else len(request.pcm)
        return SttResult(text=f"{n} samples", language="en", duration_seconds=n / request.sample_rate)

    def close(self) -> None:
        self.closed = True


def spec(name: str = "echo", factory: Any = None, **kw: Any) -> BackendSpec:
    return BackendSpec(
        capability="stt", name=name, kind=kw.pop("kind", "A"), factory=factory or (lambda p: EchoStt()), **kw
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- registration ---------------------------------------------------------------------------


def test_duplicate_names_fail_startup_naming_both_modules() -> None:
    registry = BackendRegistry()
    registry.register(spec("whisper"), "scaiecho")
    with pytest.raises(StartupError) as err:
        registry.register(spec("whisper"), "thirdparty")
    assert "scaiecho" in str(err.value) and "thirdparty" in str(err.value)
    # The same name under another capability is a different backend.
    registry.register(BackendSpec(capability="vad", name="whisper", kind="A", factory=lambda p: None), "x")


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({"name": "has space"}, "names are"),
        ({"kind": "C"}, "kind"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"idle_ttl_seconds": -1}, "idle TTL"),
        ({"capability": "Bad-Cap"}, "capability"),
    ],
)
def test_invalid_specs_fail_startup(bad: dict[str, Any], fragment: str) -> None:
    fields: dict[str, Any] = {"capability": "stt", "name": "ok", "kind": "A", "factory": lambda p: EchoStt()}
    fields.update(bad)
    with pytest.raises(StartupError, match=fragment):
        BackendRegistry().register(BackendSpec(**fields), "mod")


def test_names_specs_and_unknown_name_lists_valid_names() -> None:
    registry = BackendRegistry(Settings(backend_idle_ttl_seconds=42))
    registry.register(spec("local-a"), "m1")
    registry.register(spec("relay-b", kind="B"), "m1")
    registry.register(spec("local-c"), "m2")
    assert registry.names("stt") == ["local-a", "relay-b", "local-c"]
    assert registry.names("stt", "A") == ["local-a", "local-c"]
    assert registry.names("stt", "B") == ["relay-b"]
    assert [s.name for s in registry.specs("stt")] == ["local-a", "relay-b", "local-c"]
    assert registry.names("tts") == []
    assert registry.provider("stt", "local-c") == "m2"
    assert registry.idle_ttl_seconds == 42
    with pytest.raises(ScaigridError) as err:
        registry.spec("stt", "nope")
    assert err.value.code == "UNKNOWN_BACKEND" and err.value.status_code == 400
    assert "local-a, relay-b, local-c" in err.value.message
    assert err.value.details["valid"] == ["local-a", "relay-b", "local-c"]
    with pytest.raises(ScaigridError, match="no tts backends"):
        registry.spec("tts", "x")


# -- loading ----------------------------------------------------------------------------------


async def test_concurrent_first_calls_build_once_off_the_loop() -> None:
    release = threading.Event()
    calls: list[int] = []
    loop_thread = threading.get_ident()

    def slow_factory(platform: Any) -> EchoStt:
        calls.append(threading.get_ident())
        assert platform == "the-platform"
        release.wait(10)
        return EchoStt()

    registry = BackendRegistry(platform="the-platform")
    registry.register(spec("slow", slow_factory), "m")
    tasks = [asyncio.create_task(registry.get("stt", "slow")) for _ in range(8)]
    from_thread: list[Any] = []
    worker = threading.Thread(target=lambda: from_thread.append(registry.get_sync("stt", "slow")))
    await wait_until(lambda: calls)
    worker.start()
    await asyncio.sleep(0.05)
    assert not registry.is_loaded("stt", "slow")
    release.set()
    backends = await asyncio.gather(*tasks)
    await asyncio.to_thread(worker.join, 10)
    assert len(calls) == 1 and calls[0] != loop_thread
    assert all(b is backends[0] for b in backends) and from_thread == [backends[0]]
    assert backends[0].name == "slow" and backends[0].kind == "A"
    assert registry.is_loaded("stt", "slow")


async def test_failed_load_is_coded_and_retried_on_next_use() -> None:
    attempts: list[int] = []

    def flaky(platform: Any) -> EchoStt:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("weights missing")
        return EchoStt()

    registry = BackendRegistry()
    registry.register(spec("flaky", flaky), "m")
    with pytest.raises(ScaigridError) as err:
        await registry.get("stt", "flaky")
    assert err.value.code == "BACKEND_LOAD_FAILED" and err.value.status_code == 503
    assert "weights missing" in err.value.message and isinstance(err.value.__cause__, OSError)
    assert isinstance(await registry.get("stt", "flaky"), EchoStt)
    assert len(attempts) == 2


class Vad(VoiceActivity):
    def speech_segments(self, pcm16k: Any, **kw: Any) -> list[Any]:
        return []


class DuckStt:
    """Not a Backend subclass, but it has the capability's one method (scaiecho-style protocol)."""

    kind = "A"

    def transcribe(self, pcm: Any, options: Any) -> str:
        return "duck"


@pytest.mark.parametrize(
    ("factory", "ok"),
    [
        (lambda p: Vad(), False),  # a VAD registered as STT
        (lambda p: object(), False),
        (lambda p: None, False),
        (lambda p: DuckStt(), True),
        (lambda p: EchoStt(), True),
    ],
)
async def test_factory_result_must_honour_the_capability(factory: Any, ok: bool) -> None:
    registry = BackendRegistry()
    registry.register(spec("b", factory), "mod")
    if ok:
        assert await registry.get("stt", "b") is not None
        return
    with pytest.raises(ScaigridError) as err:
        await registry.get("stt", "b")
    assert err.value.code == "BACKEND_CONTRACT" and "mod" in err.value.message


# -- running ----------------------------------------------------------------------------------


async def test_run_is_bounded_by_max_concurrency() -> None:
    lock = threading.Lock()
    state = {"active": 0, "max": 0}
    release = threading.Event()

    def work(backend: Backend, i: int) -> int:
        with lock:
            state["active"] += 1
            state["max"] = max(state["max"], state["active"])
        release.wait(10)
        with lock:
            state["active"] -= 1
        return i * 2

    with ThreadPoolExecutor(8) as pool:
        registry = BackendRegistry(executor=pool)
        registry.register(spec("two", max_concurrency=2), "m")
        tasks = [asyncio.create_task(registry.run("stt", "two", work, i)) for i in range(6)]
        await wait_until(lambda: state["active"] >= 2)
        await asyncio.sleep(0.1)  # would let a third call in if the gate leaked
        assert state["max"] == 2
        status = {s.name: s for s in registry.status()}
        assert status["two"].in_flight == 2 and status["two"].waiting == 4
        release.set()
        assert await asyncio.gather(*tasks) == [0, 2, 4, 6, 8, 10]
    assert state["max"] == 2


async def test_run_wraps_backend_exceptions_in_a_coded_error() -> None:
    registry = BackendRegistry()
    registry.register(spec("e", max_concurrency=1), "m")

    def boom(backend: Backend) -> None:
        raise RuntimeError("model exploded")

    def coded(backend: Backend) -> None:
        raise ScaigridError(422, "SCAIECHO_TOO_SHORT", "audio too short")

    with pytest.raises(ScaigridError) as err:
        await registry.run("stt", "e", boom)
    assert err.value.code == "BACKEND_FAILED" and isinstance(err.value.__cause__, RuntimeError)
    with pytest.raises(ScaigridError) as err:
        await registry.run("stt", "e", coded)
    assert err.value.code == "SCAIECHO_TOO_SHORT"
    with pytest.raises(ScaigridError) as err:
        await registry.run("stt", "e", "synthesize")
    assert err.value.code == "BACKEND_CONTRACT" and "synthesize" in err.value.message
    # Permits came back: another call still runs.
    request = SttRequest(pcm=np.zeros(160, dtype=np.float32))
    assert (await registry.run("stt", "e", "transcribe", request)).text == "160 samples"


async def test_a_cancelled_call_keeps_its_permit_until_its_thread_ends() -> None:
    registry = BackendRegistry()
    registry.register(spec("one", max_concurrency=1), "m")
    first_release = threading.Event()
    started: list[str] = []

    def blocking(backend: Backend, tag: str) -> str:
        started.append(tag)
        if tag == "first":
            first_release.wait(10)
        return tag

    first = asyncio.create_task(registry.run("stt", "one", blocking, "first"))
    await wait_until(lambda: started)
    first.cancel()
    second = asyncio.create_task(registry.run("stt", "one", blocking, "second"))
    await asyncio.sleep(0.1)
    assert started == ["first"]  # the first thread still runs, so the second waits
    first_release.set()
    assert await second == "second"
    assert first.cancelled()


async def test_one_registry_serves_several_event_loops() -> None:
    registry = BackendRegistry()
    registry.register(spec("shared", max_concurrency=1), "m")
    request = SttRequest(pcm=np.zeros(16, dtype=np.float32))

    def other_loop() -> str:
        return asyncio.run(registry.run("stt", "shared", "transcribe", request)).text

    here, there = await asyncio.gather(
        registry.run("stt", "shared", lambda backend, req: backend.transcribe(req), request),
        asyncio.to_thread(other_loop),
    )
    assert here.text == there == "16 samples"


# -- idle unload --------------------------------------------------------------------------------


async def test_idle_backends_unload_after_their_ttl_and_reload_lazily() -> None:
    clock = FakeClock()
    built: list[EchoStt] = []

    def factory(platform: Any) -> EchoStt:
        built.append(EchoStt())
        return built[-1]

    registry = BackendRegistry(idle_ttl_seconds=60, clock=clock)
    registry.register(spec("short", factory, idle_ttl_seconds=10), "m")
    registry.register(spec("default", factory), "m")
    registry.register(spec("pinned", factory, idle_ttl_seconds=0), "m")
    for name in ("short", "default", "pinned"):
        await registry.get("stt", name)
    assert {s.name for s in registry.status()} == {"short", "default", "pinned"}

    clock.now += 9
    assert await registry.sweep() == []
    clock.now += 2
    assert await registry.sweep() == ["stt/short"]
    assert built[0].closed and not registry.is_loaded("stt", "short")
    clock.now += 60
    assert await registry.sweep() == ["stt/default"]
    assert registry.is_loaded("stt", "pinned")  # TTL 0 = never

    again = await registry.get("stt", "short")
    assert again is built[3] and not again.closed


async def test_sweep_skips_a_backend_with_a_call_in_flight() -> None:
    clock = FakeClock()
    registry = BackendRegistry(idle_ttl_seconds=5, clock=clock)
    registry.register(spec("busy"), "m")
    inside = threading.Event()
    release = threading.Event()

    def hold(backend: Backend) -> None:
        inside.set()
        release.wait(10)

    task = asyncio.create_task(registry.run("stt", "busy", hold))
    await asyncio.to_thread(inside.wait, 10)
    clock.now += 100
    assert await registry.sweep() == []
    release.set()
    await task
    clock.now += 100
    assert await registry.sweep() == ["stt/busy"]


async def test_started_registry_sweeps_periodically_and_close_unloads() -> None:
    clock = FakeClock()
    registry = BackendRegistry(idle_ttl_seconds=5, clock=clock, sweep_interval_seconds=0.01)
    registry.register(spec("a"), "m")
    registry.register(spec("b", idle_ttl_seconds=0), "m")
    backend_a = await registry.get("stt", "a")
    backend_b = await registry.get("stt", "b")
    await registry.start()
    clock.now += 6
    await wait_until(lambda: not registry.is_loaded("stt", "a"))
    assert backend_a.closed and registry.is_loaded("stt", "b")
    await registry.close()
    assert backend_b.closed and registry.status() == []


async def test_status_reports_loaded_backends_with_last_use() -> None:
    registry = BackendRegistry()
    registry.register(spec("s", max_concurrency=3), "scaiecho")
    assert registry.status() == []
    before = time.time()
    await registry.run("stt", "s", "transcribe", SttRequest(pcm=np.zeros(8, dtype=np.float32)))
    (entry,) = registry.status()
    assert (entry.capability, entry.name, entry.kind, entry.provider) == ("stt", "s", "A", "scaiecho")
    assert entry.last_used_at >= before and entry.loaded_at >= before
    assert entry.in_flight == 0 and entry.max_concurrency == 3 and entry.idle_ttl_seconds == 900
    assert entry.flags["capability"] == "stt" and entry.flags["can_stream"] is False


# -- a real model through the registry ------------------------------------------------------------


async def test_real_whisper_backend_transcribes_through_run(tmp_path: Any) -> None:
    registry = BackendRegistry(idle_ttl_seconds=0)
    registry.register(spec("whisper-tiny.en", lambda p: WhisperTinyEn()), "scaiecho")
    pcm, sr = piper_speech("The quick brown fox jumps over the lazy dog.", sr=16000)
    request = SttRequest(pcm=pcm, sample_rate=sr, word_timestamps=True)
    result = await registry.run("stt", "whisper-tiny.en", "transcribe", request)
    words = set(result.text.lower().replace(".", "").replace(",", "").split())
    assert len(words & {"quick", "brown", "fox", "jumps", "lazy", "dog"}) >= 4, result.text
    assert result.language == "en" and result.duration_seconds == pytest.approx(len(pcm) / sr, rel=0.05)
    assert result.segments and result.segments[0].words and result.segments[0].confidence is not None
    backend = await registry.get("stt", "whisper-tiny.en")
    assert backend.supports_language("en-US") and not backend.supports_language("de")


def test_routing_by_declared_flags_loads_nothing() -> None:
    registry = BackendRegistry()
    built: list[str] = []

    def factory(name: str) -> Any:
        return lambda _p: built.append(name)

    registry.register(
        BackendSpec(capability="stt", name="en-only", kind="A", factory=factory("en"), languages=("en",)),
        "x",
    )
    registry.register(
        BackendSpec(capability="stt", name="any", kind="A", factory=factory("any"), can_stream=True), "x"
    )
    registry.register(BackendSpec(capability="stt", name="relay", kind="B", factory=factory("relay")), "x")
    assert registry.find("stt") == ["en-only", "any", "relay"]
    assert registry.find("stt", language="de") == ["any", "relay"]
    assert registry.find("stt", language="en-GB", kind="A") == ["en-only", "any"]
    assert registry.find("stt", can_stream=True) == ["any"]
    assert registry.handles("stt", "en-only", None) and not registry.handles("stt", "en-only", "fr")
    assert built == []
