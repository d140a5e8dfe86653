"""The ``scaiecho.transcribe`` MCP tool: base64 audio in, transcript out.

Backend choice is hidden from MCP callers: the tenant's policy decides A or B
(preference ``any``), exactly as for a batch request without a preference.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path
from typing import Any

import msgspec
from scaigrid.records import McpTool

from scaiecho import errors

__all__ = ["INPUT_SCHEMA", "transcribe_tool"]

MAX_AUDIO_BYTES = 3 * 1024 * 1024
"""Decoded audio accepted per call (the host's MCP endpoint caps a request body at 4 MiB)."""

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "audio_base64": {"type": "string", "minLength": 1, "description": "The audio file, base64-encoded."},
        "filename": {
            "type": "string",
            "description": "Original file name; its extension (.wav, .mp3, ...) helps decoding.",
        },
        "language_hint": {"type": "string", "pattern": "^[a-z]{2}$", "description": "ISO 639-1 code."},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "word_timestamps": {"type": "boolean", "default": False},
    },
    "required": ["audio_base64"],
    "additionalProperties": False,
}


def transcribe_tool(module: Any) -> McpTool:
    async def handler(principal: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            audio = base64.b64decode(arguments["audio_base64"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.bad_request(
                "audio_base64 is not valid base64", details={"field": "audio_base64"}
            ) from exc
        if not audio:
            raise errors.empty_audio()
        if len(audio) > MAX_AUDIO_BYTES:
            raise errors.bad_request(f"audio larger than {MAX_AUDIO_BYTES} bytes; use POST /transcribe")
        suffix = Path(str(arguments.get("filename") or "audio")).suffix.lower()[:6]
        service = module.platform.services.get("scaiecho.transcription")
        fd, name = tempfile.mkstemp(prefix="scaiecho-mcp-", suffix=suffix if suffix[1:].isalnum() else "")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(audio)
            transcript = await service.transcribe_file(
                name,
                tenant_id=principal.tenant_id,
                user_id=principal.user_id,
                language=arguments.get("language_hint"),
                temperature=arguments.get("temperature"),
                word_timestamps=bool(arguments.get("word_timestamps", False)),
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
