"""AudioEngine: admission slots, 429 after the wait, 503 before start-up."""

from __future__ import annotations

import asyncio

import pytest
from audio_engine.engine import AudioEngine
from audio_engine.resources import LocalResources
from audio_engine.settings import AudioEngineSettings
from scaigrid.errors import ScaigridError


def _engine(**settings) -> AudioEngine:
    return AudioEngine(AudioEngineSettings(**settings), AudioEngine.new_registry(), LocalResources())


def test_not_started_is_503() -> None:
    async def go() -> None:
        async with _engine().admitted():
            pass

    with pytest.raises(ScaigridError) as info:
        asyncio.run(go())
    assert (info.value.status_code, info.value.code) == (503, "AUDIO_ENGINE_NOT_READY")

    from scaigrid.context import ModuleContext
    from scaigrid.records import ModuleInfo

    # a module context whose scaigrid_setup never ran: its state is a coded 503 too
    bare = ModuleContext(
        id="audio_engine", info=ModuleInfo(id="audio_engine", version="0", prefix="/x"), settings=None
    )
    with pytest.raises(ScaigridError) as info:
        _ = bare.state
    assert info.value.status_code == 503


def test_slots_and_waiting() -> None:
    async def go() -> list[str]:
        engine = _engine(
            max_in_flight=2, semaphore_wait_timeout=0.2, thread_pool_workers=1, process_pool_workers=0
        )
        engine.start()
        events: list[str] = []
        release = asyncio.Event()

        async def hold(name: str) -> None:
            async with engine.admitted():
                events.append(f"in {name}")
                await release.wait()

        holders = [asyncio.create_task(hold("a")), asyncio.create_task(hold("b"))]
        await asyncio.sleep(0.01)
        try:
            async with engine.admitted():
                events.append("third got in")
        except ScaigridError as exc:
            events.append(f"{exc.status_code} {exc.code}")
        release.set()
        await asyncio.gather(*holders)
        async with engine.admitted():
            events.append("free again")
        engine.stop()
        return events

    assert asyncio.run(go()) == ["in a", "in b", "429 AUDIO_ENGINE_BUSY", "free again"]


def test_zero_wait_still_admits_when_free() -> None:
    async def go() -> bool:
        engine = _engine(max_in_flight=1, semaphore_wait_timeout=0, process_pool_workers=0)
        engine.start()
        async with engine.admitted():
            pass
        engine.stop()
        return True

    assert asyncio.run(go())


def test_host_resources_use_a_loaded_stt_backend(tmp_path) -> None:
    """With scaiecho loaded, speech_fluency_check measures words per minute through its Whisper backend."""
    scaiecho_plugin = pytest.importorskip("scaiecho.plugin")
    from tests.audio_engine.engine_host import EngineClient, engine_host
    from tests.audio_fixtures import espeak_speech, write_wav

    pcm, sr = espeak_speech("The quick brown fox jumps over the lazy dog near the river bank.", "en-us+m1")
    wav = write_wav(tmp_path / "speech.wav", pcm, sr)
    with engine_host(tmp_path / "host", plugins=[scaiecho_plugin], process_pool_workers=0) as host:
        ae = EngineClient(host)
        resp = ae.run([{"component_id": "speech_fluency_check"}], wav)
        assert resp.status_code == 200, resp.text
        metrics = resp.json()["result"]["components"][0]["metrics"]
        assert metrics["transcriber"] == "stt:scaiecho-whisper-tiny.en"
        assert metrics["word_count"] == pytest.approx(13, abs=2)
        assert 80 < metrics["words_per_minute"] < 300
        off = ae.run([{"component_id": "speech_fluency_check", "params": {"use_transcription": False}}], wav)
        assert off.json()["result"]["components"][0]["metrics"]["words_per_minute"] is None
