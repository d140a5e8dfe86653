"""The transport-agnostic streaming engine: 16 kHz PCM in, transcript :class:`Delta` records out.

``StreamingSession(transcriber, vad, options)``: ``await feed(pcm16k)`` as audio
arrives, ``await flush()`` at the end, and iterate the session for deltas. Two
tasks run per session: the VAD loop scores windows and cuts utterances
(:mod:`~scaiecho.streaming.segmenter`); the STT loop transcribes cuts through the
shared :class:`~scaiecho.streaming.gate.TranscriptionGate`, finals first, keeping
only the newest pending partial. The WebSocket route and the WebRTC audio plane
both drive this class.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import numpy as np
from scaigrid.errors import ScaigridError

from scaiecho.streaming.errors import bad_frame, stream_failed, stream_flood, stream_too_long
from scaiecho.streaming.frames import Delta
from scaiecho.streaming.gate import TranscriptionGate
from scaiecho.streaming.segmenter import Cut, Segmenter, SegmenterConfig
from scaiecho.streaming.settings import StreamingSettings
from scaiecho.streaming.vad import SAMPLE_RATE, WINDOW, SileroVad, VadState

__all__ = [
    "ChunkText",
    "ChunkTranscriber",
    "SpeakerLabeler",
    "StreamOptions",
    "StreamingSession",
]

log = logging.getLogger("scaiecho.streaming")

RunCpu = Callable[..., Awaitable[Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class ChunkText:
    """What the engine needs from one transcription: text and a 0..1 confidence."""

    text: str
    confidence: float


class ChunkTranscriber(Protocol):
    """Transcribes one already-segmented piece of 16 kHz mono float32 speech."""

    async def transcribe(self, pcm16k: np.ndarray, *, prompt: str | None) -> ChunkText: ...


class SpeakerLabeler(Protocol):
    """Names the speaker of one final utterance (``None`` when it cannot tell)."""

    async def label(self, pcm16k: np.ndarray) -> str | None: ...


@dataclass(frozen=True)
class StreamOptions:
    """Per-stream knobs: the segmenter's rules plus the engine's limits."""

    segmenter: SegmenterConfig = field(default_factory=SegmenterConfig)
    max_buffered_seconds: float = 30.0
    max_stream_seconds: float = 4 * 3600.0
    context_prompt_chars: int = 200

    @classmethod
    def from_settings(cls, settings: StreamingSettings, *, interim_results: bool = True) -> StreamOptions:
        return cls(
            segmenter=SegmenterConfig(
                threshold=settings.vad_threshold,
                neg_threshold=min(settings.vad_neg_threshold, settings.vad_threshold),
                end_silence_ms=settings.end_silence_ms,
                speech_pad_ms=settings.speech_pad_ms,
                min_speech_ms=settings.min_speech_ms,
                max_utterance_seconds=settings.max_utterance_seconds,
                partial_interval_seconds=settings.partial_interval_seconds,
                speculative_final_ms=settings.speculative_final_ms,
                interim_results=interim_results,
            ),
            max_buffered_seconds=settings.max_buffered_seconds,
            max_stream_seconds=settings.max_stream_seconds,
            context_prompt_chars=settings.context_prompt_chars,
        )

    def with_interim(self, interim_results: bool) -> StreamOptions:
        return replace(self, segmenter=replace(self.segmenter, interim_results=interim_results))

    def with_max_utterance(self, seconds: float) -> StreamOptions:
        """Cut continuous speech into finals of at most ``seconds`` (WebRTC's ``chunk_seconds``)."""
        return replace(self, segmenter=replace(self.segmenter, max_utterance_seconds=seconds))


_INLINE_WINDOWS = 4
"""Backlogs up to this many VAD windows (128 ms of audio) are scored on the event loop."""
_END = object()
_FLUSH = object()


class StreamingSession:
    """One live stream. Not thread-safe: call it from one event loop."""

    def __init__(
        self,
        transcriber: ChunkTranscriber,
        vad: SileroVad,
        options: StreamOptions | None = None,
        *,
        gate: TranscriptionGate | None = None,
        labeler: SpeakerLabeler | None = None,
        run_cpu: RunCpu | None = None,
    ) -> None:
        self.options = options or StreamOptions()
        self._transcriber = transcriber
        self._vad = vad
        self._vad_state = VadState()
        self._segmenter = Segmenter(self.options.segmenter)
        self._gate = gate or TranscriptionGate(1)
        self._labeler = labeler
        self._run_cpu: RunCpu = run_cpu or asyncio.to_thread
        self._input: asyncio.Queue[Any] = asyncio.Queue()
        self._output: asyncio.Queue[Any] = asyncio.Queue()
        self._carry = np.zeros(0, dtype=np.float32)
        self._pending = 0
        self.received_samples = 0
        self._closing = False
        self._finals: deque[Cut] = deque()
        self._partial: Cut | None = None
        self._dispatched_final = 0
        """Highest utterance id whose final (or discard) has been cut."""
        self._partials_sent: dict[int, str] = {}
        self._cache: tuple[tuple[int, int, int], ChunkText] | None = None
        self._context = ""
        self._vad_done = False
        self._work = asyncio.Event()
        self.error: ScaigridError | None = None
        self.deltas_sent = 0
        self._tasks = [
            asyncio.create_task(self._vad_loop(), name="scaiecho-stream-vad"),
            asyncio.create_task(self._stt_loop(), name="scaiecho-stream-stt"),
        ]

    # -- producer side --------------------------------------------------------------

    @property
    def received_seconds(self) -> float:
        return self.received_samples / SAMPLE_RATE

    @property
    def buffered_seconds(self) -> float:
        """Audio received but not yet through the VAD (the flood measure)."""
        return self._pending / SAMPLE_RATE

    async def feed(self, pcm16k: np.ndarray) -> None:
        """Queue 16 kHz mono float32 audio. Raises a coded 400 on flood or after ``flush``."""
        if self.error is not None:
            raise self.error
        if self._closing:
            raise bad_frame("audio after the end of the stream")
        audio = np.asarray(pcm16k, dtype=np.float32).reshape(-1)
        if not len(audio):
            return
        limit = self.options.max_buffered_seconds
        if (self._pending + len(audio)) / SAMPLE_RATE > limit:
            raise stream_flood((self._pending + len(audio)) / SAMPLE_RATE, limit)
        if (self.received_samples + len(audio)) / SAMPLE_RATE > self.options.max_stream_seconds:
            raise stream_too_long(self.options.max_stream_seconds)
        self._pending += len(audio)
        self.received_samples += len(audio)
        self._input.put_nowait(audio)

    async def flush(self) -> None:
        """End of audio: drain pending audio, finalise the open utterance, end the delta stream.

        Returns once every delta is queued for the consumer (or the session failed).
        """
        if not self._closing:
            self._closing = True
            self._input.put_nowait(_FLUSH)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop at once, dropping pending work (client went away)."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- consumer side --------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Delta]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Delta]:
        while True:
            item = await self._output.get()
            if item is _END:
                if self.error is not None:
                    raise self.error
                return
            yield item

    # -- VAD loop -------------------------------------------------------------------

    async def _vad_loop(self) -> None:
        try:
            while True:
                items = [await self._input.get()]
                while not self._input.empty():
                    items.append(self._input.get_nowait())
                flush = any(item is _FLUSH for item in items)
                chunks = [item for item in items if item is not _FLUSH]
                if chunks:
                    await self._score(np.concatenate([self._carry, *chunks]))
                if flush:
                    self._dispatch(self._segmenter.finish(self._carry))
                    self._pending -= len(self._carry)
                    self._carry = np.zeros(0, dtype=np.float32)
                    return
        except asyncio.CancelledError:
            raise
        except ScaigridError as err:
            self._fail(err)
        except Exception as exc:
            log.exception("streaming VAD failed")
            self._fail(stream_failed(f"voice activity detection failed: {exc}", status=500))
        finally:
            self._vad_done = True
            self._work.set()

    async def _score(self, audio: np.ndarray) -> None:
        whole = (len(audio) // WINDOW) * WINDOW
        self._carry = audio[whole:]
        if not whole:
            return
        windows = audio[:whole]
        if whole <= _INLINE_WINDOWS * WINDOW:
            # A real-time stream brings a window or two at a time: ~0.1 ms of ONNX each,
            # cheaper on the loop than the thread hop it would take to move it off.
            probs = self._vad.score(self._vad_state, windows)
        else:
            probs = await self._run_cpu(self._vad.score, self._vad_state, windows)
        self._pending -= whole
        self._dispatch(self._segmenter.push(windows, probs))

    def _dispatch(self, cuts: list[Cut]) -> None:
        for cut in cuts:
            if cut.kind in ("final", "discard"):
                self._finals.append(cut)
                self._dispatched_final = max(self._dispatched_final, cut.utterance)
            elif cut.utterance > self._dispatched_final:
                self._partial = cut  # the newest interim wins; an older one is never worth waiting for
        if cuts:
            self._work.set()

    # -- STT loop -------------------------------------------------------------------

    async def _stt_loop(self) -> None:
        try:
            while True:
                await self._work.wait()
                self._work.clear()
                while self._finals or self._partial is not None:
                    if self._finals:
                        await self._final(self._finals.popleft())
                    else:
                        cut, self._partial = self._partial, None
                        assert cut is not None
                        await self._interim(cut)
                if self._vad_done and not self._finals and self._partial is None:
                    return
        except asyncio.CancelledError:
            raise
        except ScaigridError as err:
            self._fail(err)
        except Exception as exc:
            log.exception("streaming transcription failed")
            self._fail(stream_failed(f"streaming failed: {exc}", status=500))
        finally:
            self._output.put_nowait(_END)

    async def _final(self, cut: Cut) -> None:
        sent_partial = self._partials_sent.pop(cut.utterance, None) is not None
        if cut.kind == "discard" or cut.audio is None:
            return
        if self._cache is not None and self._cache[0] == cut.key:
            result = self._cache[1]
        else:
            result = await self._transcribe_final(cut)
        if not result.text and not sent_partial:
            return  # nothing was said and nothing interim needs replacing
        label = None
        if self._labeler is not None and result.text:
            label = await self._call_backend(self._labeler.label(cut.audio), "speaker labelling")
        self._emit(cut, result, is_final=True, speaker_label=label)
        if result.text and self.options.context_prompt_chars:
            self._context = (self._context + " " + result.text).strip()[-self.options.context_prompt_chars :]

    async def _interim(self, cut: Cut) -> None:
        if cut.utterance <= self._dispatched_final:
            return  # its final is already cut (and runs first): the final will say more
        assert cut.audio is not None
        if not self._gate.try_acquire(last_slot=cut.kind == "speculative"):
            return  # the model is busy: an interim is dropped rather than queued before finals
        try:
            result = await self._call_backend(
                self._transcriber.transcribe(cut.audio, prompt=self._context or None), "transcription"
            )
        finally:
            self._gate.release()
        self._cache = (cut.key, result)
        if not self.options.segmenter.interim_results or not result.text:
            return  # a speculation with interim results off only serves the coming final
        if cut.kind == "speculative" and cut.utterance <= self._dispatched_final:
            return  # a speculation whose final is cut: that final reuses this result next
        # Its final may have been cut meanwhile; the final comes next in this loop, so the
        # interim still arrives before it and is worth sending (the work is already done).
        if self._partials_sent.get(cut.utterance) == result.text:
            return
        self._partials_sent[cut.utterance] = result.text
        self._emit(cut, result, is_final=False)

    async def _transcribe_final(self, cut: Cut) -> ChunkText:
        assert cut.audio is not None
        prompt = self._context or None
        async with self._gate.slot(final=True):
            return await self._call_backend(
                self._transcriber.transcribe(cut.audio, prompt=prompt), "transcription"
            )

    async def _call_backend(self, call: Awaitable[T], what: str) -> T:
        try:
            return await call
        except ScaigridError as err:
            status = err.status_code if err.status_code >= 500 else 502
            raise stream_failed(f"{what} failed: {err.message}", status=status, cause=err.code) from err
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("streaming %s crashed", what)
            raise stream_failed(f"{what} crashed: {exc}", status=500, cause=type(exc).__name__) from exc

    def _emit(self, cut: Cut, result: ChunkText, *, is_final: bool, speaker_label: str | None = None) -> None:
        self.deltas_sent += 1
        self._output.put_nowait(
            Delta(
                text=result.text,
                is_final=is_final,
                start=round(cut.start / SAMPLE_RATE, 3),
                end=round(cut.end / SAMPLE_RATE, 3),
                confidence=round(min(1.0, max(0.0, result.confidence)), 4),
                speaker_label=speaker_label,
            )
        )

    def _fail(self, err: ScaigridError) -> None:
        if self.error is None:
            self.error = err
        self._closing = True
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
