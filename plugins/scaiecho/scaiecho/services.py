"""The three services scaiecho offers other modules (and its own routes, jobs and MCP tool).

Registered as ``scaiecho.transcription``, ``scaiecho.diarization`` and
``scaiecho.speaker_embedding`` against the Protocols of :mod:`scaiecho.contracts`.
Each is built with the narrow dependencies it uses (the backend registry, the
PCM loader, the policy) and holds no reference back to the module. Every model
call goes through the host's backend registry (lazy load, bounded concurrency,
idle unload); decoding runs in the host's CPU pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt
from scaigrid.backends import BackendRegistry, SttRequest
from scaigrid.backends.vectors import cosine
from scaigrid.errors import ScaigridError

from scaiecho import errors
from scaiecho.contracts import Audio, BackendChoice, TranscribeOptions, Transcript, Turn
from scaiecho.diarization.assign import assign_speakers
from scaiecho.diarization.clustering import match_profiles
from scaiecho.diarization.pipeline import DiarizationResult, label_turns
from scaiecho.pcm import PcmLoader
from scaiecho.policy import TenantPolicyService, recode_backend_error
from scaiecho.settings import ScaiechoSettings
from scaiecho.speakers.store import SpeakerStore
from scaiecho.stt import catalog
from scaiecho.stt.base import (
    OPT_BEAM_SIZE,
    OPT_DECODING_STATS,
    OPT_FIT_WINDOW,
    OPT_TEMPERATURE_FALLBACK,
    OPT_VAD_FILTER,
    SAMPLE_RATE,
    to_transcript,
)

__all__ = ["FALLBACK_CODES", "DiarizationEngine", "SpeakerEmbedder", "Transcriber", "checked"]

log = logging.getLogger("scaigrid.modules.scaiecho")

FALLBACK_CODES = frozenset({"SCAIECHO_BACKEND_UNAVAILABLE", "BACKEND_LOAD_FAILED", "BACKEND_FAILED"})
"""Backend failures after which the next backend the tenant policy allows is tried."""

_DEFAULT_OPTIONS = TranscribeOptions()
_PREFERENCES = ("any", "prefer_self_hosted", "prefer_relay")


def checked(options: TranscribeOptions) -> TranscribeOptions:
    """``options`` validated against the record's constraints (a record built in Python is not
    checked when constructed): ``SCAIECHO_BAD_BACKEND_PREFERENCE`` or ``SCAIECHO_BAD_REQUEST``."""
    if options is _DEFAULT_OPTIONS:
        return options
    if options.backend_preference not in _PREFERENCES:
        raise errors.bad_backend_preference(str(options.backend_preference))
    try:
        return msgspec.convert(msgspec.to_builtins(options), TranscribeOptions)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.split("`$.", 1)[1].split("`", 1)[0] if "`$." in message else None
        raise errors.bad_request(message, details={"field": field} if field else None) from exc


class SpeakerEmbedder:
    """``scaiecho.speaker_embedding``: 256-d resemblyzer embeddings, L2-normalised."""

    def __init__(self, audio: PcmLoader, backends: BackendRegistry, backend: str) -> None:
        self._audio = audio
        self._backends = backends
        self._backend = backend

    async def embed(self, audio: Audio) -> list[float]:
        pcm = await self._audio.pcm(audio)
        if len(pcm) == 0:
            raise errors.empty_audio()
        vec = await self._backends.call("speaker_embedding", self._backend, pcm)
        return [float(x) for x in vec]

    def similarity(self, a: Sequence[float], b: Sequence[float]) -> float:
        """Cosine similarity (same voice ≈ 0.9, different voices ≈ 0.6)."""
        return cosine(a, b)

    async def embed_turns(
        self, pcm16k: npt.NDArray[np.float32], turns: Sequence[Turn]
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


class DiarizationEngine:
    """``scaiecho.diarization``: who spoke when, named after enrolled speakers where they match."""

    def __init__(
        self,
        audio: PcmLoader,
        backends: BackendRegistry,
        embedder: SpeakerEmbedder,
        speakers: SpeakerStore,
        settings: ScaiechoSettings,
    ) -> None:
        self._audio = audio
        self._backends = backends
        self._embedder = embedder
        self._speakers = speakers
        self._settings = settings

    async def diarize(
        self,
        audio: Audio,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        num_speakers: int | None = None,
        max_speakers: int = 8,
    ) -> list[Turn]:
        pcm = await self._audio.pcm(audio)
        if len(pcm) == 0:
            raise errors.empty_audio()
        if num_speakers is not None and num_speakers < 1:
            raise errors.bad_request("num_speakers must be at least 1")
        result = await self._raw(pcm, num_speakers=num_speakers, max_speakers=max_speakers)
        names: dict[str, str] = {}
        if tenant_id is not None and result.centroids:
            profiles = await self._speakers.profiles(tenant_id, user_id)
            if profiles:
                names = match_profiles(
                    {k: np.asarray(v, dtype=np.float32) for k, v in result.centroids.items()},
                    [(name, emb) for _id, name, emb in profiles],
                    threshold=self._settings.speaker_match_threshold,
                )
        return [Turn(start=t.start, end=t.end, speaker=t.speaker) for t in label_turns(result, names)]

    async def _raw(
        self, pcm: npt.NDArray[np.float32], *, num_speakers: int | None, max_speakers: int
    ) -> DiarizationResult:
        try:
            if self._settings.pyannote_pipeline_dir:
                turns = await self._backends.call(
                    "diarization", catalog.PYANNOTE, pcm, num_speakers=num_speakers, max_speakers=max_speakers
                )
                centroids = await self._embedder.embed_turns(pcm, turns)
                return DiarizationResult(turns=list(turns), centroids=centroids)
            # The built-in diarizer's ``run`` returns the turns with their cluster centroids,
            # which the enrolled-speaker match needs; ``diarize`` (the contract) drops them.
            result: DiarizationResult = await self._backends.run(
                "diarization",
                catalog.DIARIZER,
                "run",
                pcm,
                num_speakers=num_speakers,
                max_speakers=max_speakers,
            )
            return result
        except ScaigridError as exc:
            raise recode_backend_error(exc) from exc


class Transcriber:
    """``scaiecho.transcription``: batch and chunk transcription through the tenant's policy."""

    def __init__(
        self,
        audio: PcmLoader,
        backends: BackendRegistry,
        policy: TenantPolicyService,
        diarization: DiarizationEngine,
        settings: ScaiechoSettings,
    ) -> None:
        self._audio = audio
        self._backends = backends
        self._policy = policy
        self._diarization = diarization
        self._settings = settings

    async def plan(self, tenant_id: str, options: TranscribeOptions) -> Sequence[BackendChoice]:
        """Every backend this request may use, best first (coded errors when none can serve)."""
        options = checked(options)
        return await self._policy.choices(tenant_id, options.backend_preference, options.language)

    async def resolve_backend(
        self, tenant_id: str, backend_preference: str, *, language: str | None = None
    ) -> BackendChoice:
        """The backend a request of this tenant and preference uses (coded errors when none can)."""
        return await self._policy.resolve(tenant_id, backend_preference, language)

    async def transcribe_file(
        self,
        path: str | os.PathLike[str],
        options: TranscribeOptions = _DEFAULT_OPTIONS,
        *,
        tenant_id: str,
        user_id: str | None = None,
        plan: Sequence[BackendChoice] | None = None,
    ) -> Transcript:
        if os.path.getsize(path) == 0:  # noqa: ASYNC240 - one stat call
            raise errors.empty_audio()
        pcm = await self._audio.pcm(path)
        return await self.transcribe_pcm(pcm, options, tenant_id=tenant_id, user_id=user_id, plan=plan)

    async def transcribe_pcm(
        self,
        pcm16k: npt.NDArray[np.float32],
        options: TranscribeOptions = _DEFAULT_OPTIONS,
        *,
        tenant_id: str,
        user_id: str | None = None,
        plan: Sequence[BackendChoice] | None = None,
        decoding_stats: bool = False,
    ) -> Transcript:
        """``decoding_stats`` asks the backend for Whisper's per-segment statistics (the
        OpenAI-compatible route's verbose_json); they ride on ``Segment.stats``."""
        options = checked(options)
        pcm = await self._audio.pcm(pcm16k)
        if len(pcm) == 0:
            raise errors.empty_audio()
        choices = plan if plan is not None else await self.plan(tenant_id, options)
        temperature = options.temperature
        request = SttRequest(
            pcm=pcm,
            language=options.language,
            temperature=temperature if temperature is not None else 0.0,
            word_timestamps=options.word_timestamps or options.diarize,  # words let diarization split
            prompt=options.prompt,
            options={
                OPT_VAD_FILTER: self._settings.vad_filter,
                OPT_TEMPERATURE_FALLBACK: temperature is None,
                OPT_DECODING_STATS: decoding_stats,
                **({OPT_BEAM_SIZE: options.beam_size} if options.beam_size is not None else {}),
            },
        )
        stt = self._run(choices, request)
        if not options.diarize:
            return await stt
        transcript, turns = await asyncio.gather(
            stt,
            self._diarization.diarize(
                pcm, tenant_id=tenant_id, user_id=user_id, num_speakers=options.num_speakers
            ),
        )
        return assign_speakers(transcript, turns, keep_words=options.word_timestamps)

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
        pcm = await self._audio.pcm(pcm16k)
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
                result = await self._backends.call("stt", choice.name, request)
            except ScaigridError as exc:
                if exc.code not in FALLBACK_CODES:
                    raise
                last = recode_backend_error(exc)
                log.warning("STT backend %s unavailable, trying the next allowed one: %s", choice.name, exc)
                continue
            transcript = to_transcript(result, kind=choice.kind)
            duration = round(len(request.pcm) / SAMPLE_RATE, 3) if request.pcm is not None else None
            return _with(transcript, language=result.language or request.language or "en", duration=duration)
        assert last is not None, "choices is never empty (the policy raises instead)"
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
