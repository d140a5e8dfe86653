"""Operator settings of scaiecho's streaming endpoints, read from ``SCAIECHO_STREAM_*`` variables."""

from __future__ import annotations

from typing import Annotated

import msgspec
from scaigrid.settings import load_struct

__all__ = ["ENV_PREFIX", "StreamingSettings", "load_streaming_settings"]

ENV_PREFIX = "SCAIECHO_STREAM_"

Probability = Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]
Seconds = Annotated[float, msgspec.Meta(gt=0.0)]
Millis = Annotated[int, msgspec.Meta(ge=32, le=10_000)]


class StreamingSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Every field is ``SCAIECHO_STREAM_<NAME>``; a bad value stops start-up naming the variable."""

    # -- transport limits -------------------------------------------------------
    max_frame_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 256 * 1024
    """Largest binary frame accepted on ``/stream/transcribe`` (bigger: error frame + 4400)."""
    max_buffered_seconds: Seconds = 30.0
    """Flood limit: audio received but not yet through the VAD. A client that outruns the
    server by more than this is closed with 4400 (``SCAIECHO_STREAM_FLOOD``)."""
    open_timeout_seconds: Seconds = 10.0
    """How long a new socket may wait before sending its ``open`` frame."""
    max_stream_seconds: Seconds = 4 * 3600.0
    """Longest stream (audio time) one socket may send."""

    # -- voice activity (silero, 512-sample windows at 16 kHz) --------------------
    vad_threshold: Probability = 0.5
    """Speech probability at which an utterance starts."""
    vad_neg_threshold: Probability = 0.35
    """Probability below which a window counts as silence inside an utterance (hysteresis)."""
    end_silence_ms: Millis = 400
    """Silence that ends an utterance and triggers its final delta."""
    speech_pad_ms: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 120
    """Audio kept before the first and after the last voiced window of an utterance."""
    min_speech_ms: Annotated[int, msgspec.Meta(ge=0, le=5000)] = 200
    """Utterances with less voiced audio than this are dropped (clicks, breaths)."""
    max_utterance_seconds: Annotated[float, msgspec.Meta(ge=1.0, le=30.0)] = 20.0
    """Continuous speech longer than this is cut into a final (Whisper reads 30 s at most)."""

    # -- interim results --------------------------------------------------------
    partial_interval_seconds: Annotated[float, msgspec.Meta(ge=0.1, le=10.0)] = 0.5
    """New speech after which the growing utterance is re-transcribed for a partial delta."""
    speculative_final_ms: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 160
    """Silence after which the utterance is transcribed ahead of its end: when the silence
    lasts to ``end_silence_ms`` the result is the final at once (0 = off)."""
    context_prompt_chars: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 200
    """Tail of the previous final passed as the prompt of the next utterance (0 = off)."""

    # -- shared model scheduling -------------------------------------------------
    beam_size: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    """Beam size of live chunk transcriptions on self-hosted models (batch keeps
    ``SCAIECHO_BEAM_SIZE``). Greedy decoding is what real time affords: the same WER on the
    benchmark's speech, and 8 streams on 2 cores stay under 0.8 s final p95 (beam 5: 0.9 s)."""
    max_concurrent_transcriptions: Annotated[int, msgspec.Meta(ge=1, le=64)] = 2
    """Chunk transcriptions in flight per self-hosted (A) model across all streams of this
    process. Finals wait in priority order; a partial runs only when a slot is free (else it
    is dropped). Keep it equal to ``SCAIECHO_STT_CONCURRENCY`` (the model's replicas, default
    2 with one CPU thread each): more slots than replicas only queue inside the model."""
    max_concurrent_relay_transcriptions: Annotated[int, msgspec.Meta(ge=1, le=256)] = 8
    """The same bound for relay (B) backends, whose calls wait on the network, not the CPU."""

    # -- WebRTC -----------------------------------------------------------------
    session_ttl_seconds: Seconds = 3600.0
    """A WebRTC session (and its restart marker) expires this long after creation."""
    max_sessions_per_tenant: Annotated[int, msgspec.Meta(ge=1)] = 50
    """Live WebRTC sessions one tenant may hold at once."""
    undelivered_deltas: Annotated[int, msgspec.Meta(ge=1)] = 1000
    """Deltas kept for a WebRTC session whose control socket is not attached (oldest dropped)."""


def load_streaming_settings(environ: dict[str, str] | None = None) -> StreamingSettings:
    """Read :class:`StreamingSettings` from the environment (raises ``StartupError`` when invalid)."""
    return load_struct(StreamingSettings, ENV_PREFIX, environ=environ)
