"""The plugin's hooks through a real host: backends, readiness, the component hook, uninstall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from audio_engine.engine import DENOISE_BACKEND, SPEAKER_BACKEND, VAD_BACKEND

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_fixtures import piper_speech, tone, write_wav


@pytest.fixture(scope="module")
def ae(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineClient]:
    with engine_host(tmp_path_factory.mktemp("host"), process_pool_workers=0) as host:
        yield EngineClient(host)


def test_backends_are_host_backends(ae: EngineClient) -> None:
    backends = ae.host.platform.backends
    assert backends.names("vad") == [VAD_BACKEND]
    assert backends.names("speaker_embedding") == [SPEAKER_BACKEND]
    assert backends.names("denoise") == [DENOISE_BACKEND]
    speech, _ = piper_speech("Backends load once and serve every module.", sr=16000)

    async def use() -> tuple[list, np.ndarray, np.ndarray]:
        spans = await backends.run("vad", VAD_BACKEND, "speech_segments", speech)
        emb = await backends.run("speaker_embedding", SPEAKER_BACKEND, "embed", speech)
        den = await backends.run("denoise", DENOISE_BACKEND, "denoise", speech, 16000)
        return spans, emb, den

    spans, emb, den = ae.host.call(use)
    assert spans and spans[0].start < 0.3 and spans[-1].end > len(speech) / 16000 - 0.5
    assert emb.shape == (256,) and abs(float(np.linalg.norm(emb)) - 1.0) < 1e-4
    assert den.shape == speech.shape


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
