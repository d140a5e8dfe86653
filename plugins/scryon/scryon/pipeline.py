"""The steps of one call's analysis: decode → VAD → transcribe → diarize → identify the user → analyse.

Speech models are not loaded here: transcription, diarization and speaker
embeddings are scaiecho's services (``platform.services``), VAD is any
registered ``vad`` backend. Each step's failure becomes one coded reason
(``transcription_failed``, ``analysis_provider_failed``...) with the
underlying code in ``details.cause``; nothing is written by this module, so a
failure leaves nothing half-done (:mod:`scryon.jobs` writes the result in one
transaction).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, UnsetType
from scaiecho.contracts import (
    DIARIZATION,
    SPEAKER_EMBEDDING,
    TRANSCRIPTION,
    DiarizationService,
    SpeakerEmbeddingService,
    TranscribeOptions,
    TranscriptionService,
)
from scaigrid import audio
from scaigrid.audio import AudioDecodeError
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform

from scryon.analysis.assemble import INVALID_OUTPUT, assemble
from scryon.analysis.records import Analysis, CallInput, Utterance
from scryon.analysis.relay import PROVIDER_FAILED
from scryon.analysis.schema import build_request
from scryon.backends import CAPABILITY, choose_analysis_backend
from scryon.settings import ScryonSettings
from scryon.speakers import assign_roles, build_utterances, identify_user, voice_sample
from scryon.wire import UserIdentification

__all__ = ["CallSpec", "Processed", "StepFailed", "process_call"]

log = logging.getLogger("scaigrid.modules.scryon.pipeline")

SAMPLE_RATE = 16000
MIN_SPEECH_SECONDS = 0.3

Progress = Callable[[float, str], Awaitable[None]]


class CallSpec(msgspec.Struct, kw_only=True):
    """What the pipeline needs to know about one call besides its audio."""

    tenant_id: str
    user_id: str
    call_date: dt.date
    language: str | None = None
    num_speakers: int | None = None
    backend_preference: str = "ANY"
    title: str | None = None
    voice_profile: list[float] | None = None


class Processed(msgspec.Struct, kw_only=True):
    utterances: list[Utterance]
    analysis: Analysis
    duration_seconds: float
    speech_seconds: float
    speaker_count: int
    identification: UserIdentification | UnsetType | None
    language: str | None
    stt_model: str
    stt_backend: str


class StepFailed(ScaigridError):
    """A step of the pipeline failed; ``code`` is the call's failure reason."""

    def __init__(self, code: str, message: str, *, step: str, cause: str | None = None) -> None:
        details: dict[str, Any] = {"step": step}
        if cause:
            details["cause"] = cause
        super().__init__(502, code, message, details=details)
        self.step = step


_KEEP = {PROVIDER_FAILED, INVALID_OUTPUT, "no_analysis_backend", "analysis_backend_unavailable"}


@asynccontextmanager
async def _step(name: str, code: str) -> AsyncIterator[None]:
    try:
        yield
    except StepFailed:
        raise
    except AudioDecodeError as exc:
        raise StepFailed(f"{exc.reason}_audio", exc.message, step=name, cause=exc.code) from exc
    except ScaigridError as exc:
        own = exc.code.lower() if exc.code.lower() in _KEEP else code
        raise StepFailed(own, exc.message, step=name, cause=exc.code) from exc
    except Exception as exc:
        log.exception("scryon step %s failed unexpectedly", name)
        raise StepFailed(code, f"{name} failed: {type(exc).__name__}", step=name) from exc


def _speech_seconds(spans: Sequence[Any]) -> float:
    merged: list[tuple[float, float]] = []
    for start, end in sorted((float(s.start), float(s.end)) for s in spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return sum(e - s for s, e in merged)


async def _noop(_fraction: float, _message: str) -> None:
    return None


async def process_call(
    platform: Platform,
    settings: ScryonSettings,
    spec: CallSpec,
    audio_path: Path,
    progress: Progress = _noop,
) -> Processed:
    """Run every step on one recording and return the normalised transcript and analysis."""
    services = platform.services
    async with _step("decode", "undecodable_audio"):
        pcm: np.ndarray[Any, Any] = await platform.run_cpu(audio.decode, audio_path, sample_rate=SAMPLE_RATE)
    duration = len(pcm) / SAMPLE_RATE
    await progress(0.05, "decoded")

    async with _step("vad", "vad_failed"):
        spans = await platform.backends.call("vad", settings.vad_backend, pcm)
    speech = _speech_seconds(spans)
    if speech < MIN_SPEECH_SECONDS:
        raise StepFailed("no_speech_detected", "The recording contains no speech", step="vad")
    await progress(0.1, "voice activity detected")

    async with _step("transcribe", "transcription_failed"):
        transcript = await services.get(TRANSCRIPTION, TranscriptionService).transcribe_pcm(
            pcm,
            TranscribeOptions(language=spec.language, word_timestamps=True),
            tenant_id=spec.tenant_id,
            user_id=spec.user_id,
        )
    await progress(0.5, "transcribed")

    async with _step("diarize", "diarization_failed"):
        turns = await services.get(DIARIZATION, DiarizationService).diarize(
            pcm, num_speakers=spec.num_speakers, max_speakers=settings.max_speakers
        )
    utterances = build_utterances(transcript.segments, turns)
    if not utterances:
        raise StepFailed("no_speech_detected", "No speech was recognised in the recording", step="transcribe")
    speakers = sorted({u.speaker for u in utterances})
    await progress(0.7, "diarized")

    identification: UserIdentification | UnsetType | None = UNSET
    if spec.voice_profile is not None:
        async with _step("identify", "speaker_identification_failed"):
            embeddings = await services.get(SPEAKER_EMBEDDING, SpeakerEmbeddingService).embed_turns(
                pcm, voice_sample(turns)
            )
        identification = identify_user(
            spec.voice_profile,
            {label: emb for label, emb in embeddings.items() if label in speakers},
            settings.voice_match_threshold,
        )
        utterances = assign_roles(utterances, identification.speaker if identification else None)
    await progress(0.8, "speakers identified")

    call_input = CallInput(
        utterances=utterances,
        duration_seconds=duration,
        call_date=spec.call_date,
        language=transcript.language,
        title=spec.title,
    )
    async with _step("analyze", "analysis_failed"):
        choice = await choose_analysis_backend(platform, settings, spec.tenant_id, spec.backend_preference)
        result = await platform.backends.run(CAPABILITY, choice.name, "analyze", build_request(call_input))
        analysis = assemble(result.data, call_input, backend=choice.name, model=result.model)
    await progress(0.95, "analysed")
    return Processed(
        utterances=utterances,
        analysis=analysis,
        duration_seconds=round(duration, 3),
        speech_seconds=round(speech, 3),
        speaker_count=len(speakers),
        identification=identification,
        language=transcript.language,
        stt_model=transcript.model,
        stt_backend=transcript.backend_used,
    )
