"""scaiecho/mcp_tools.py: the scaiecho.transcribe tool, called by the official MCP client on a live server."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import scaiecho.plugin
import soundfile as sf
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.harness import Host
from tests.scaiecho.conftest import SENTENCES, piper16k, wer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Host, str]]:
    with Host(tmp_path_factory.mktemp("echo-mcp"), plugins=[scaiecho.plugin]) as h, h.live() as url:
        yield h, url


def _wav_b64(text: str) -> str:
    buf = io.BytesIO()
    sf.write(buf, piper16k(text), 16000, subtype="PCM_16", format="WAV")
    return base64.b64encode(buf.getvalue()).decode()


async def _session_call(
    url: str, key: str, calls: list[tuple[str, dict[str, Any]]]
) -> tuple[list[str], list[Any]]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = [t.name for t in (await session.list_tools()).tools]
        results = [await session.call_tool(name, args) for name, args in calls]
        return tools, results


def test_transcribe_tool_through_the_mcp_client(live: tuple[Host, str]) -> None:
    host, url = live
    key = host.key(host.tenant("acme"), "alice")
    tools, (ok, bad, empty) = asyncio.run(
        _session_call(
            url,
            key,
            [
                ("scaiecho.transcribe", {"audio_base64": _wav_b64(SENTENCES[0]), "filename": "a.wav"}),
                ("scaiecho.transcribe", {"audio_base64": "###not base64###"}),
                (
                    "scaiecho.transcribe",
                    {"audio_base64": base64.b64encode(b"RIFF").decode(), "language_hint": "en"},
                ),
            ],
        )
    )
    assert "scaiecho.transcribe" in tools
    assert not ok.is_error
    data = ok.structured_content or json.loads(ok.content[0].text)
    assert wer(SENTENCES[0], data["text"]) <= 0.15
    assert data["backend_used"] == "A" and data["segments"]
    assert bad.is_error and "SCAIECHO_BAD_REQUEST" in bad.content[0].text
    assert empty.is_error and "SCAIECHO_" in empty.content[0].text


def test_tool_is_hidden_without_the_permission(live: tuple[Host, str]) -> None:
    host, url = live
    key = host.key(host.tenant("acme"), "dora", permissions=["scaiecho:enroll"])
    tools, _ = asyncio.run(_session_call(url, key, []))
    assert "scaiecho.transcribe" not in tools
