"""The streaming engine on real speech and the real tiny.en model (no transport)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from scaiecho.errors import backend_unavailable
from scaiecho.streaming.engine import ChunkText, StreamingSession, StreamOptions
from scaiecho.streaming.frames import Delta
from scaiecho.streaming.gate import TranscriptionGate
from scaiecho.streaming.settings import StreamingSettings
from scaiecho.streaming.vad import shared_vad
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import piper_speech, silence
from tests.scaiecho.streaming.stream_helpers import SENTENCES, wer

FRAME = 320  # 20 ms at 16 kHz


async def stream(session: StreamingSession, audio: np.ndarray, *, speed: float = 10.0) -> list[Delta]:
    deltas: list[Delta] = []

    async def consume() -> None:
        async for delta in session:
            deltas.append(delta)

    consumer = asyncio.create_task(consume())
    for i in range(0, len(audio), FRAME):
        await session.feed(audio[i : i + FRAME])
        await asyncio.sleep(FRAME / 16000 / speed)
    await session.flush()
    await consumer
    return deltas


def options(**overrides: Any) -> StreamOptions:
    return StreamOptions.from_settings(StreamingSettings(**overrides))


def test_two_utterances_at_ten_times_real_time(transcriber: Any, two_sentences: np.ndarray) -> None:
    async def go() -> list[Delta]:
        session = StreamingSession(transcriber, shared_vad(), options(), gate=TranscriptionGate(2))
        return await stream(session, two_sentences)

    deltas = asyncio.run(go())
    finals = [d for d in deltas if d.is_final]
    assert len(finals) == 2
    assert wer(" ".join(SENTENCES), " ".join(d.text for d in finals)) <= 0.15
    # finals are in order, inside the audio, and do not overlap
    duration = len(two_sentences) / 16000
    assert 0 <= finals[0].start < finals[0].end <= finals[1].start < finals[1].end <= duration
    assert all(0.0 <= d.confidence <= 1.0 for d in deltas)
    assert all(d.speaker_label is None for d in deltas)
    # interim results: at least one partial, and every partial comes before its utterance's final
    partials = [(i, d) for i, d in enumerate(deltas) if not d.is_final]
    assert partials, "no partial delta arrived before the finals"
    for index, partial in partials:
        final_index = next(i for i, d in enumerate(deltas) if d.is_final and d.start == partial.start)
        assert index < final_index
        assert partial.end <= deltas[final_index].end
    # the second utterance is prompted with the first one's text
    assert any(p and "umbrella" not in p and "breeze" in p for p in transcriber.prompts)


def test_flush_drains_an_utterance_cut_off_mid_speech(transcriber: Any) -> None:
    speech, _ = piper_speech("Nobody waits for the silence at the end of this sentence.", sr=16000)
    audio = np.concatenate([silence(0.3), speech[: int(len(speech) * 0.8)]])

    async def go() -> list[Delta]:
        session = StreamingSession(transcriber, shared_vad(), options(), gate=TranscriptionGate(1))
        return await stream(session, audio, speed=20.0)

    deltas = asyncio.run(go())
    finals = [d for d in deltas if d.is_final]
    assert len(finals) == 1
    assert finals[0].end == pytest.approx(len(audio) / 16000, abs=0.05)
    assert "nobody" in finals[0].text.lower() or "silence" in finals[0].text.lower()


def test_interim_results_off_and_speculation_reused(transcriber: Any) -> None:
    speech, _ = piper_speech("Please call me back tomorrow morning.", sr=16000)
    audio = np.concatenate([silence(0.3), speech, silence(1.0)])

    async def go() -> list[Delta]:
        opts = StreamOptions.from_settings(StreamingSettings(), interim_results=False)
        session = StreamingSession(transcriber, shared_vad(), opts)
        return await stream(session, audio, speed=1.0)

    deltas = asyncio.run(go())
    assert [d.is_final for d in deltas] == [True]
    assert wer("Please call me back tomorrow morning.", deltas[0].text) <= 0.25
    # the speculative transcription at silence onset became the final: one model call
    assert transcriber.calls == 1


def test_silence_produces_no_deltas(transcriber: Any) -> None:
    async def go() -> list[Delta]:
        session = StreamingSession(transcriber, shared_vad(), options())
        return await stream(session, silence(3.0), speed=50.0)

    assert asyncio.run(go()) == []
    assert transcriber.calls == 0


def test_flood_is_refused_and_nothing_is_queued(transcriber: Any) -> None:
    async def go() -> tuple[ScaigridError, float]:
        session = StreamingSession(transcriber, shared_vad(), options(max_buffered_seconds=2.0))
        try:
            with pytest.raises(ScaigridError) as info:
                for _ in range(100):  # no await that yields: the engine cannot catch up
                    await session.feed(silence(0.1))
            return info.value, session.received_seconds
        finally:
            await session.aclose()

    err, received = asyncio.run(go())
    assert err.code == "SCAIECHO_STREAM_FLOOD" and err.status_code == 400
    assert received == pytest.approx(2.0, abs=0.11)


def test_audio_after_flush_is_refused(transcriber: Any) -> None:
    async def go() -> None:
        session = StreamingSession(transcriber, shared_vad(), options())
        await session.flush()
        with pytest.raises(ScaigridError) as info:
            await session.feed(silence(0.1))
        assert info.value.code == "SCAIECHO_BAD_FRAME"

    asyncio.run(go())


class FailingTranscriber:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def transcribe(self, pcm16k: np.ndarray, *, prompt: str | None) -> ChunkText:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "cause"),
    [
        (backend_unavailable("relay answered 503"), 502, "SCAIECHO_BACKEND_UNAVAILABLE"),
        (RuntimeError("boom"), 500, "RuntimeError"),
    ],
)
def test_backend_failure_ends_the_stream_with_a_coded_error(
    error: Exception, status: int, cause: str
) -> None:
    speech, _ = piper_speech("This will never be transcribed.", sr=16000)

    async def go() -> ScaigridError:
        session = StreamingSession(FailingTranscriber(error), shared_vad(), options())
        with pytest.raises(ScaigridError) as info:
            await stream(session, np.concatenate([speech, silence(1.0)]), speed=50.0)
        with pytest.raises(ScaigridError):
            await session.feed(silence(0.1))  # the failed session refuses more audio
        return info.value

    err = asyncio.run(go())
    assert err.code == "SCAIECHO_STREAM_FAILED"
    assert err.status_code == status and err.details["cause"] == cause


def test_speaker_labels_follow_the_voice(transcriber: Any) -> None:
    from resemblyzer import VoiceEncoder, preprocess_wav
    from scaiecho.streaming.transcriber import OnlineSpeakerLabeler

    from tests.audio_fixtures import espeak_speech

    encoder = VoiceEncoder(device="cpu", verbose=False)

    class Embeddings:
        async def embed(self, audio: np.ndarray) -> list[float]:
            vector = await asyncio.to_thread(encoder.embed_utterance, preprocess_wav(audio, source_sr=16000))
            return [float(x) for x in vector]

    joe1, _ = piper_speech("Good morning, this is the first speaker talking.", sr=16000)
    other, _ = espeak_speech("And here a different voice answers him.", voice="en-us+f3")
    joe2, _ = piper_speech("The first speaker talks once more to finish.", sr=16000)
    audio = np.concatenate([joe1, silence(1.0), other, silence(1.0), joe2, silence(1.0)])

    async def go() -> list[Delta]:
        opts = StreamOptions.from_settings(StreamingSettings(), interim_results=False)
        session = StreamingSession(
            transcriber, shared_vad(), opts, labeler=OnlineSpeakerLabeler(Embeddings())
        )
        return await stream(session, audio, speed=20.0)

    finals = [d for d in asyncio.run(go()) if d.is_final]
    labels = [d.speaker_label for d in finals]
    assert len(labels) == 3 and all(labels)
    assert labels[0] == labels[2] != labels[1]
    assert labels[0] == "SPEAKER_00" and labels[1] == "SPEAKER_01"
