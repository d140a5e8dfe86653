"""scaiecho/services.py: the service contract other modules and the streaming code call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scaiecho.plugin
from scaiecho.contracts import (
    DIARIZATION,
    SPEAKER_EMBEDDING,
    TRANSCRIPTION,
    BackendChoice,
    DiarizationService,
    SpeakerEmbeddingService,
    TranscribeOptions,
    Transcript,
    TranscriptionService,
    Turn,
)
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import write_wav
from tests.harness import Host
from tests.scaiecho.conftest import SENTENCES, espeak16k, piper16k, wer


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("echo-services"), plugins=[scaiecho.plugin]) as h:
        h.tenant("acme")
        yield h


_PROTOCOLS: dict[str, type[Any]] = {
    TRANSCRIPTION: TranscriptionService,
    DIARIZATION: DiarizationService,
    SPEAKER_EMBEDDING: SpeakerEmbeddingService,
}


def _svc(host: Host, name: str) -> Any:
    return host.platform.services.get(name, _PROTOCOLS[name])


def test_services_are_registered_with_their_published_protocols(host: Host) -> None:
    services = host.platform.services
    assert set(_PROTOCOLS) <= set(services.names())
    for name, protocol in _PROTOCOLS.items():
        assert services.spec(name).protocol is protocol
        assert services.get(name, protocol) is services.get(name)


def test_transcribe_file_and_pcm(host: Host, tmp_path: Path, speech_clip: Any) -> None:
    pcm, text = speech_clip
    svc = _svc(host, "scaiecho.transcription")
    from_pcm = host.call(
        lambda: svc.transcribe_pcm(pcm, TranscribeOptions(word_timestamps=True), tenant_id="acme")
    )
    assert isinstance(from_pcm, Transcript) and from_pcm.backend_used == "A" and from_pcm.model == "tiny.en"
    assert wer(text, from_pcm.text) <= 0.15
    assert all(s.words for s in from_pcm.segments)
    path = write_wav(tmp_path / "clip.wav", pcm, 16000)
    from_file = host.call(lambda: svc.transcribe_file(path, tenant_id="acme", user_id="u1"))
    assert wer(from_pcm.text, from_file.text) <= 0.1  # the WAV is 16-bit: nearly the same input
    assert from_file.segments[0].words is None


def test_resolve_backend_and_errors(host: Host) -> None:
    svc = _svc(host, "scaiecho.transcription")
    choice = host.call(svc.resolve_backend, "acme", "any")
    assert choice == BackendChoice(kind="A", name="scaiecho-whisper-tiny.en")
    # No relay is configured in this app: even prefer_relay lands on A (the only usable kind).
    assert host.call(svc.resolve_backend, "acme", "prefer_relay").kind == "A"
    with pytest.raises(ScaigridError) as info:
        host.call(svc.resolve_backend, "acme", "cheapest")
    assert info.value.code == "SCAIECHO_BAD_BACKEND_PREFERENCE" and info.value.status_code == 400


def test_transcribe_chunk_uses_the_given_backend_without_vad(host: Host) -> None:
    svc = _svc(host, "scaiecho.transcription")
    choice = host.call(svc.resolve_backend, "acme", "any")
    pcm = piper16k(SENTENCES[1])
    out = host.call(lambda: svc.transcribe_chunk(pcm, choice=choice, prompt="Invoice follow-up."))
    assert wer(SENTENCES[1], out.text) <= 0.2 and out.backend_used == "A"
    with pytest.raises(ScaigridError) as info:
        host.call(lambda: svc.transcribe_chunk(np.zeros(0, np.float32), choice=choice))
    assert info.value.code == "SCAIECHO_EMPTY_AUDIO"


def test_transcribe_pcm_validates_input(host: Host) -> None:
    svc = _svc(host, "scaiecho.transcription")
    pcm = piper16k("short")
    for kwargs, code in (
        ({"temperature": 2.0}, "SCAIECHO_BAD_REQUEST"),
        ({"num_speakers": 0}, "SCAIECHO_BAD_REQUEST"),
        ({"backend_preference": "x"}, "SCAIECHO_BAD_BACKEND_PREFERENCE"),
    ):
        options = TranscribeOptions(**kwargs)
        with pytest.raises(ScaigridError) as info:
            host.call(lambda o=options: svc.transcribe_pcm(pcm, o, tenant_id="acme"))
        assert info.value.code == code
    with pytest.raises(ScaigridError) as info:
        host.call(lambda: svc.transcribe_pcm(np.zeros((2, 100), np.float32), tenant_id="acme"))
    assert info.value.code == "SCAIECHO_BAD_REQUEST"


def test_diarization_service(host: Host, two_speaker_call: Any) -> None:
    pcm, truth = two_speaker_call
    turns = host.call(lambda: _svc(host, "scaiecho.diarization").diarize(pcm, num_speakers=2))
    assert all(isinstance(t, Turn) for t in turns)
    assert {t.speaker for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    agent_mid = (truth[0][0] + truth[0][1]) / 2
    assert next(t.speaker for t in turns if t.start <= agent_mid <= t.end) == "SPEAKER_00"


def test_speaker_embedding_service(host: Host, two_speaker_call: Any) -> None:
    svc = _svc(host, "scaiecho.speaker_embedding")
    joe = host.call(svc.embed, piper16k("A sentence from the first voice, long enough to embed."))
    other = host.call(svc.embed, espeak16k("A sentence from the second voice, long enough to embed."))
    assert len(joe) == 256 and abs(float(np.linalg.norm(joe)) - 1.0) < 1e-4
    assert svc.similarity(joe, joe) == pytest.approx(1.0)
    pcm, truth = two_speaker_call
    turns = [Turn(start=s, end=e, speaker=spk) for s, e, spk in truth]
    per_speaker = host.call(svc.embed_turns, pcm, turns)
    assert set(per_speaker) == {"agent", "caller"}
    assert svc.similarity(per_speaker["agent"], joe) > svc.similarity(per_speaker["agent"], other)
    assert svc.similarity(per_speaker["caller"], other) > svc.similarity(per_speaker["caller"], joe)
