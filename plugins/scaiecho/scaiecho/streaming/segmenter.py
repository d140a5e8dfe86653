"""Turns per-window speech probabilities into utterance cuts: partial, speculative, final.

Pure and synchronous (no model, no I/O), so the timing rules are testable on
their own: the engine scores windows with :class:`~scaiecho.streaming.vad.SileroVad`
and hands the audio plus the probabilities to :meth:`Segmenter.push`.
Positions are absolute sample offsets at 16 kHz since the stream began.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from scaiecho.streaming.vad import SAMPLE_RATE, WINDOW

__all__ = ["Cut", "CutKind", "Segmenter", "SegmenterConfig"]

CutKind = Literal["partial", "speculative", "final", "discard"]


@dataclass(frozen=True)
class SegmenterConfig:
    threshold: float = 0.5
    neg_threshold: float = 0.35
    end_silence_ms: int = 400
    speech_pad_ms: int = 120
    min_speech_ms: int = 200
    max_utterance_seconds: float = 20.0
    partial_interval_seconds: float = 0.5
    speculative_final_ms: int = 160
    interim_results: bool = True

    @staticmethod
    def samples(ms: float) -> int:
        return round(ms * SAMPLE_RATE / 1000)


@dataclass(frozen=True)
class Cut:
    """A piece of one utterance to transcribe (or, for ``discard``, to forget).

    ``partial``: speech is ongoing, transcribe ``[start, end)`` for an interim delta.
    ``speculative``: silence began; this is the final's audio unless speech resumes.
    ``final``: the utterance ended; its delta must be delivered.
    ``discard``: the utterance ended with too little voiced audio; drop its partials.
    """

    kind: CutKind
    utterance: int
    start: int
    end: int
    audio: np.ndarray | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        """Identifies the audio: a speculative and a final with the same key share a result."""
        return (self.utterance, self.start, self.end)


class Segmenter:
    """The utterance state machine of one stream (hysteresis like silero's ``VADIterator``).

    A window at or above ``threshold`` is speech; below ``neg_threshold`` starts (or
    continues) a silence; in between keeps the current state. An utterance ends after
    ``end_silence_ms`` of silence, or is cut at ``max_utterance_seconds``.
    """

    def __init__(self, config: SegmenterConfig) -> None:
        self.config = config
        s = config.samples
        self._end_silence = s(config.end_silence_ms)
        self._pad = s(config.speech_pad_ms)
        self._min_speech = s(config.min_speech_ms)
        self._max_utterance = round(config.max_utterance_seconds * SAMPLE_RATE)
        self._partial_interval = round(config.partial_interval_seconds * SAMPLE_RATE)
        # A speculation must cover the final's trailing pad, or the two would differ.
        self._speculate_after = (
            max(s(config.speculative_final_ms), self._pad) if config.speculative_final_ms else 0
        )
        self.position = 0
        """Samples consumed so far (always whole windows)."""
        self._chunks: list[np.ndarray] = []
        self._buf_start = 0
        self._utterance = 0
        self._in_speech = False
        self._utt_start = 0
        self._voiced = 0
        self._last_voiced_end = 0
        self._silence_start: int | None = None
        self._speculated = False
        self._next_partial = 0
        self._floor = 0
        """No utterance may start before the end of the previous one."""

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def utterance(self) -> int:
        return self._utterance

    def push(self, audio: np.ndarray, probs: np.ndarray) -> list[Cut]:
        """Consume whole windows (``len(audio) == len(probs) * 512``); return the cuts they cause."""
        if len(audio) != len(probs) * WINDOW:
            raise ValueError("push() takes whole 512-sample windows, one probability each")
        if len(audio) == 0:
            return []
        self._chunks.append(np.asarray(audio, dtype=np.float32))
        cuts: list[Cut] = []
        pos = self.position
        for p in probs:
            cuts.extend(self._window(pos, float(p)))
            pos += WINDOW
        self.position = pos
        if self._in_speech and self._silence_start is None:
            partial = self._maybe_partial()
            if partial is not None:
                cuts.append(partial)
        self._trim()
        return cuts

    def finish(self, tail: np.ndarray | None = None) -> list[Cut]:
        """End of stream: the open utterance (plus ``tail``, a last partial window) becomes final."""
        if tail is not None and len(tail):
            self._chunks.append(np.asarray(tail, dtype=np.float32))
            end_of_audio = self.position + len(tail)
        else:
            end_of_audio = self.position
        if not self._in_speech:
            return []
        if self._silence_start is None:
            self._last_voiced_end = end_of_audio
        end = min(self._last_voiced_end + self._pad, end_of_audio)
        return [self._close(end)]

    # -- internals ---------------------------------------------------------------

    def _window(self, pos: int, p: float) -> list[Cut]:
        cfg = self.config
        end = pos + WINDOW
        if not self._in_speech:
            if p < cfg.threshold:
                return []
            self._utterance += 1
            self._in_speech = True
            self._utt_start = max(pos - self._pad, self._floor, self._buf_start)
            self._voiced = WINDOW
            self._last_voiced_end = end
            self._silence_start = None
            self._speculated = False
            self._next_partial = self._utt_start + self._partial_interval
            return []
        cuts: list[Cut] = []
        if p >= cfg.threshold or (p >= cfg.neg_threshold and self._silence_start is None):
            if self._silence_start is not None and self._speculated:
                # Speech resumed after a speculation: its result is now only an interim.
                self._next_partial = end + self._partial_interval
            self._silence_start = None
            self._speculated = False
            self._voiced += WINDOW
            self._last_voiced_end = end
        elif p < cfg.neg_threshold and self._silence_start is None:
            self._silence_start = pos
        if self._silence_start is not None:
            silent = end - self._silence_start
            if silent >= self._end_silence:
                cuts.append(self._close(min(self._last_voiced_end + self._pad, end)))
                return cuts
            if self._speculate_after and not self._speculated and silent >= self._speculate_after:
                self._speculated = True
                if self._voiced >= self._min_speech:
                    stop = min(self._last_voiced_end + self._pad, end)
                    cuts.append(self._cut("speculative", self._utt_start, stop))
        if end - self._utt_start >= self._max_utterance:
            cuts.append(self._close(end))
            if self._silence_start is None:
                # Still speaking: the next utterance starts right here, without a gap.
                self._utterance += 1
                self._in_speech = True
                self._utt_start = end
                self._voiced = 0
                self._last_voiced_end = end
                self._next_partial = end + self._partial_interval
        return cuts

    def _maybe_partial(self) -> Cut | None:
        if not self.config.interim_results or self.position < self._next_partial:
            return None
        if self._voiced < self._min_speech:
            return None
        self._next_partial = self.position + self._partial_interval
        return self._cut("partial", self._utt_start, self.position)

    def _close(self, end: int) -> Cut:
        voiced = self._voiced
        start = self._utt_start
        self._in_speech = False
        self._silence_start = None
        self._speculated = False
        self._floor = end
        if voiced < self._min_speech or end <= start:
            return Cut("discard", self._utterance, start, end)
        return self._cut("final", start, end)

    def _cut(self, kind: CutKind, start: int, end: int) -> Cut:
        return Cut(kind, self._utterance, start, end, self._slice(start, end))

    def _slice(self, start: int, end: int) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        buf = self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)
        lo = max(0, start - self._buf_start)
        hi = max(lo, end - self._buf_start)
        return buf[lo:hi].copy()

    def _trim(self) -> None:
        """Drop whole chunks no future cut can need (before the open utterance or the pre-roll).

        Only whole chunks go, so trimming never copies audio while someone speaks.
        """
        keep_from = self._utt_start if self._in_speech else max(self.position - self._pad, self._floor)
        while len(self._chunks) > 1 and self._buf_start + len(self._chunks[0]) <= keep_from:
            self._buf_start += len(self._chunks.pop(0))
