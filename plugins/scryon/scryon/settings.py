"""Scryon's settings, read from ``SCRYON_*`` variables (``SCRYON_MAX_FILE_SIZE``...) at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from scaigrid.context import ModuleContext

__all__ = ["ENV_PREFIX", "Module", "ScryonSettings"]

ENV_PREFIX = "SCRYON_"

MIB = 1024 * 1024


class ScryonSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every knob of the module; each field is ``SCRYON_<NAME>``."""

    max_file_size: Annotated[int, msgspec.Meta(gt=0)] = 200 * MIB
    """Largest accepted recording in bytes (``MAX_FILE_SIZE`` of the reference): 413 above it."""

    voice_sample_min_seconds: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    """A voice-profile recording shorter than this is refused (422 ``voice_sample_too_short``)."""

    voice_match_threshold: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.75
    """Cosine similarity between the profile and a speaker above which that speaker is USER.
    resemblyzer scores the same voice ~0.9 and different voices ~0.6."""

    max_speakers: Annotated[int, msgspec.Meta(ge=1, le=16)] = 8

    vad_backend: str = "silero"
    """Host ``vad`` backend that checks recordings and voice samples for speech (checked at start-up)."""

    allowed_backends: Literal["A", "B", "AB", "BA"] = "AB"
    """Default tenant policy for analysis backends (A = local, B = relay); tenants may change it."""
    default_backend: Literal["A", "B"] = "A"

    relay_base_url: str = ""
    """OpenAI-compatible API for backend B. Empty = the host's ``SCAIGRID_RELAY_BASE_URL``."""
    relay_api_key: str = ""
    relay_model: str = "gpt-4o-mini"
    relay_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 120.0

    idempotency_ttl_seconds: Annotated[int, msgspec.Meta(gt=0)] = 24 * 3600
    """How long an ``Idempotency-Key`` and its stored response are kept (24 h by the reference)."""

    job_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 3600.0
    """Longest one analysis job may run."""

    default_timezone: str = "UTC"
    """Timezone used to turn a call's UTC time into its calendar date (relative due dates)
    when neither the upload nor the user profile names one."""


Module = ModuleContext[ScryonSettings, None]
"""scryon's context type (it keeps no state of its own): handlers declare ``module: Module``."""
