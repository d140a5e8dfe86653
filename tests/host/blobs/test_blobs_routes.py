"""GET/HEAD /v1/blobs/{key} (scaigrid/blobs/routes.py): signature checks, ranges, headers, error codes."""

from __future__ import annotations

import asyncio
import email.utils
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from scaigrid.blobs import BlobStore, LocalBlobStore, UrlSigner

from tests.host.blobs.serving import PUBLIC_BASE_URL, SECRET, blob_app
from tests.services import free_ports

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def local(tmp_path: Path, clock: Clock) -> AsyncIterator[LocalBlobStore]:
    store = LocalBlobStore(tmp_path / "blobs", UrlSigner(SECRET, PUBLIC_BASE_URL, clock=clock))
    await store.start()
    await store.put("calls/c1.wav", DATA, content_type="audio/wav", metadata={"tenant": "t1"})
    yield store
    await store.close()


@pytest.fixture
async def client(local: LocalBlobStore) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=blob_app(local))) as http:
        yield http


async def test_full_download_headers(local: LocalBlobStore, client: httpx.AsyncClient) -> None:
    url = await local.signed_url("calls/c1.wav")
    assert url.startswith(f"{PUBLIC_BASE_URL}/v1/blobs/calls/c1.wav?expires=")
    answer = await client.get(url)
    info = await local.head("calls/c1.wav")
    assert answer.status_code == 200
    assert answer.content == DATA
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.headers["content-length"] == str(len(DATA))
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["etag"] == f'"{info.etag}"'
    assert email.utils.parsedate_to_datetime(answer.headers["last-modified"]) == info.modified_at.replace(
        microsecond=0
    )
    assert "content-disposition" not in answer.headers


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=100-199", 100, 200),
        ("bytes=10000-", 10000, 10240),
        ("bytes=-40", 10200, 10240),
        ("bytes=10200-999999", 10200, 10240),
        ("bytes=-999999", 0, 10240),
    ],
)
async def test_range_answers_206(
    local: LocalBlobStore, client: httpx.AsyncClient, header: str, start: int, end: int
) -> None:
    answer = await client.get(await local.signed_url("calls/c1.wav"), headers={"Range": header})
    assert answer.status_code == 206
    assert answer.content == DATA[start:end]
    assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}"
    assert answer.headers["content-length"] == str(end - start)
    assert answer.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=-", "bytes=a-b"])
async def test_unsupported_or_invalid_ranges_get_the_whole_blob(
    local: LocalBlobStore, client: httpx.AsyncClient, header: str
) -> None:
    answer = await client.get(await local.signed_url("calls/c1.wav"), headers={"Range": header})
    assert answer.status_code == 200
    assert answer.content == DATA


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-20001", "bytes=-0"])
async def test_unsatisfiable_range_is_416(
    local: LocalBlobStore, client: httpx.AsyncClient, header: str
) -> None:
    answer = await client.get(await local.signed_url("calls/c1.wav"), headers={"Range": header})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{len(DATA)}"
    assert answer.json()["error"]["code"] == "BLOB_RANGE_NOT_SATISFIABLE"


async def test_if_range_honours_range_only_for_the_current_version(
    local: LocalBlobStore, client: httpx.AsyncClient
) -> None:
    url = await local.signed_url("calls/c1.wav")
    etag = (await client.head(url)).headers["etag"]
    same = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (same.status_code, same.content) == (206, DATA[:10])
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert (stale.status_code, stale.content) == (200, DATA)


async def test_head_answers_headers_without_body(local: LocalBlobStore, client: httpx.AsyncClient) -> None:
    url = await local.signed_url("calls/c1.wav", filename="call.wav")
    answer = await client.head(url)
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["content-length"] == str(len(DATA))
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.headers["content-disposition"].startswith('attachment; filename="call.wav"')
    bad = await client.head(url.replace("sig=", "sig=f"))
    assert bad.status_code == 403


async def test_error_codes(local: LocalBlobStore, client: httpx.AsyncClient, clock: Clock) -> None:
    url = await local.signed_url("calls/c1.wav", expires_in=60)

    async def code(target: str) -> tuple[int, str]:
        answer = await client.get(target)
        return answer.status_code, answer.json()["error"]["code"]

    base = url.split("?", 1)[0]
    assert await code(base) == (403, "BLOB_URL_INVALID")
    expires = url.split("expires=", 1)[1].split("&", 1)[0]
    assert await code(url.replace(f"expires={expires}", f"expires={int(expires) + 3600}")) == (
        403,
        "BLOB_URL_INVALID",
    )
    assert await code(url + "&filename=evil.exe") == (403, "BLOB_URL_INVALID")
    assert await code(url.replace("sig=", "sig=zz")) == (403, "BLOB_URL_INVALID")
    assert await code(base + "?expires=abc&sig=00") == (403, "BLOB_URL_INVALID")
    clock.now += 61
    assert await code(url) == (403, "BLOB_URL_EXPIRED")
    clock.now -= 61
    assert (await client.get(url)).status_code == 200
    await local.delete("calls/c1.wav")
    assert await code(url) == (404, "BLOB_NOT_FOUND")


async def test_url_is_valid_until_its_expiry_second(
    local: LocalBlobStore, client: httpx.AsyncClient, clock: Clock
) -> None:
    url = await local.signed_url("calls/c1.wav", expires_in=10)
    clock.now += 10
    assert (await client.get(url)).status_code == 200
    clock.now += 1
    assert (await client.get(url)).status_code == 403


async def test_store_without_host_urls_refuses(tmp_path: Path) -> None:
    """A store whose URLs do not point at the host (S3) refuses every host URL."""

    class Elsewhere(LocalBlobStore):
        backend = "elsewhere"
        verify_url = BlobStore.verify_url  # the default for stores that do not serve host URLs

    store = Elsewhere(tmp_path / "b", UrlSigner(SECRET, PUBLIC_BASE_URL))
    await store.put("k", b"x")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=blob_app(store))) as http:
        answer = await http.get(await store.signed_url("k"))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "BLOB_URL_INVALID"


async def test_served_by_a_real_http_server(tmp_path: Path) -> None:
    """Through uvicorn on loopback: h11 checks Content-Length against the streamed body, HEAD sends none."""
    port = free_ports(1)[0]
    store = LocalBlobStore(tmp_path / "blobs", UrlSigner(SECRET, f"http://127.0.0.1:{port}"))
    await store.start()
    data = os.urandom(3 * 1024 * 1024 + 3)
    await store.put("big/file.bin", data)
    server = uvicorn.Server(uvicorn.Config(blob_app(store), host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # uvicorn offers a flag, not an event
            assert not serving.done(), "uvicorn stopped before it started serving"
            await asyncio.sleep(0.02)
        url = await store.signed_url("big/file.bin")
        async with httpx.AsyncClient() as http:
            full = await http.get(url)
            part = await http.get(url, headers={"Range": "bytes=1048570-2097160"})
            head = await http.head(url)
        assert (full.status_code, full.content) == (200, data)
        assert (part.status_code, part.content) == (206, data[1048570:2097161])
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(data)))
    finally:
        server.should_exit = True
        await serving
