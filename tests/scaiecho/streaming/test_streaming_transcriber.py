"""Service adapters: transcript → chunk text, and online speaker clustering."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from scaiecho.contracts import BackendChoice, Segment, Transcript
from scaiecho.streaming.transcriber import OnlineSpeakerLabeler, ServiceTranscriber, chunk_text


def transcript(*segments: Segment) -> Transcript:
    return Transcript(
        text=" ".join(s.text for s in segments),
        language="en",
        duration_seconds=5.0,
        backend_used="A",
        model="tiny.en",
        segments=list(segments),
    )


def test_confidence_is_duration_weighted() -> None:
    result = chunk_text(
        transcript(
            Segment(start=0.0, end=3.0, text="long and sure", confidence=0.9),
            Segment(start=3.0, end=4.0, text="short", confidence=0.5),
        )
    )
    assert result.text == "long and sure short"
    assert result.confidence == pytest.approx((0.9 * 3 + 0.5 * 1) / 4)


def test_empty_transcript_has_zero_confidence() -> None:
    result = chunk_text(transcript())
    assert (result.text, result.confidence) == ("", 0.0)


def test_service_transcriber_passes_choice_language_and_prompt() -> None:
    seen: dict[str, object] = {}

    class Service:
        async def transcribe_chunk(self, pcm16k: np.ndarray, **kwargs: object) -> Transcript:
            seen.update(kwargs, samples=len(pcm16k))
            return transcript(Segment(start=0.0, end=1.0, text="hello", confidence=0.7))

    choice = BackendChoice(kind="B", name="relay")
    result = asyncio.run(
        ServiceTranscriber(Service(), choice, language="de", beam_size=1).transcribe(
            np.zeros(1600, np.float32), prompt="ctx"
        )
    )
    assert (result.text, result.confidence) == ("hello", 0.7)
    assert seen == {"choice": choice, "language": "de", "prompt": "ctx", "beam_size": 1, "samples": 1600}


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return v / np.linalg.norm(v)


def test_online_clustering_assigns_stable_labels() -> None:
    labeler = OnlineSpeakerLabeler(embedding_service=None, threshold=0.75)
    a, b = unit(1, 0, 0), unit(0, 1, 0)
    near_a = unit(0.95, 0.1, 0.05)
    assert [labeler.assign(v) for v in (a, b, near_a, b)] == [0, 1, 0, 1]


def test_speaker_cap_joins_the_closest() -> None:
    labeler = OnlineSpeakerLabeler(embedding_service=None, threshold=0.99, max_speakers=2)
    assert labeler.assign(unit(1, 0, 0)) == 0
    assert labeler.assign(unit(0, 1, 0)) == 1
    assert labeler.assign(unit(0.2, 1, 0.1)) == 1  # a third voice would exceed the cap


def test_label_names_speakers_and_ignores_degenerate_vectors() -> None:
    class Embeddings:
        def __init__(self) -> None:
            self.vectors = [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]

        async def embed(self, audio: np.ndarray) -> list[float]:
            return self.vectors.pop(0)

    labeler = OnlineSpeakerLabeler(Embeddings())
    pcm = np.zeros(16000, dtype=np.float32)
    labels = [asyncio.run(labeler.label(pcm)) for _ in range(3)]
    assert labels == ["SPEAKER_00", "SPEAKER_01", None]
