"""scaiecho/stt/hf_whisper.py: the transformers backend, tested on tiny.en converted from CT2."""

from __future__ import annotations

from typing import Any

import numpy as np
from scaiecho.stt.base import OPT_TEMPERATURE_FALLBACK
from scaigrid.backends import SttRequest

from tests.audio_fixtures import concat, silence
from tests.scaiecho.conftest import piper16k, wer


def test_same_transcript_as_faster_whisper(
    hf_tiny: Any, fw_tiny: Any, speech_clip: tuple[np.ndarray, str]
) -> None:
    pcm, text = speech_clip
    hf = hf_tiny.transcribe(SttRequest(pcm=pcm))
    fw = fw_tiny.transcribe(SttRequest(pcm=pcm))
    assert wer(fw.text, hf.text) <= 0.1, (fw.text, hf.text)
    assert wer(text, hf.text) <= 0.15
    assert hf.language == "en" and hf.model == "hf"
    assert all(0.0 < s.confidence <= 1.0 for s in hf.segments)
    assert all(0.0 <= s.start < s.end <= len(pcm) / 16000 + 0.01 for s in hf.segments)


def test_word_timestamps_follow_the_speech(hf_tiny: Any) -> None:
    first, second = piper16k("Good morning everyone."), piper16k("Let us begin the review.")
    pcm = concat(silence(1.0), first, silence(2.0), second)
    result = hf_tiny.transcribe(SttRequest(pcm=pcm, word_timestamps=True))
    words = [w for s in result.segments for w in s.words or []]
    by_text = {w.word.strip(".,").lower(): w for w in words}
    assert {"good", "morning", "review"} <= set(by_text)
    second_start = 1.0 + len(first) / 16000 + 2.0
    assert by_text["good"].start < 1.0 + len(first) / 16000
    assert by_text["review"].start > second_start - 0.3
    assert all(w.start <= w.end for w in words)


def test_long_audio_is_cut_into_windows(hf_tiny: Any) -> None:
    sentence = "This is sentence number {} of a long recording."
    numbers = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    parts = []
    for n in numbers:
        parts += [piper16k(sentence.format(n)), silence(1.2)]
    pcm = concat(*parts)
    assert len(pcm) / 16000 > 31.0  # longer than one Whisper window
    result = hf_tiny.transcribe(SttRequest(pcm=pcm, options={OPT_TEMPERATURE_FALLBACK: True}))
    reference = " ".join(sentence.format(n) for n in numbers)
    assert wer(reference, result.text.replace("1", "one").replace("2", "two")) <= 0.25, result.text
    assert result.segments[-1].end > 30.0


def test_prompt_is_accepted(hf_tiny: Any) -> None:
    pcm = piper16k("The quarterly numbers look good.")
    result = hf_tiny.transcribe(
        SttRequest(pcm=pcm, prompt="Finance meeting notes.", options={"vad_filter": False})
    )
    assert wer("The quarterly numbers look good.", result.text) <= 0.3
