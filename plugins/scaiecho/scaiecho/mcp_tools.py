"""The ``scaiecho.transcribe`` MCP tool: base64 audio in, transcript out.

Its input schema is generated from :class:`McpTranscribeArgs`, whose option fields
share their types with :class:`~scaiecho.contracts.TranscribeOptions`; the call
goes through the same transcription service as ``POST /transcribe``. Backend
choice is hidden from MCP callers: the tenant's policy decides A or B
(preference ``any``), exactly as for a batch request without a preference.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from scaigrid.auth import Principal
from scaigrid.records import McpTool

from scaiecho import errors
from scaiecho.contracts import LanguageCode, Temperature, TranscribeOptions

if TYPE_CHECKING:
    from scaiecho.state import Module

__all__ = ["INPUT_SCHEMA", "McpTranscribeArgs", "transcribe_tool"]

MAX_AUDIO_BYTES = 3 * 1024 * 1024
"""Decoded audio accepted per call (the host's MCP endpoint caps a request body at 4 MiB)."""


class McpTranscribeArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The tool's arguments."""

    audio_base64: Annotated[str, msgspec.Meta(min_length=1, description="The audio file, base64-encoded.")]
    filename: Annotated[
        str, msgspec.Meta(description="Original file name; its extension (.wav, .mp3, ...) helps decoding.")
    ] = ""
    language_hint: LanguageCode | None = None
    temperature: Temperature | None = None
    word_timestamps: bool = False

    def options(self) -> TranscribeOptions:
        return TranscribeOptions(
            language=self.language_hint, temperature=self.temperature, word_timestamps=self.word_timestamps
        )


def _inline_schema(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """msgspec's JSON schema of one flat record, without the ``$defs`` indirection MCP clients dislike."""
    schema = msgspec.json.schema(struct)
    body: dict[str, Any] = dict(schema["$defs"][struct.__name__])
    body.pop("title", None)
    return body


INPUT_SCHEMA: dict[str, Any] = _inline_schema(McpTranscribeArgs)


def transcribe_tool(module: Module) -> McpTool:
    async def handler(principal: Principal, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            args = msgspec.convert(arguments, McpTranscribeArgs)
        except msgspec.ValidationError as exc:
            raise errors.bad_request(f"invalid arguments: {exc}") from exc
        try:
            audio = base64.b64decode(args.audio_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.bad_request(
                "audio_base64 is not valid base64", details={"field": "audio_base64"}
            ) from exc
        if not audio:
            raise errors.empty_audio()
        if len(audio) > MAX_AUDIO_BYTES:
            raise errors.bad_request(f"audio larger than {MAX_AUDIO_BYTES} bytes; use POST /transcribe")
        suffix = Path(args.filename or "audio").suffix.lower()[:6]
        fd, name = tempfile.mkstemp(prefix="scaiecho-mcp-", suffix=suffix if suffix[1:].isalnum() else "")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(audio)
            transcript = await module.state.transcription.transcribe_file(
                name, args.options(), tenant_id=principal.tenant_id, user_id=principal.user_id
            )
        finally:
            os.unlink(name)
        result: dict[str, Any] = msgspec.to_builtins(transcript)
        return result

    return McpTool(
        name="scaiecho.transcribe",
        description=(
            "Transcribe speech to text. Give the audio file base64-encoded (wav, mp3, flac, ogg, m4a; "
            "up to 3 MB); returns text, language, duration_seconds, backend_used and timed segments."
        ),
        input_schema=INPUT_SCHEMA,
        handler=handler,
        permission="scaiecho:transcribe",
    )
