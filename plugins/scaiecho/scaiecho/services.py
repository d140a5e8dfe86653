"""The services scaiecho offers other modules and its own routes, jobs and MCP tool.

Registered as ``scaiecho.transcription``, ``scaiecho.diarization`` and
``scaiecho.speaker_embedding`` (see :func:`scaiecho.plugin.scaigrid_services`).
Every model call goes through the host's backend registry (lazy load, bounded
concurrency, idle unload); decoding runs in the host's CPU pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scaigrid.backends import SttRequest
from scaigrid.errors import ScaigridError

from scaiecho import errors
from scaiecho.contracts import BackendChoice, Transcript, Turn
from scaiecho.diarization.assign import assign_speakers
from scaiecho.diarization.clustering import match_profiles
from scaiecho.diarization.embedding import cosine
from scaiecho.diarization.pipeline import DiarizationResult, label_turns
from scaiecho.policy import TenantPolicyService, recode_backend_error
from scaiecho.settings import ScaiechoSettings
from scaiecho.speakers.manager import SpeakerManager
from scaiecho.speakers.store import SpeakerStore
from scaiecho.stt import catalog
from scaiecho.stt.base import (
    OPT_BEAM_SIZE,
    OPT_FIT_WINDOW,
    OPT_TEMPERATURE_FALLBACK,
    OPT_VAD_FILTER,
    SAMPLE_RATE,
    to_transcript,
)

__all__ = ["DiarizationService", "Scaiecho", "SpeakerEmbeddingService", "TranscriptionService", "decode_16k"]

log = logging.getLogger("scaigrid.modules.scaiecho")

Audio = str | os.PathLike[str] | npt.NDArray[np.float32]

_FALLBACK_CODES = frozenset({"SCAIECHO_BACKEND_UNAVAILABLE", "BACKEND_LOAD_FAILED", "BACKEND_FAILED"})


# Call the backend's own method: ``SpeechToText.transcribe`` would call the abstract base
# function itself (which returns None), not the subclass's override.
def _transcribe(backend: Any, request: SttRequest) -> Any:
    return backend.transcribe(request)


def _embed(backend: Any, pcm: npt.NDArray[np.float32]) -> Any:
    return backend.embed(pcm)


def _diarize(backend: Any, pcm: npt.NDArray[np.float32], **kwargs: Any) -> Any:
    return backend.diarize(pcm, **kwargs)


def _diarize_detailed(backend: Any, pcm: npt.NDArray[np.float32], **kwargs: Any) -> Any:
    return backend.run(pcm, **kwargs)


def decode_16k(path: str | os.PathLike[str]) -> npt.NDArray[np.float32]:
    """Decode any supported file to mono float32 at 16 kHz, with scaiecho's error codes."""
    from scaigrid.audio import decode

    try:
        pcm = decode(str(path), sample_rate=SAMPLE_RATE, channels=1)
    except ScaigridError as exc:
        raise errors.recode_audio_error(exc) from exc
    return np.ascontiguousarray(pcm, dtype=np.float32)


