"""scaiecho's operator settings, read by the host from ``SCAIECHO_*`` variables at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = ["ENV_PREFIX", "ScaiechoSettings"]

ENV_PREFIX = "SCAIECHO_"

Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Positive = Annotated[float, msgspec.Meta(gt=0.0)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


class ScaiechoSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every field is ``SCAIECHO_<NAME>``; bad values stop start-up naming the variable."""

    # -- batch --------------------------------------------------------------
    inline_max_bytes: PositiveInt = 4 * 1024 * 1024
    """Uploads up to this size are transcribed inline (200); larger ones become a job (202)."""
    max_upload_bytes: PositiveInt = 256 * 1024 * 1024
    """Largest accepted upload (413 while streaming beyond it)."""

    # -- self-hosted (A) models ----------------------------------------------
    default_model: Literal["tiny.en", "base", "hf"] = "tiny.en"
    """Model used by backend A when the tenant policy names none."""
    multilingual_model: Literal["base", "hf"] = "base"
    """Used instead of an English-only default when a request's language hint is not English."""
    models_dir: str = ""
    """Writable directory for assembled/converted weights. Empty = ``<data_dir>/scaiecho/models``."""
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    compute_type: str = "int8"
    """CTranslate2 compute type for faster-whisper (int8, int8_float16, float16, float32)."""
    cpu_threads: Annotated[int, msgspec.Meta(ge=0)] = 1
    """Threads per faster-whisper decode (0 = library default). One thread per decode with
    ``stt_concurrency`` decodes side by side holds more concurrent streams on small CPUs than one
    decode using every core (measured: bench/bench_scaiecho_stream.py)."""
    beam_size: PositiveInt = 5
    stt_concurrency: PositiveInt = 2
    """Concurrent decodes per self-hosted model (CTranslate2 replicas); more needs more cores."""
    vad_filter: bool = True
    """Drop non-speech before decoding: Whisper hallucinates text on silence."""
    vad_backend: str = "silero"
    """Host ``vad`` backend for chunking, diarization and the enrollment preflight (checked at start-up)."""
    speaker_embedding_backend: str = "resemblyzer"
    """Host ``speaker_embedding`` backend for diarization, enrollment and the embedding service."""

    hf_checkpoint_dir: str = ""
    """A Hugging Face Whisper checkpoint for the ``hf`` model. Empty = the bundled tiny.en,
    converted from CTranslate2 into ``<models_dir>/hf-whisper-tiny.en`` on first load."""
    hf_device: str = "cpu"
    """torch device for the transformers backend (``cpu``, ``cuda``, ``cuda:1``)."""
    hf_dtype: Literal["float32", "float16", "bfloat16"] = "float32"

    # -- relay (B) ------------------------------------------------------------
    relay_base_url: str = ""
    """OpenAI-compatible API base (``https://host/v1``). Empty = the host's ``SCAIGRID_RELAY_BASE_URL``."""
    relay_api_key: str = ""
    relay_model: str = "whisper-1"
    relay_timeout_seconds: Positive = 120.0

    # -- tenant policy defaults (the "tier" a new tenant starts from) --------------
    default_allowed_backends: Literal["A", "B", "AB", "BA"] = "AB"
    default_backend: Literal["A", "B"] = "A"

    # -- diarization ------------------------------------------------------------
    diarization_window_seconds: Positive = 1.5
    diarization_hop_seconds: Positive = 0.75
    diarization_distance_threshold: Annotated[float, msgspec.Meta(gt=0.0, lt=2.0)] = 0.45
    """Cosine distance at which agglomerative clustering stops merging speaker windows."""
    speaker_match_threshold: Fraction = 0.75
    """Cosine similarity above which a cluster takes an enrolled speaker's display name."""
    pyannote_pipeline_dir: str = ""
    """Local pyannote.audio pipeline (config.yaml + weights). Empty = built-in diarizer."""

    # -- enrollment -----------------------------------------------------------
    reference_min_seconds: Positive = 3.0
    reference_max_seconds: Positive = 120.0
    reference_min_speech_ratio: Fraction = 0.5
    reference_max_clipping_ratio: Fraction = 0.01
    reference_min_rms_dbfs: float = -45.0
    reference_max_rms_dbfs: float = -3.0
    consent_min_bytes: PositiveInt = 8000
    consent_max_word_error_rate: Fraction = 0.5
    """A consent clip whose transcript differs more than this from ``consent_text`` is rejected."""
