"""``speech_similarity``: is the working file's speaker the one in each other upload?

Resemblyzer embeddings (256-d, voiced frames only) compared by cosine similarity; a pair
at or above ``threshold`` counts as the same speaker. Measured here: the same voice scores
about 0.9, different voices about 0.6, hence the 0.75 default.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from scaigrid.backends.builtin.resemblyzer import SAMPLE_RATE as EMBEDDING_SAMPLE_RATE
from scaigrid.backends.vectors import cosine
from scaigrid.errors import ScaigridError

from audio_engine import audiofile
from audio_engine.errors import ComponentInputError
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.resources import SPEAKER_EMBEDDING

__all__ = ["COMPONENT", "NOT_ENOUGH_SPEECH", "SpeechSimilarityParams", "run"]

NOT_ENOUGH_SPEECH = "AUDIO_ENGINE_NOT_ENOUGH_SPEECH"
_MIN_VOICED_SECONDS = 0.5


class SpeechSimilarityParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    threshold: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.75
    """Cosine similarity at or above which two recordings count as the same speaker."""


def _embed(encoder: Any, path: str, label: str) -> Any:
    audio, _ = audiofile.read_mono(path, EMBEDDING_SAMPLE_RATE)
    try:
        return encoder.embed(audio, min_voiced_seconds=_MIN_VOICED_SECONDS)
    except ScaigridError as exc:
        if exc.status_code != 400:
            raise
        raise ComponentInputError(
            f"speech_similarity: {label}: {exc.message}", code=NOT_ENOUGH_SPEECH
        ) from exc


def run(step: StepInput, params: SpeechSimilarityParams) -> ComponentResult:
    encoder = step.resources[SPEAKER_EMBEDDING]
    if len(step.inputs) < 2:
        raise ComponentInputError("speech_similarity needs at least two uploaded files")
    reference = _embed(encoder, str(step.working_path), "the working audio")
    comparisons: list[dict[str, Any]] = []
    for index, other in enumerate(step.inputs[1:], start=1):
        emb = _embed(encoder, str(other.path), f"file {index} ({other.filename})")
        score = round(cosine(reference, emb), 4)
        comparisons.append(
            {
                "file_index": index,
                "filename": other.filename,
                "similarity": score,
                "same_speaker": score >= params.threshold,
            }
        )
    scores: list[float] = [c["similarity"] for c in comparisons]
    return ComponentResult(
        metrics={
            "threshold": params.threshold,
            "comparisons": comparisons,
            "min_similarity": min(scores),
            "max_similarity": max(scores),
            "all_same_speaker": all(c["same_speaker"] for c in comparisons),
        }
    )


COMPONENT = Component(
    id="speech_similarity",
    params=SpeechSimilarityParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    needs=(SPEAKER_EMBEDDING,),
    min_files=2,
    description="Speaker similarity (resemblyzer cosine) of the working audio against every other upload.",
)
