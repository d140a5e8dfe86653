"""The shared silero model scores speech above silence, and chunking never changes a score."""

from __future__ import annotations

import numpy as np
import pytest
from scaiecho.streaming.vad import WINDOW, SileroVad, VadState, shared_vad

from tests.audio_fixtures import concat, noise, piper_speech, silence


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return shared_vad()


def test_speech_scores_high_and_silence_low(vad: SileroVad) -> None:
    speech, _ = piper_speech("The quick brown fox jumps over the lazy dog.", sr=16000)
    audio = concat(silence(1.0), speech, silence(1.0), noise(1.0, amp=0.01))
    probs = vad.score(VadState(), audio)
    assert len(probs) == len(audio) // WINDOW
    lead = round(1.0 * 16000 / WINDOW)
    body = probs[lead : lead + len(speech) // WINDOW]
    assert probs[: lead - 2].max() < 0.2
    assert (body > 0.5).mean() > 0.6
    after = lead + len(speech) // WINDOW
    assert probs[after + 10 : after + 28].max() < 0.35  # the silence after the speech
    assert (probs[-round(1.0 * 16000 / WINDOW) :] > 0.5).mean() < 0.1  # faint noise is not speech


def test_chunked_scoring_equals_whole(vad: SileroVad) -> None:
    speech, _ = piper_speech("Chunk boundaries must not matter.", sr=16000)
    whole = vad.score(VadState(), speech)
    state = VadState()
    rest = np.zeros(0, dtype=np.float32)
    parts = []
    for i in range(0, len(speech), 1234):
        buf = np.concatenate([rest, speech[i : i + 1234]])
        p = vad.score(state, buf)
        parts.append(p)
        rest = buf[len(p) * WINDOW :]
    assert np.array_equal(np.concatenate(parts), whole)


def test_states_are_independent(vad: SileroVad) -> None:
    speech, _ = piper_speech("Two streams, one model.", sr=16000)
    a, b = VadState(), VadState()
    vad.score(a, speech)  # stream a has heard speech; b has not
    fresh = vad.score(b, silence(0.5))
    assert np.allclose(fresh, vad.score(VadState(), silence(0.5)))


def test_fewer_samples_than_a_window_score_nothing(vad: SileroVad) -> None:
    assert len(vad.score(VadState(), np.zeros(WINDOW - 1, dtype=np.float32))) == 0
