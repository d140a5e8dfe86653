"""scaiecho/stt/faster_whisper.py: the faster-whisper backend on the bundled weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scaiecho.stt.base import OPT_FIT_WINDOW, OPT_TEMPERATURE_FALLBACK, OPT_VAD_FILTER, to_transcript
from scaiecho.stt.bundled import assemble_base
from scaiecho.stt.faster_whisper import FasterWhisperBackend
from scaigrid.backends import SttRequest

from tests.audio_fixtures import concat, noise, silence, write_wav
from tests.scaiecho.conftest import espeak16k, piper16k, wer


def test_transcribes_known_speech_within_a_wer_bound(
    fw_tiny: Any, speech_clip: tuple[np.ndarray, str]
) -> None:
    pcm, text = speech_clip
    result = fw_tiny.transcribe(SttRequest(pcm=pcm))
    assert wer(text, result.text) <= 0.15, result.text
    assert result.language == "en"
    assert result.duration_seconds == pytest.approx(len(pcm) / 16000)
    assert result.segments and all(0.0 < s.confidence <= 1.0 for s in result.segments)
    assert all(0.0 <= s.start <= s.end <= result.duration_seconds for s in result.segments)


def test_word_timestamps_on_request(fw_tiny: Any, speech_clip: tuple[np.ndarray, str]) -> None:
    pcm, _ = speech_clip
    plain = fw_tiny.transcribe(SttRequest(pcm=pcm))
    assert all(s.words is None for s in plain.segments)
    timed = fw_tiny.transcribe(SttRequest(pcm=pcm, word_timestamps=True))
    words = [w for s in timed.segments for w in s.words or []]
    assert len(words) >= 25
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(w.start <= w.end for w in words)
    assert {"quick", "morning", "thursday"} <= {w.word.strip(".,").lower() for w in words}


def test_vad_filter_is_on_by_default_and_drops_silence(fw_tiny: Any) -> None:
    quiet = concat(silence(4.0), noise(4.0, amp=0.003))
    result = to_transcript(fw_tiny.transcribe(SttRequest(pcm=quiet)), kind="A")
    assert result.text == "" and result.segments == []


def test_temperature_and_vad_options_reach_the_model(fw_tiny: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = fw_tiny.whisper.transcribe

    def spy(audio: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(audio, **kwargs)

    monkeypatch.setattr(fw_tiny.whisper, "transcribe", spy)
    pcm = espeak16k("testing the temperature option")
    fw_tiny.transcribe(SttRequest(pcm=pcm, temperature=0.7, options={OPT_VAD_FILTER: False}))
    fw_tiny.transcribe(SttRequest(pcm=pcm, options={OPT_TEMPERATURE_FALLBACK: True}))
    assert seen[0]["temperature"] == 0.7 and seen[0]["vad_filter"] is False
    assert "temperature" not in seen[1] and seen[1]["vad_filter"] is True  # the library's fallback schedule


def test_audio_path_requests_are_decoded(fw_tiny: Any, tmp_path: Path) -> None:
    text = "This recording was stored in a file on the disk."
    path = write_wav(tmp_path / "a.wav", piper16k(text), 16000)
    result = fw_tiny.transcribe(SttRequest(audio_path=str(path)))
    assert wer(text, result.text) <= 0.2, result.text


@pytest.fixture(scope="module")
def fw_base(scaiecho_models_dir: Path) -> FasterWhisperBackend:
    return FasterWhisperBackend(assemble_base(scaiecho_models_dir), model="base", beam_size=1)


def test_multilingual_base_honours_the_language_hint(fw_base: FasterWhisperBackend) -> None:
    assert fw_base.multilingual and fw_base.supports_language_hint
    text = "Guten Morgen, wie geht es dir heute?"
    pcm = espeak16k(text, "de")
    german = fw_base.transcribe(SttRequest(pcm=pcm, language="de"))
    assert german.language == "de"
    assert wer(text, german.text) <= 0.5, german.text
    forced = fw_base.transcribe(SttRequest(pcm=pcm, language="en"))
    assert forced.language == "en"  # the hint decides, not detection


def test_english_only_model_reports_english(fw_tiny: Any) -> None:
    assert not fw_tiny.multilingual and fw_tiny.languages == ("en",)
    assert fw_tiny.supports_language("en") and not fw_tiny.supports_language("de")


def test_multilingual_models_keep_the_standard_window_for_live_chunks(
    fw_base: FasterWhisperBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short windows garble non-English text on the multilingual base: it never takes them."""
    monkeypatch.setattr(
        "scaiecho.stt.faster_whisper.transcribe_fitted", lambda *a, **k: pytest.fail("fitted window used")
    )
    text = "Guten Morgen, wie geht es dir heute?"
    result = fw_base.transcribe(SttRequest(pcm=espeak16k(text, "de"), options={OPT_FIT_WINDOW: True}))
    assert result.language == "de"
    assert wer(text, result.text) <= 0.5, result.text
