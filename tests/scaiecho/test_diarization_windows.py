"""scaigrid/backends/builtin/resemblyzer.py: utterance and window embeddings (the diarizer's input)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scaigrid.backends.vectors import cosine

from tests.audio_fixtures import concat, silence
from tests.scaiecho.conftest import espeak16k, piper16k


def test_same_voice_is_closer_than_different_voices(encoder: Any) -> None:
    joe_a = encoder.embed(piper16k("I would like to book a table for two people tonight."))
    joe_b = encoder.embed(piper16k("The train to the airport leaves every twenty minutes."))
    other = encoder.embed(espeak16k("I would like to book a table for two people tonight.", "en-us+f3"))
    assert joe_a.shape == (256,) and abs(float(np.linalg.norm(joe_a)) - 1.0) < 1e-5
    same, different = cosine(joe_a, joe_b), cosine(joe_a, other)
    assert same > 0.8  # piper joe, two sentences: 0.84 measured (deterministic synthesis)
    assert same - different > 0.2


def test_windows_cover_each_region(encoder: Any) -> None:
    speech = piper16k("One two three four five six seven eight nine ten.")
    pcm = concat(silence(1.0), speech, silence(1.0))
    region = (1.0, 1.0 + len(speech) / 16000)
    out = encoder.windows(pcm, [region, (0.1, 0.3)], window=1.5, hop=0.75)
    assert len(out) == out.vectors.shape[0] >= 3
    assert all(region[0] - 1e-6 <= s < e <= region[1] + 1e-6 for s, e in out.spans)  # short region skipped
    assert out.spans[-1][1] == region[1]  # the tail is covered
    assert np.allclose(np.linalg.norm(out.vectors, axis=1), 1.0, atol=1e-4)


def test_cosine_of_zero_vectors_is_zero() -> None:
    assert cosine([0.0, 0.0], [1.0, 0.0]) == 0.0
