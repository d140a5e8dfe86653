"""scaigrid/backends/builtin/: the host's own VAD, speaker-embedding and denoise backends.

A host with no module at all serves them, by name, through ``backends.call``; they
load once per process whichever module asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scaigrid.backends.builtin import DENOISE, HOST_PROVIDER, SPEAKER_EMBEDDING, VAD
from scaigrid.backends.vectors import cosine, normalise, same_voice
from scaigrid.errors import ScaigridError, StartupError

from tests.audio_fixtures import espeak_speech, piper_speech
from tests.harness import Host


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("builtin"), plugins=[]) as h:
        yield h


def test_the_host_registers_one_backend_per_model(host: Host) -> None:
    backends = host.platform.backends
    for capability, name in (("vad", VAD), ("speaker_embedding", SPEAKER_EMBEDDING), ("denoise", DENOISE)):
        assert name in backends.names(capability, "A")
        assert backends.provider(capability, name) == HOST_PROVIDER


def test_vad_finds_the_speech_and_nothing_in_silence(host: Host) -> None:
    speech, _ = piper_speech("Voice activity is found by the host's own backend.", sr=16000)
    padded = np.concatenate([np.zeros(16000, np.float32), speech, np.zeros(16000, np.float32)])
    spans = host.call(host.platform.backends.call, "vad", VAD, padded)
    assert spans and 0.7 < spans[0].start < 1.3 and spans[-1].end < len(padded) / 16000 - 0.5
    assert host.call(host.platform.backends.call, "vad", VAD, np.zeros(16000, np.float32)) == []


def test_speaker_embedding_tells_voices_apart(host: Host) -> None:
    backends = host.platform.backends
    joe_a, _ = piper_speech("The first sentence from the first voice is long enough.", sr=16000)
    joe_b, _ = piper_speech("And here is another one from that same voice again.", sr=16000)
    other, _ = espeak_speech("The first sentence from the first voice is long enough.", sr=16000)
    a, b, c = (
        host.call(backends.call, "speaker_embedding", SPEAKER_EMBEDDING, x) for x in (joe_a, joe_b, other)
    )
    assert a.shape == (256,) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-4
    assert cosine(a, b) > cosine(a, c)
    with pytest.raises(ScaigridError) as info:
        host.call(
            lambda: backends.call(
                "speaker_embedding", SPEAKER_EMBEDDING, np.zeros(16000, np.float32), min_voiced_seconds=0.5
            )
        )
    assert info.value.code == "NOT_ENOUGH_SPEECH" and info.value.status_code == 400


def test_denoise_keeps_length(host: Host) -> None:
    speech, _ = piper_speech("Noise goes, speech stays.", sr=16000)
    noisy = speech + np.random.default_rng(1).normal(0, 0.02, speech.shape).astype(np.float32)
    out = host.call(lambda: host.platform.backends.call("denoise", DENOISE, noisy, sample_rate=16000))
    assert out.shape == noisy.shape and float(np.std(out)) < float(np.std(noisy))


def test_a_configured_name_is_checked_with_the_valid_names(host: Host) -> None:
    host.platform.backends.require("vad", VAD, setting="X_VAD")
    with pytest.raises(
        StartupError, match=r"X_VAD='webrtc' names no registered vad backend; registered: silero"
    ):
        host.platform.backends.require("vad", "webrtc", setting="X_VAD")


def test_vector_helpers() -> None:
    assert cosine([1, 0], [0, 1]) == 0.0 and cosine([0, 0], [1, 1]) == 0.0
    assert cosine([1, 2], [2, 4]) == pytest.approx(1.0)
    assert float(np.linalg.norm(normalise([3, 4]))) == pytest.approx(1.0)
    assert same_voice([1, 0], [1, 0.1], 0.9) and not same_voice([1, 0], [0, 1], 0.5)


def test_host_without_plugins_starts_in_a_temp_dir(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[]) as h:
        assert h.client.get("/readyz").status_code == 200
