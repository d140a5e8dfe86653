"""scaispeak/mcp_tools.py: the scaispeak.speak tool through the official MCP client on a live server."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.harness import Host
from tests.scaispeak.conftest import decode_any


async def _call(url: str, key: str, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[Any]]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = [t.name for t in (await session.list_tools()).tools]
        return tools, [await session.call_tool(name, args) for name, args in calls]


def test_speak_through_the_mcp_client(host: Host, key: str) -> None:
    with host.live() as url:
        tools, (ok, unknown, long) = asyncio.run(
            _call(
                url,
                key,
                [
                    ("scaispeak.speak", {"text": "Hello from the tool.", "response_format": "wav"}),
                    ("scaispeak.speak", {"text": "hi", "voice_id": "nope"}),
                    ("scaispeak.speak", {"text": "a" * 600}),
                ],
            )
        )
        reader = host.key(host.tenant("acme"), "viewer", permissions=["scaispeak:voice.read"])
        hidden, _ = asyncio.run(_call(url, reader, []))
    assert "scaispeak.speak" in tools and "scaispeak.speak" not in hidden
    data = ok.structured_content or json.loads(ok.content[0].text)
    pcm, rate = decode_any(base64.b64decode(data["audio_base64"]), "wav", data["sample_rate"])
    assert rate == 22050 and len(pcm) / rate > 0.8
    assert unknown.is_error and "SCAISPEAK_VOICE_NOT_FOUND" in unknown.content[0].text
    assert long.is_error and "SCAISPEAK_TEXT_TOO_LONG" in long.content[0].text
