"""scaiecho/diarization/pipeline.py: VAD → embeddings → clustering, measured with DER."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate
from scaiecho.diarization.pipeline import ClusteringDiarizer, label_turns, to_annotation

from tests.scaiecho.conftest import espeak16k, piper16k


@pytest.fixture(scope="module")
def diarizer(encoder: Any, vad: Any) -> ClusteringDiarizer:
    return ClusteringDiarizer(encoder, vad)


def _reference(turns: list[tuple[float, float, str]]) -> Annotation:
    ref = Annotation(uri="call")
    for start, end, speaker in turns:
        ref[Segment(start, end)] = speaker
    return ref


def _der(reference: Annotation, turns: list[Any]) -> float:
    metric = DiarizationErrorRate()
    return float(metric(reference, to_annotation(turns, uri="call"), uem=reference.get_timeline().extent()))


def test_der_on_a_synthetic_two_speaker_call(diarizer: ClusteringDiarizer, two_speaker_call: Any) -> None:
    pcm, truth = two_speaker_call
    result = diarizer.run(pcm)
    assert {t.speaker for t in result.turns} == {"SPEAKER_00", "SPEAKER_01"}
    assert result.turns[0].speaker == "SPEAKER_00"  # numbered by first appearance
    assert _der(_reference(truth), result.turns) <= 0.10
    assert set(result.centroids) == {"SPEAKER_00", "SPEAKER_01"}


def test_num_speakers_is_honoured(diarizer: ClusteringDiarizer, two_speaker_call: Any) -> None:
    pcm, truth = two_speaker_call
    one = diarizer.run(pcm, num_speakers=1)
    assert {t.speaker for t in one.turns} == {"SPEAKER_00"}
    two = diarizer.run(pcm, num_speakers=2)
    assert _der(_reference(truth), two.turns) <= 0.10


def test_enrolled_speaker_gets_their_display_name(
    diarizer: ClusteringDiarizer, encoder: Any, two_speaker_call: Any
) -> None:
    pcm, truth = two_speaker_call
    agent = encoder.embed(piper16k("This is a separate enrollment sample of my normal speaking voice."))
    stranger = encoder.embed(espeak16k("A completely different person is speaking here.", "en-gb+m3"))
    turns = diarizer.run_matched(
        pcm, [("Agent Joe", agent.tolist()), ("Stranger", stranger.tolist())], match_threshold=0.75
    )
    labels = {t.speaker for t in turns}
    assert labels == {"Agent Joe", "SPEAKER_00"}
    named = _reference([(s, e, "Agent Joe" if spk == "agent" else "SPEAKER_00") for s, e, spk in truth])
    assert _der(named, turns) <= 0.10  # right name on the right turns, not just two clusters


def test_silence_has_no_turns(diarizer: ClusteringDiarizer) -> None:
    result = diarizer.run(np.zeros(16000 * 3, np.float32))
    assert result.turns == [] and result.centroids == {}


def test_label_turns_renumbers_unmatched_speakers(
    diarizer: ClusteringDiarizer, two_speaker_call: Any
) -> None:
    pcm, _ = two_speaker_call
    result = diarizer.run(pcm)
    renamed = label_turns(result, {"SPEAKER_00": "Ann"})
    assert {t.speaker for t in renamed} == {"Ann", "SPEAKER_00"}
    assert [t.start for t in renamed] == [t.start for t in result.turns]
