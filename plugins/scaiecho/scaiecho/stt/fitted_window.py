"""Whisper on an encoder window fitted to a short clip instead of the padded 30 s.

Whisper's encoder reads 30 s of audio (3000 mel frames) whatever the clip's length, so
for a 3 s utterance nine tenths of the work encodes padding, and the encoder is most of a
small model's cost (tiny.en on one core: ~0.3 s for the 30 s window, ~0.015 s for 5 s).
CTranslate2's encoder accepts fewer frames (it slices the positional table), so live
streams decode each utterance on a window of ``max(clip + 1 s, 8 s)`` of zero-padded
audio: 0.28 of the standard call's time per utterance, with the same word error rate on
the test voices (``bench/bench_stt_window.py`` measures both). English-only (``.en``) models
only: on the multilingual base, short windows misdetect and garble other languages.

A window the model was never trained on can make it loop, repeating the utterance until
the token budget runs out. :func:`transcribe_fitted` therefore decodes with timestamps and
accepts a result only when

- the model ended it (end-of-text) within a token budget proportional to the clip (a loop
  runs until it is cut off),
- its text passes Whisper's own compression-ratio test (gzip ratio <= 2.4), which only
  bites on long text, so also: no phrase of one to three words three times in a row, and
  no more words than anyone says in the clip's time (``2 + 5/s``).

anything else returns ``None`` and the caller decodes the standard 30 s window, which is
what the bare library call does. Segments that start past the end of the clip (text the
model placed in the padding) are dropped; ends are clipped to the clip.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaiecho.stt.base import SAMPLE_RATE

__all__ = [
    "FittedResult",
    "FittedSegment",
    "WindowConfig",
    "accept",
    "parse_segments",
    "repeats",
    "transcribe_fitted",
    "window_frames",
]

HOP = 160
"""Samples per mel frame (10 ms)."""
FULL_FRAMES = 3000
"""The standard window: 30 s."""
MAX_DECODER_POSITIONS = 448
MAX_COMPRESSION_RATIO = 2.4
MAX_WORDS_BASE = 2
MAX_WORDS_PER_SECOND = 5.0
"""Fast speech is about four words a second; more words than this is text the audio does not hold."""
"""Whisper's threshold for "this text repeats itself" (``compression_ratio_threshold``)."""


@dataclass(frozen=True)
class WindowConfig:
    """How the window is sized and how much text a clip may produce."""

    min_seconds: float = 8.0
    """Shortest window: shorter ones loop more often on one-word clips."""
    tail_seconds: float = 1.0
    """Silence after the clip inside the window (the model needs room to close the segment)."""
    max_clip_seconds: float = 20.0
    """Longer clips take the standard window (the saving shrinks and loops cost more)."""
    tokens_per_second: float = 8.0
    base_tokens: int = 16
    """Budget: ``base_tokens + tokens_per_second * clip seconds`` generated tokens."""

    def budget(self, samples: int) -> int:
        return int(self.base_tokens + self.tokens_per_second * samples / SAMPLE_RATE)


@dataclass(frozen=True)
class FittedSegment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class FittedResult:
    segments: list[FittedSegment]
    avg_logprob: float
    frames: int
    """The window the encoder read, in 10 ms mel frames."""


def window_frames(samples: int, config: WindowConfig) -> int:
    """Mel frames of the window for a clip of ``samples`` (even, at most the standard 3000)."""
    seconds = max(samples / SAMPLE_RATE + config.tail_seconds, config.min_seconds)
    frames = 2 * math.ceil(seconds * 100 / 2)  # the encoder's first convolution has stride 2
    return min(frames, FULL_FRAMES)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def parse_segments(
    tokens: list[int], *, timestamp_begin: int, duration: float, decode: Any
) -> list[FittedSegment]:
    """Timestamped tokens → the segments inside the clip.

    ``<|t0|> text <|t1|>`` is one segment; two timestamps in a row end one segment and
    start the next; text left open at the end (the model may end with end-of-text right
    after it) runs to the end of the clip. ``decode`` turns text token ids into a string.
    """
    segments: list[FittedSegment] = []
    start: float | None = None
    text: list[int] = []

    def close(end: float) -> None:
        words = str(decode(text)).strip() if text else ""
        if words and start is not None and start < duration:
            segments.append(FittedSegment(start=start, end=min(max(end, start), duration), text=words))

    for token in tokens:
        if token < timestamp_begin:
            if start is None:
                start = 0.0 if not segments else segments[-1].end
            text.append(token)
            continue
        stamp = (token - timestamp_begin) * 0.02
        if start is None:
            start = stamp
            continue
        close(stamp)
        start, text = None, []
    close(duration)
    return segments


