"""The ``scaispeak.speak`` MCP tool: text in, base64 audio out, through the same dispatcher as /speak."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from scaigrid.auth import Principal
from scaigrid.records import McpTool

from scaispeak.errors import bad_request, text_too_long
from scaispeak.records import ResponseFormat

if TYPE_CHECKING:
    from scaispeak.state import Module

__all__ = ["INPUT_SCHEMA", "McpSpeakArgs", "speak_tool"]


class McpSpeakArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, description="What to say (up to 500 characters).")]
    voice_id: Annotated[str, msgspec.Meta(description="A voice id from GET /voices.")] = "preset-piper-joe"
    response_format: ResponseFormat = "mp3"
    speed: Annotated[float, msgspec.Meta(ge=0.5, le=2.0)] = 1.0


def _schema() -> dict[str, Any]:
    schema = msgspec.json.schema(McpSpeakArgs)
    body: dict[str, Any] = dict(schema["$defs"]["McpSpeakArgs"])
    body.pop("title", None)
    return body


INPUT_SCHEMA: dict[str, Any] = _schema()


def speak_tool(module: Module) -> McpTool:
    async def handler(principal: Principal, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            args = msgspec.convert(arguments, McpSpeakArgs)
        except msgspec.ValidationError as exc:
            raise bad_request(f"invalid arguments: {exc}") from exc
        limit = module.settings.sync_max_chars
        if len(args.text) > limit:
            raise text_too_long(limit, len(args.text))
        row, _ = await module.state.voices.get_visible(principal, args.voice_id)
        rendered = await module.state.synthesizer.render(
            row,
            args.text,
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            fmt=args.response_format,
            speed=args.speed,
        )
        result: dict[str, Any] = msgspec.to_builtins(rendered.speech)
        return result

    return McpTool(
        name="scaispeak.speak",
        description="Speak a text in a voice; returns the audio base64-encoded, its format and sample rate.",
        input_schema=INPUT_SCHEMA,
        handler=handler,
        permission="scaispeak:synthesize",
    )
