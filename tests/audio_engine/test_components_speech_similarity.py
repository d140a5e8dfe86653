"""speech_similarity: the same piper voice scores above the threshold, other voices below."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from audio_engine.components.speech_similarity import (
    COMPONENT,
    NOT_ENOUGH_SPEECH,
    SpeechSimilarityParams,
    run,
)
from audio_engine.errors import ComponentInputError
from audio_engine.resources import SPEAKER_EMBEDDING

from tests.audio_fixtures import espeak_speech, piper_speech, silence, tone, write_wav

SR = 16000


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("voices")
    a, _ = piper_speech("I would like to book a table for two people tonight.", sr=SR)
    b, _ = piper_speech("The weather report says it will rain again tomorrow afternoon.", sr=SR)
    c, _ = espeak_speech("The weather report says it will rain again tomorrow afternoon.", "en-us+f3", SR)
    e, _ = espeak_speech("The weather report says it will rain again tomorrow afternoon.", "en-gb+m3", SR)
    return {
        "a": write_wav(d / "joe_a.wav", a, SR),
        "b": write_wav(d / "joe_b.wav", b, SR),
        "f3": write_wav(d / "espeak_f3.wav", c, SR),
        "m3": write_wav(d / "espeak_m3.wav", e, SR),
        "tone": write_wav(d / "tone.wav", tone(440, 2.0), SR),
        "quiet": write_wav(d / "quiet.wav", silence(2.0), SR),
    }


def test_same_speaker_scores_higher_than_different(voices, make_step, speaker_encoder) -> None:
    step = make_step(
        voices["a"], voices["b"], voices["f3"], voices["m3"], resources={SPEAKER_EMBEDDING: speaker_encoder}
    )
    result = run(step, SpeechSimilarityParams())
    comps = result.metrics["comparisons"]
    assert [c["filename"] for c in comps] == ["joe_b.wav", "espeak_f3.wav", "espeak_m3.wav"]
    same, other_f, other_m = (c["similarity"] for c in comps)
    assert same > other_f and same > other_m
    assert same >= 0.8
    assert [c["same_speaker"] for c in comps] == [True, False, False]
    assert result.metrics["all_same_speaker"] is False
    assert result.metrics["max_similarity"] == same


def test_threshold_decides(voices, make_step, speaker_encoder) -> None:
    step = make_step(voices["a"], voices["f3"], resources={SPEAKER_EMBEDDING: speaker_encoder})
    result = run(step, SpeechSimilarityParams(threshold=0.0))
    assert result.metrics["comparisons"][0]["same_speaker"] is True
    assert result.metrics["all_same_speaker"] is True


def test_file_without_speech_is_a_client_error(voices, make_step, speaker_encoder) -> None:
    step = make_step(voices["a"], voices["quiet"], resources={SPEAKER_EMBEDDING: speaker_encoder})
    with pytest.raises(ComponentInputError) as info:
        run(step, SpeechSimilarityParams())
    assert info.value.code == NOT_ENOUGH_SPEECH and "quiet.wav" in info.value.message


def test_registration_and_params() -> None:
    assert COMPONENT.min_files == 2 and COMPONENT.needs == (SPEAKER_EMBEDDING,)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"threshold": 2}, SpeechSimilarityParams)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"metric": "cosine"}, SpeechSimilarityParams)
