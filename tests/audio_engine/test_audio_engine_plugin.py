"""The plugin's hooks through a real host: backends, readiness, the component hook, uninstall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_fixtures import tone, write_wav


@pytest.fixture(scope="module")
def ae(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineClient]:
    with engine_host(tmp_path_factory.mktemp("host"), process_pool_workers=0) as host:
        yield EngineClient(host)


def test_models_come_from_the_hosts_backends(ae: EngineClient) -> None:
    backends = ae.host.platform.backends
    # The module registers none of its own: VAD, embedding and denoise are the host's, once per process.
    for capability, name in (
        ("vad", "silero"),
        ("speaker_embedding", "resemblyzer"),
        ("denoise", "noisereduce"),
    ):
        assert backends.names(capability) == [name]
        assert backends.provider(capability, name) == "scaigrid"
    engine = ae.host.platform.modules.modules["audio_engine"].state

    async def resources() -> tuple[object, object]:
        return await engine.resources.get("vad"), await engine.resources.get("speaker_embedding")

    vad, encoder = ae.host.call(resources)
    assert vad is ae.host.call(backends.get, "vad", "silero")
    assert encoder is ae.host.call(backends.get, "speaker_embedding", "resemblyzer")


def test_an_unknown_configured_backend_fails_the_module_at_start_up(tmp_path: Path) -> None:
    with engine_host(tmp_path, vad_backend="nope") as host:
        failure = host.platform.modules.failures["audio_engine"]
    assert "AUDIO_ENGINE_VAD_BACKEND='nope'" in failure.error and "registered: silero" in failure.error


def test_readiness(ae: EngineClient) -> None:
    body = ae.host.client.get("/readyz").json()
    assert body["modules"]["audio_engine"]["ready"] is True
    assert body["modules"]["audio_engine"]["checks"] == {"audio_engine.engine": "ok"}


def test_uninstall_erases_stored_files(ae: EngineClient, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "t.wav", tone(300, 1.0), 16000)
    resp = ae.run([{"component_id": "end_silence_trimmer"}], wav)
    assert resp.status_code == 200

    async def count() -> int:
        return len([b async for b in ae.host.platform.blobs.list("audio_engine/")])

    assert ae.host.call(count) == 2
    resp = ae.host.client.post("/v1/modules/audio_engine/uninstall", headers=ae.host.superadmin_headers)
    assert resp.status_code == 200, resp.text
    assert ae.host.call(count) == 0
    assert ae.run([{"component_id": "end_silence_trimmer"}], wav).status_code == 404
