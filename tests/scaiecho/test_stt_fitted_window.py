"""scaiecho/stt/fitted_window.py: Whisper on an encoder window fitted to a short clip."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scaiecho.stt import fitted_window
from scaiecho.stt.base import OPT_FIT_WINDOW, OPT_VAD_FILTER
from scaiecho.stt.fitted_window import (
    FittedSegment,
    WindowConfig,
    accept,
    parse_segments,
    repeats,
    transcribe_fitted,
    window_frames,
)
from scaigrid.backends import SttRequest

from tests.audio_fixtures import concat, silence
from tests.scaiecho.conftest import espeak16k, piper16k, wer

TB = 1000  # a made-up timestamp_begin for the token-level tests


def stamp(seconds: float) -> int:
    return TB + round(seconds / 0.02)


def decode(tokens: list[int]) -> str:
    return " ".join(f"w{t}" for t in tokens)


def pad(pcm: np.ndarray) -> np.ndarray:
    return concat(silence(0.12), pcm, silence(0.12))


UTTERANCES = [
    "The weather today is sunny with a light breeze from the west.",
    "Could you send me the report before the meeting starts?",
    "We will review the budget and the hiring plan on Friday.",
    "Let me check my calendar and get back to you.",
]


# -- sizing and parsing -------------------------------------------------------------------------


def test_window_is_the_clip_plus_a_tail_with_a_floor_and_the_standard_cap() -> None:
    config = WindowConfig()
    assert window_frames(16000, config) == 800  # 1 s clip: the 8 s floor
    assert window_frames(int(10.3 * 16000), config) == 1130  # 10.3 s + 1 s, even
    assert window_frames(int(10.31 * 16000), config) % 2 == 0
    assert window_frames(40 * 16000, config) == 3000


def test_budget_grows_with_the_clip() -> None:
    config = WindowConfig(tokens_per_second=8.0, base_tokens=16)
    assert config.budget(0) == 16 and config.budget(5 * 16000) == 56


def test_segments_are_parsed_and_clipped_to_the_clip() -> None:
    tokens = [stamp(0.0), 1, 2, stamp(2.0), stamp(2.0), 3, stamp(3.6)]
    assert parse_segments(tokens, timestamp_begin=TB, duration=3.0, decode=decode) == [
        FittedSegment(start=0.0, end=2.0, text="w1 w2"),
        FittedSegment(start=2.0, end=3.0, text="w3"),
    ]


def test_text_left_open_at_end_of_text_runs_to_the_end_of_the_clip() -> None:
    """With a prompt, Whisper often ends with end-of-text right after the last word."""
    tokens = [stamp(0.0), 1, 2, stamp(1.2), 3, 4]
    assert parse_segments(tokens, timestamp_begin=TB, duration=3.0, decode=decode) == [
        FittedSegment(start=0.0, end=1.2, text="w1 w2"),
        FittedSegment(start=1.2, end=3.0, text="w3 w4"),
    ]
    assert parse_segments([5], timestamp_begin=TB, duration=1.0, decode=decode) == [
        FittedSegment(start=0.0, end=1.0, text="w5")
    ]
    assert parse_segments([], timestamp_begin=TB, duration=1.0, decode=decode) == []


def test_text_placed_in_the_padding_is_dropped() -> None:
    tokens = [stamp(0.0), 1, stamp(1.5), stamp(4.2), 2, stamp(5.0)]
    segments = parse_segments(tokens, timestamp_begin=TB, duration=3.0, decode=decode)
    assert [s.text for s in segments] == ["w1"]


def test_the_guard() -> None:
    ok = [FittedSegment(0.0, 2.0, "Could you send me the report before the meeting starts?")]
    assert accept(ok, generated=14, budget=40, duration=3.0)
    assert not accept(ok, generated=40, budget=40, duration=3.0)  # cut off: the model did not end it
    assert not accept(ok, generated=14, budget=40, duration=1.0)  # ten words do not fit in 1 s
    looped = [FittedSegment(0.0, 20.0, " ".join(["Okay, thanks."] * 12))]
    assert not accept(looped, generated=30, budget=200, duration=20.0)  # compression ratio
    stutter = [FittedSegment(0.0, 2.0, "Okay, okay, okay, okay.")]
    assert not accept(stutter, generated=9, budget=40, duration=2.0)
    assert accept([FittedSegment(0.0, 1.0, "Right, right.")], generated=5, budget=30, duration=1.2)


def test_repeats_finds_short_phrases_three_times_in_a_row() -> None:
    assert repeats(["okay", "okay", "okay"])
    assert repeats(["so", "thank", "you", "thank", "you", "thank", "you"])
    assert repeats(["a", "b", "c", "a", "b", "c", "a", "b", "c", "d"])
    assert not repeats(["right", "right"])
    assert not repeats(["the", "cat", "and", "the", "dog", "and", "the", "bird"])
    assert not repeats([])


# -- on the real model ------------------------------------------------------------------------


@pytest.mark.parametrize("text", UTTERANCES)
def test_fitted_window_transcribes_utterances_like_the_standard_window(fw_tiny: Any, text: str) -> None:
    pcm = pad(piper16k(text))
    fitted = transcribe_fitted(fw_tiny.whisper, pcm, beam_size=1)
    assert fitted is not None
    assert fitted.frames < 1000  # an 8 s window, not 30 s
    hypothesis = " ".join(s.text for s in fitted.segments)
    assert wer(text, hypothesis) <= 0.2, hypothesis
    assert all(0.0 <= s.start <= s.end <= len(pcm) / 16000 for s in fitted.segments)
    assert -1.5 < fitted.avg_logprob < 0.0


def test_the_previous_text_is_used_as_the_prompt(fw_tiny: Any) -> None:
    pcm = pad(espeak16k("and the hiring plan on Friday", "en-us+m1"))
    fitted = transcribe_fitted(fw_tiny.whisper, pcm, prompt="We will review the budget", beam_size=1)
    assert fitted is not None
    hypothesis = " ".join(s.text for s in fitted.segments)
    assert wer("and the hiring plan on Friday", hypothesis) <= 0.34, hypothesis


def test_long_or_empty_clips_take_the_standard_window(fw_tiny: Any) -> None:
    config = WindowConfig(max_clip_seconds=2.0)
    pcm = pad(piper16k(UTTERANCES[0]))
    assert transcribe_fitted(fw_tiny.whisper, pcm, config=config) is None
    assert transcribe_fitted(fw_tiny.whisper, np.zeros(0, dtype=np.float32)) is None


def test_a_window_too_tight_loops_and_the_backend_falls_back(
    fw_tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One-word clips on a window of clip + 1 s make tiny.en repeat the word until the budget
    runs out; the guard rejects that and the backend decodes the 30 s window instead."""
    tight = WindowConfig(min_seconds=0.5, tail_seconds=1.0)
    calls = {"fitted": 0, "rejected": 0, "standard": 0}
    real_fitted = fitted_window.transcribe_fitted
    real_standard = fw_tiny.whisper.transcribe

    def fitted(*args: Any, **kwargs: Any) -> Any:
        result = real_fitted(*args, **{**kwargs, "config": tight})
        calls["fitted"] += 1
        calls["rejected"] += result is None
        return result

    def standard(*args: Any, **kwargs: Any) -> Any:
        calls["standard"] += 1
        return real_standard(*args, **kwargs)

    monkeypatch.setattr("scaiecho.stt.faster_whisper.transcribe_fitted", fitted)
    monkeypatch.setattr(fw_tiny.whisper, "transcribe", standard)
    words = ["Hello.", "Yes.", "No.", "Okay, thanks."]
    for word in words:
        request = SttRequest(pcm=pad(piper16k(word)), options={OPT_FIT_WINDOW: True, OPT_VAD_FILTER: False})
        result = fw_tiny.transcribe(request)
        assert wer(word, result.text) <= 0.5, result.text  # never the looped text
    assert calls["fitted"] == len(words)
    assert calls["rejected"] >= 1
    assert calls["standard"] == calls["rejected"]


def test_backend_uses_the_fitted_window_only_when_asked(
    fw_tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[bool] = []
    real = fitted_window.transcribe_fitted

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr("scaiecho.stt.faster_whisper.transcribe_fitted", spy)
    pcm = pad(piper16k(UTTERANCES[1]))
    fw_tiny.transcribe(SttRequest(pcm=pcm, options={OPT_VAD_FILTER: False}))
    assert used == []
    fw_tiny.transcribe(SttRequest(pcm=pcm, word_timestamps=True, options={OPT_FIT_WINDOW: True}))
    assert used == []  # word timestamps need the standard decoder
    result = fw_tiny.transcribe(SttRequest(pcm=pcm, options={OPT_FIT_WINDOW: True}))
    assert used == [True]
    assert wer(UTTERANCES[1], result.text) <= 0.2, result.text
    assert result.segments and all(0.0 < s.confidence <= 1.0 for s in result.segments)
    assert result.duration_seconds == pytest.approx(len(pcm) / 16000)
