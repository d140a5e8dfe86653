"""The module's settings, read by the host from ``AUDIO_ENGINE_*`` variables (the reference's names)."""

from __future__ import annotations

from typing import Annotated

import msgspec

__all__ = ["AudioEngineSettings"]

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]


class AudioEngineSettings(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Each field is ``AUDIO_ENGINE_<NAME>``; a bad value stops start-up naming the variable."""

    enabled: bool = True
    """``false`` unmounts every route of the module (the feature is off)."""

    max_file_count: PositiveInt = 10
    """Files per request."""

    max_file_size_bytes: PositiveInt = 100 * 1024 * 1024
    """Per uploaded file; enforced while streaming (413 as soon as it is exceeded)."""

    max_pipeline_steps: PositiveInt = 20
    """Entries in ``components``."""

    max_in_flight: PositiveInt = 4
    """Pipelines running at once in one server process; more wait for a slot."""

    semaphore_wait_timeout: NonNegativeFloat = 5.0
    """Seconds a request waits for a slot before answering 429."""

    request_timeout: PositiveFloat = 600.0
    """Seconds one pipeline may run (all steps and uploads) before answering 504."""

    thread_pool_workers: PositiveInt = 4
    """Threads for components with ``pool="thread"`` (model-backed and I/O-heavy steps)."""

    process_pool_workers: NonNegativeInt = 2
    """Processes for components with ``pool="process"``; 0 runs those steps in the thread pool.
    The pool starts on the first such step, not at start-up."""

    stt_backend: str = ""
    """Host ``stt`` backend ``speech_fluency_check`` uses for words per minute: empty = the first
    self-hosted one any module registered, ``none`` = never transcribe."""

    vad_backend: str = "silero"
    """Host ``vad`` backend the VAD components use (checked at start-up against the registered names)."""

    speaker_backend: str = "resemblyzer"
    """Host ``speaker_embedding`` backend ``speech_similarity`` uses."""

    signed_url_ttl_seconds: PositiveInt = 86400
    """Validity of the signed output URLs in responses (24 h)."""