def repeats(words: list[str], *, times: int = 3, longest: int = 3) -> bool:
    """Whether some run of 1..``longest`` words occurs ``times`` times back to back."""
    for size in range(1, longest + 1):
        for start in range(len(words) - size * times + 1):
            phrase = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == phrase for k in range(1, times)):
                return True
    return False


def accept(segments: list[FittedSegment], *, generated: int, budget: int, duration: float) -> bool:
    """The guard: the model ended within the budget and the text neither repeats itself nor
    says more than fits in ``duration`` seconds (else decode the standard window)."""
    if generated >= budget:
        return False
    text = " ".join(s.text for s in segments)
    words = re.sub(r"[^\w\s']", " ", text.lower()).split()
    if len(words) > MAX_WORDS_BASE + MAX_WORDS_PER_SECOND * duration:
        return False
    return compression_ratio(text) <= MAX_COMPRESSION_RATIO and not repeats(words)


def transcribe_fitted(
    model: Any,
    audio: np.ndarray,
    *,
    prompt: str | None = None,
    temperature: float = 0.0,
    beam_size: int = 1,
    config: WindowConfig | None = None,
) -> FittedResult | None:
    """Decode ``audio`` (16 kHz mono float32) on a fitted window with ``model``, a
    ``faster_whisper.WhisperModel``; ``None`` when the clip is empty or too long, when the
    model is multilingual, or when the guard fails."""
    from faster_whisper.tokenizer import Tokenizer

    config = config or WindowConfig()
    if not len(audio) or len(audio) > config.max_clip_seconds * SAMPLE_RATE:
        return None
    if model.model.is_multilingual:
        # Measured on the bundled multilingual base: short windows detect German as English
        # and garble non-English text that the 30 s window reads; English-only models only.
        return None
    frames = window_frames(len(audio), config)
    # Zero audio, as Whisper's training padded it (padding the mel features with zeros, as
    # faster-whisper does for its 30 s window, measured worse on short windows).
    padded = np.zeros(frames * HOP, dtype=np.float32)
    padded[: len(audio)] = audio[: len(padded)]
    features = model.feature_extractor(padded, padding=0)[:, :frames]
    encoder_output = model.encode(np.ascontiguousarray(features))

    tokenizer = Tokenizer(model.hf_tokenizer, False)
    previous = tokenizer.encode(" " + prompt.strip()) if prompt and prompt.strip() else []
    sequence = model.get_prompt(tokenizer, previous, without_timestamps=False)

    budget = config.budget(len(audio))
    if temperature > 0:
        sampling: dict[str, Any] = {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": temperature}
    else:
        sampling = {"beam_size": max(1, beam_size), "patience": 1.0}
    # CTranslate2 4.x counts the prompt in ``max_length`` and stops Whisper after
    # ``max_length / 2`` generated tokens (measured); this bound lets more than ``budget``
    # tokens through under either reading, so a loop always reaches the budget ``accept``
    # checks, and a natural end-of-text below it is told apart.
    result = model.model.generate(
        encoder_output,
        [sequence],
        max_length=min(MAX_DECODER_POSITIONS, 2 * (len(sequence) + budget)),
        return_scores=True,
        suppress_blank=True,
        suppress_tokens=[-1],
        max_initial_timestamp_index=50,
        **sampling,
    )[0]
    tokens = list(result.sequences_ids[0])
    segments = parse_segments(
        tokens,
        timestamp_begin=tokenizer.timestamp_begin,
        duration=len(audio) / SAMPLE_RATE,
        decode=tokenizer.decode,
    )
    if not accept(segments, generated=len(tokens), budget=budget, duration=len(audio) / SAMPLE_RATE):
        return None
    return FittedResult(
        segments=segments,
        avg_logprob=float(result.scores[0]) if result.scores else float("-inf"),
        frames=frames,
    )
