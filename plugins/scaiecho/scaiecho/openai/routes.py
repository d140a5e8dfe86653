"""The OpenAI-compatible route: ``POST /v1/audio/transcriptions`` under scaiecho's prefix.

Clients of OpenAI's speech-to-text API (the official ``openai`` library with
``base_url=<host>/v1/modules/scaiecho/v1`` and a ScaiGrid API key) reach
scaiecho's models with their usual request and get OpenAI's response shapes back.
The request walks the same path as ``POST /transcribe``: its options become a
:class:`~scaiecho.contracts.TranscribeOptions`, the backends are planned once
(the tenant policy for ``whisper-1``, the named model otherwise) and the
transcription service decodes; :mod:`scaiecho.openai.formatting` renders.
Errors use the module's ``openai`` envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request, Response, post
from scaigrid.auth import Principal, requires
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform
from scaigrid.uploads import read_multipart

from scaiecho.contracts import BackendChoice, TranscribeOptions
from scaiecho.openai.formatting import decoded, render
from scaiecho.openai.request import OPENAI_MODEL, OpenAIError, TranscriptionOptions, invalid, parse_options
from scaiecho.state import Module
from scaiecho.stt import catalog

__all__ = ["create_transcription", "openai_routes"]


async def _plan(module: Module, tenant_id: str, options: TranscriptionOptions) -> Sequence[BackendChoice]:
    """The backends to try: the tenant policy's for ``whisper-1``, the named self-hosted model otherwise."""
    state, settings = module.state, module.settings
    if options.model == OPENAI_MODEL:
        return await state.transcription.plan(tenant_id, TranscribeOptions(language=options.language))
    model = options.model
    name = catalog.MODEL_BACKENDS.get(model)
    if (
        name is None
        or name not in module.platform.backends.names("stt", "A")
        or not catalog.model_available(model, settings)
    ):
        available = [OPENAI_MODEL] + [
            m for m in catalog.MODEL_BACKENDS if catalog.model_available(m, settings)
        ]
        raise OpenAIError(
            400,
            f"the model {model!r} does not exist here; use one of {', '.join(available)}",
            code="SCAIECHO_MODEL_NOT_FOUND",
            param="model",
        )
    if not module.platform.backends.handles("stt", name, options.language):
        raise invalid(
            f"model {model} transcribes English only; use whisper-1 or a multilingual model", "language"
        )
    if "A" not in (await state.policy.policy(tenant_id)).allowed_backends:
        raise OpenAIError(
            400,
            f"this tenant's policy allows no self-hosted model; use {OPENAI_MODEL}",
            code="SCAIECHO_MODEL_NOT_ALLOWED",
            param="model",
        )
    return [BackendChoice(kind="A", name=name)]


@post(
    "/v1/audio/transcriptions",
    guards=[requires("scaiecho:transcribe")],
    request_max_body_size=None,  # read_multipart enforces the module's upload limit while streaming
    status_code=200,
    opt={"scaigrid_envelope": "openai"},  # every error here, guards' 401/403 included, in OpenAI's shape
    summary="OpenAI-compatible transcription",
    description=(
        "OpenAI's `POST /v1/audio/transcriptions`: multipart fields `file`, `model` (`whisper-1` = the "
        "tenant's default model through its backend policy, or a scaiecho model: `tiny.en`, `base`, "
        "`hf`), `language`, `prompt`, `temperature`, `response_format` (json, text, srt, vtt, "
        "verbose_json) and `timestamp_granularities[]` (word, segment; verbose_json only). "
        "Errors use OpenAI's body `{error: {message, type, param, code}}`."
    ),
)
async def create_transcription(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[Any]:
    limit = min(module.settings.max_upload_bytes, platform.settings.max_upload_bytes)
    async with await read_multipart(request, max_file_bytes=limit, max_files=1, file_fields={"file"}) as form:
        options = parse_options(form.fields)
        upload = form.file("file")
        if upload is None:
            raise invalid("the form needs an audio file in field 'file'", "file")
        if upload.size == 0:
            raise invalid("the uploaded audio file is empty", "file", code="SCAIECHO_EMPTY_AUDIO")
        # Policy and model problems are answered before any decoding work.
        plan = await _plan(module, principal.tenant_id, options)
        try:
            pcm = await module.state.audio.pcm(upload.path)
        except ScaigridError as exc:
            raise OpenAIError(exc.status_code, exc.message, code=exc.code, param="file") from exc
    if len(pcm) == 0:
        raise invalid("the uploaded file holds no audio samples", "file", code="SCAIECHO_EMPTY_AUDIO")
    transcript = await module.state.transcription.transcribe_pcm(
        pcm,
        TranscribeOptions(
            language=options.language,
            # None or 0: Whisper's fallback schedule, as OpenAI documents for 0.
            temperature=options.temperature or None,
            word_timestamps=options.words_wanted,
            prompt=options.prompt,
        ),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        plan=plan,
        decoding_stats=True,
    )
    return render(decoded(transcript, temperature=options.temperature or 0.0), options)


openai_routes: list[Any] = [create_transcription]
