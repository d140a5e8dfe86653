"""ScaiSpeak's settings, read by the host from ``SCAISPEAK_*`` variables and validated at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = ["ENV_PREFIX", "ScaispeakSettings"]

ENV_PREFIX = "SCAISPEAK_"


class ScaispeakSettings(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Each field is ``SCAISPEAK_<NAME>``."""

    sync_max_chars: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 500
    """``POST /speak`` texts up to this length answer 200 inline; longer ones become a job (202)."""
    max_chars: Annotated[int, msgspec.Meta(ge=1)] = 20_000
    """Longest text one request may synthesize."""
    preview_max_chars: Annotated[int, msgspec.Meta(ge=1)] = 300
    inline_max_bytes: Annotated[int, msgspec.Meta(ge=1)] = 2 * 1024 * 1024
    """A finished job carries its audio inline up to this size, else ``audio_bytes`` and a signed URL."""
    signed_url_ttl_seconds: Annotated[int, msgspec.Meta(ge=1)] = 3600
    default_allowed_backends: Literal["A", "B", "AB", "BA"] = "AB"
    default_backend: Literal["A", "B"] = "A"
    espeak_voices: list[str] = msgspec.field(
        default_factory=lambda: ["en-us+m3", "en-us+f3", "en-gb", "de", "fr", "es"]
    )
    """espeak-ng voices offered as preset voices (``espeak-ng --voices`` lists them)."""
    kokoro_voices: list[str] = msgspec.field(default_factory=lambda: ["jf_alpha", "jm_kumo"])
    """Kokoro style packs offered as preset voices (of jf_alpha, jf_gongitsune, jf_nezumi,
    jf_tebukuro, jm_kumo); they speak English through hibari's G2P. Empty = no Kokoro."""
    models_dir: str = ""
    """Writable directory for the reassembled Kokoro model. Empty = ``<data_dir>/scaispeak/models``."""
    max_upload_bytes: Annotated[int, msgspec.Meta(ge=1)] = 25 * 1024 * 1024
    """Per uploaded reference or consent recording."""
    reference_min_seconds: Annotated[float, msgspec.Meta(gt=0)] = 3.0
    reference_max_seconds: Annotated[float, msgspec.Meta(gt=0)] = 120.0
    reference_min_speech_ratio: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    reference_max_clipping: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.01
    consent_min_seconds: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    consent_max_word_error_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.35
    """The consent clip must say ``consent_text``: word error rate of its transcript at most this."""
    consent_min_speaker_similarity: Annotated[float, msgspec.Meta(ge=-1, le=1)] = 0.75
    """The consent must be read by the reference's speaker (resemblyzer: same voice ~0.9, others ~0.6)."""
    relay_base_url: str = ""
    """OpenAI-compatible ``/v1/audio/speech`` for backend B (empty: ``SCAIGRID_RELAY_BASE_URL``)."""
    relay_api_key: str = ""
    relay_model: str = "tts-1"
    relay_voice: str = "alloy"