class Scaiecho:
    """Everything one process of the module holds: settings, policy, speaker store, the three services."""

    def __init__(self, platform: Any, settings: ScaiechoSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.policy = TenantPolicyService(platform, settings)
        self.speakers = SpeakerStore(platform.db)
        self.embedding = SpeakerEmbeddingService(self)
        self.diarization = DiarizationService(self)
        self.transcription = TranscriptionService(self)
        self.manager = SpeakerManager(self)

    async def pcm(self, audio: Audio) -> npt.NDArray[np.float32]:
        if isinstance(audio, str | os.PathLike):
            decoded: npt.NDArray[np.float32] = await self.platform.run_cpu(decode_16k, audio)
            return decoded
        pcm = np.asarray(audio, dtype=np.float32)
        if pcm.ndim != 1:
            raise errors.bad_request("pcm16k must be mono: a 1-D float32 array at 16 kHz")
        return pcm


class SpeakerEmbeddingService:
    """``scaiecho.speaker_embedding``: 256-d resemblyzer embeddings, L2-normalised."""

    def __init__(self, app: Scaiecho) -> None:
        self._app = app

    async def embed(self, audio: Audio) -> list[float]:
        pcm = await self._app.pcm(audio)
        if len(pcm) == 0:
            raise errors.empty_audio()
        vec = await self._app.platform.backends.run("speaker_embedding", catalog.EMBEDDER, _embed, pcm)
        return [float(x) for x in vec]

    @staticmethod
    def similarity(a: Sequence[float], b: Sequence[float]) -> float:
        """Cosine similarity (same voice ≈ 0.9, different voices ≈ 0.6)."""
        return cosine(a, b)

    async def embed_turns(
        self, pcm16k: npt.NDArray[np.float32], turns: Sequence[Any]
    ) -> dict[str, list[float]]:
        """One embedding per speaker label over all of that speaker's turns."""
        pcm = np.asarray(pcm16k, dtype=np.float32)
        by_speaker: dict[str, list[npt.NDArray[np.float32]]] = {}
        for t in turns:
            piece = pcm[int(t.start * SAMPLE_RATE) : int(t.end * SAMPLE_RATE)]
            if len(piece) >= SAMPLE_RATE // 4:
                by_speaker.setdefault(t.speaker, []).append(piece)
        out: dict[str, list[float]] = {}
        for speaker, pieces in by_speaker.items():
            out[speaker] = await self.embed(np.concatenate(pieces))
        return out


class DiarizationService:
    """``scaiecho.diarization``: who spoke when, named after enrolled speakers where they match."""

    def __init__(self, app: Scaiecho) -> None:
        self._app = app

    async def diarize(
        self,
        audio: Audio,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        num_speakers: int | None = None,
        max_speakers: int = 8,
    ) -> list[Turn]:
        pcm = await self._app.pcm(audio)
        if len(pcm) == 0:
            raise errors.empty_audio()
        if num_speakers is not None and num_speakers < 1:
            raise errors.bad_request("num_speakers must be at least 1")
        result = await self._raw(pcm, num_speakers=num_speakers, max_speakers=max_speakers)
        names: dict[str, str] = {}
        if tenant_id is not None and result.centroids:
            profiles = await self._app.speakers.profiles(tenant_id, user_id)
            if profiles:
                names = match_profiles(
                    {k: np.asarray(v, dtype=np.float32) for k, v in result.centroids.items()},
                    [(name, emb) for _id, name, emb in profiles],
                    threshold=self._app.settings.speaker_match_threshold,
                )
        return [Turn(start=t.start, end=t.end, speaker=t.speaker) for t in label_turns(result, names)]

    async def _raw(
        self, pcm: npt.NDArray[np.float32], *, num_speakers: int | None, max_speakers: int
    ) -> DiarizationResult:
        backends = self._app.platform.backends
        try:
            if self._app.settings.pyannote_pipeline_dir:
                turns = await backends.run(
                    "diarization",
                    catalog.PYANNOTE,
                    _diarize,
                    pcm,
                    num_speakers=num_speakers,
                    max_speakers=max_speakers,
                )
                centroids = await self._app.embedding.embed_turns(pcm, turns)
                return DiarizationResult(turns=list(turns), centroids=centroids)
            result: DiarizationResult = await backends.run(
                "diarization",
                catalog.DIARIZER,
                _diarize_detailed,
                pcm,
                num_speakers=num_speakers,
                max_speakers=max_speakers,
            )
            return result
        except ScaigridError as exc:
            raise recode_backend_error(exc) from exc


class TranscriptionService:
    """``scaiecho.transcription``: batch and chunk transcription through the tenant's policy."""

    def __init__(self, app: Scaiecho) -> None:
        self._app = app

    @property
    def app(self) -> Scaiecho:
        return self._app

    async def resolve_backend(
        self, tenant_id: str, backend_preference: str, *, language: str | None = None
    ) -> BackendChoice:
        """The backend a request of this tenant and preference uses (coded errors when none can)."""
        return await self._app.policy.resolve(tenant_id, backend_preference, language)

    async def transcribe_file(
        self,
        path: str | os.PathLike[str],
        *,
        tenant_id: str,
        user_id: str | None = None,
        language: str | None = None,
        backend_preference: str = "any",
        temperature: float | None = None,
        word_timestamps: bool = False,
        diarize: bool = False,
        num_speakers: int | None = None,
    ) -> Transcript:
        if os.path.getsize(path) == 0:  # noqa: ASYNC240 - one stat call
            raise errors.empty_audio()
        pcm = await self._app.pcm(path)
        return await self.transcribe_pcm(
            pcm,
            tenant_id=tenant_id,
            user_id=user_id,
            language=language,
            backend_preference=backend_preference,
            temperature=temperature,
            word_timestamps=word_timestamps,
            diarize=diarize,
            num_speakers=num_speakers,
        )

    async def transcribe_pcm(
        self,
        pcm16k: npt.NDArray[np.float32],
        *,
        tenant_id: str,
        user_id: str | None = None,
        language: str | None = None,
        backend_preference: str = "any",
        temperature: float | None = None,
        word_timestamps: bool = False,
        diarize: bool = False,
        num_speakers: int | None = None,
    ) -> Transcript:
        pcm = await self._app.pcm(pcm16k)
        if len(pcm) == 0:
            raise errors.empty_audio()
        if temperature is not None and not 0.0 <= temperature <= 1.0:
            raise errors.bad_request(
                "temperature must be between 0.0 and 1.0", details={"field": "temperature"}
            )
        choices = await self._app.policy.choices(tenant_id, backend_preference, language)
        request = SttRequest(
            pcm=pcm,
            language=language,
            temperature=temperature if temperature is not None else 0.0,
            word_timestamps=word_timestamps or diarize,  # words let diarization split segments
            options={
                OPT_VAD_FILTER: self._app.settings.vad_filter,
                OPT_TEMPERATURE_FALLBACK: temperature is None,
            },
        )
        stt = self._run(choices, request)
        if not diarize:
            return await stt
        transcript, turns = await asyncio.gather(
            stt,
            self._app.diarization.diarize(
                pcm, tenant_id=tenant_id, user_id=user_id, num_speakers=num_speakers
            ),
        )
        return assign_speakers(transcript, turns, keep_words=word_timestamps)

    async def transcribe_chunk(
        self,
        pcm16k: npt.NDArray[np.float32],
        *,
        choice: BackendChoice,
        language: str | None = None,
        prompt: str | None = None,
        beam_size: int | None = None,
    ) -> Transcript:
        """Low-latency path for streaming: no diarization, no VAD filter (the caller segmented),
        and the encoder window fitted to the clip where the backend can (``OPT_FIT_WINDOW``)."""
        pcm = await self._app.pcm(pcm16k)
        if len(pcm) == 0:
            raise errors.empty_audio()
        options: dict[str, object] = {OPT_VAD_FILTER: False, OPT_FIT_WINDOW: True}
        if beam_size is not None:
            options[OPT_BEAM_SIZE] = beam_size
        request = SttRequest(pcm=pcm, language=language, prompt=prompt, options=options)
        return await self._run([choice], request)

    async def _run(self, choices: Sequence[BackendChoice], request: SttRequest) -> Transcript:
        """Try each allowed backend in policy order; the next one only when one is unavailable."""
        last: ScaigridError | None = None
        for choice in choices:
            try:
                result = await self._app.platform.backends.run("stt", choice.name, _transcribe, request)
            except ScaigridError as exc:
                if exc.code not in _FALLBACK_CODES:
                    raise
                last = recode_backend_error(exc)
                log.warning("STT backend %s unavailable, trying the next allowed one: %s", choice.name, exc)
                continue
            transcript = to_transcript(result, kind=choice.kind)
            duration = round(len(request.pcm) / SAMPLE_RATE, 3) if request.pcm is not None else None
            return _with(transcript, language=result.language or request.language or "en", duration=duration)
        assert last is not None
        raise last


def _with(transcript: Transcript, *, language: str, duration: float | None) -> Transcript:
    return Transcript(
        text=transcript.text,
        language=language,
        duration_seconds=duration if duration is not None else transcript.duration_seconds,
        backend_used=transcript.backend_used,
        model=transcript.model,
        segments=transcript.segments,
    )
