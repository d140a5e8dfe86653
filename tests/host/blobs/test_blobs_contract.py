"""The BlobStore contract (scaigrid/blobs/base.py), run against the local directory and against S3."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from scaigrid.blobs import DEFAULT_CONTENT_TYPE, BlobInfo, BlobStore
from scaigrid.errors import BadRequest, NotFound, ScaigridError

pytestmark = pytest.mark.anyio

SIGNATURE_PARAMS = ("sig", "X-Amz-Signature")


async def chunks(data: bytes, sizes: list[int]) -> AsyncIterator[bytes]:
    """``data`` in pieces of the given sizes, cycling: exercises every boundary case of re-chunking."""
    offset, i = 0, 0
    while offset < len(data):
        size = sizes[i % len(sizes)]
        yield data[offset : offset + size]
        offset += size
        i += 1
        await asyncio.sleep(0)


def tamper(url: str, param: str, change: str | None = None) -> str:
    """``url`` with one query parameter altered (flip its first character) or replaced."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    out = []
    for name, value in query:
        if name == param:
            value = change if change is not None else ("0" if value[0] != "0" else "1") + value[1:]
        out.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(out)))


def signature_param(url: str) -> str:
    names = {name for name, _ in parse_qsl(urlsplit(url).query)}
    (found,) = names.intersection(SIGNATURE_PARAMS)
    return found


# -- put / get / head -------------------------------------------------------------------------------


async def test_put_bytes_then_read_head_and_get(store: BlobStore, ns: str) -> None:
    info = await store.put(f"{ns}a.txt", b"hello world", content_type="text/plain", metadata={"lang": "en"})
    assert info == BlobInfo(
        key=f"{ns}a.txt",
        size=11,
        content_type="text/plain",
        metadata={"lang": "en"},
        etag=info.etag,
        modified_at=info.modified_at,
    )
    assert info.etag and info.modified_at.tzinfo is not None
    assert await store.head(f"{ns}a.txt") == info
    assert await store.read(f"{ns}a.txt") == b"hello world"
    parts = await store.get(f"{ns}a.txt")
    assert b"".join([p async for p in parts]) == b"hello world"


async def test_put_accepts_bytearray_memoryview_and_paths(store: BlobStore, ns: str, tmp_path: Path) -> None:
    data = os.urandom(3000)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    await store.put(f"{ns}ba", bytearray(data))
    await store.put(f"{ns}mv", memoryview(data)[1000:])
    await store.put(f"{ns}str", str(src))
    await store.put_file(f"{ns}path", src, content_type="audio/wav")
    assert await store.read(f"{ns}ba") == data
    assert await store.read(f"{ns}mv") == data[1000:]
    assert await store.read(f"{ns}str") == data
    assert await store.read(f"{ns}path") == data
    assert (await store.head(f"{ns}path")).content_type == "audio/wav"


async def test_put_async_iterator_with_irregular_chunks(store: BlobStore, ns: str) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    info = await store.put(f"{ns}stream.bin", chunks(data, [1, 65536, 1 << 20, 777, 3 << 20]))
    assert info.size == len(data)
    assert await store.read(f"{ns}stream.bin") == data


async def test_large_object_streams_through_and_reads_back(store: BlobStore, ns: str, tmp_path: Path) -> None:
    """20 MiB: several multipart parts on S3, read back through the streaming path."""
    data = os.urandom(20 * 1024 * 1024 + 5)
    info = await store.put(f"{ns}big.bin", chunks(data, [1 << 20, 300_000]))
    assert info.size == len(data)
    digest = hashlib.sha256()
    async for part in await store.get(f"{ns}big.bin"):
        digest.update(part)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    out = tmp_path / "downloads"
    out.mkdir()
    target = await store.download(f"{ns}big.bin", out / "big.bin")
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert [p.name for p in out.iterdir()] == ["big.bin"]  # no partial file left behind


async def test_empty_blob(store: BlobStore, ns: str) -> None:
    info = await store.put(f"{ns}empty", b"")
    assert info.size == 0
    assert info.content_type == DEFAULT_CONTENT_TYPE
    assert await store.read(f"{ns}empty") == b""
    assert await store.read(f"{ns}empty", start=0, end=10) == b""


async def test_put_replaces_content_and_metadata(store: BlobStore, ns: str) -> None:
    first = await store.put(f"{ns}k", b"one", content_type="text/plain", metadata={"v": "1"})
    second = await store.put(f"{ns}k", b"second", content_type="application/json", metadata={"w": "2"})
    assert second.etag != first.etag
    assert await store.read(f"{ns}k") == b"second"
    head = await store.head(f"{ns}k")
    assert (head.size, head.content_type, head.metadata) == (6, "application/json", {"w": "2"})


async def test_metadata_keeps_any_text(store: BlobStore, ns: str) -> None:
    meta = {"title": "Zoë's call — 100% ünïcode", "empty": "", "spaces": "  padded  ", "k_2-x": "%41"}
    await store.put(f"{ns}m", b"x", metadata=meta, content_type="text/plain; charset=utf-8")
    head = await store.head(f"{ns}m")
    assert head.metadata == {k: v for k, v in meta.items() if k != "empty"}  # empty values are left out
    assert head.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, b"0123456789"),
        (2, 5, b"234"),
        (7, None, b"789"),
        (None, 3, b"012"),
        (4, 100, b"456789"),
        (10, None, b""),
        (50, 60, b""),
        (5, 5, b""),
        (6, 2, b""),
        (0, 0, b""),
    ],
)
async def test_get_ranges_slice_like_python(
    store: BlobStore, ns: str, start: int | None, end: int | None, expected: bytes
) -> None:
    await store.put(f"{ns}digits", b"0123456789")
    assert await store.read(f"{ns}digits", start=start, end=end) == expected
    assert expected == b"0123456789"[start:end]


async def test_negative_range_is_refused(store: BlobStore, ns: str) -> None:
    await store.put(f"{ns}digits", b"0123456789")
    with pytest.raises(BadRequest) as err:
        await store.get(f"{ns}digits", start=-1)
    assert err.value.code == "BAD_BLOB_RANGE"


async def test_missing_blob_is_not_found_before_iteration(store: BlobStore, ns: str, tmp_path: Path) -> None:
    for call in (
        store.get(f"{ns}missing"),
        store.get(f"{ns}missing", start=3, end=3),
        store.head(f"{ns}missing"),
        store.read(f"{ns}missing"),
        store.download(f"{ns}missing", tmp_path / "x"),
    ):
        with pytest.raises(NotFound) as err:
            await call
        assert err.value.code == "BLOB_NOT_FOUND"
        assert err.value.status_code == 404
    assert not (tmp_path / "x").exists()
    assert await store.exists(f"{ns}missing") is False


async def test_bad_sources_are_coded_errors(store: BlobStore, ns: str, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as missing:
        await store.put(f"{ns}x", tmp_path / "nope.wav")
    assert missing.value.code == "BLOB_SOURCE_NOT_FOUND"

    async def strings() -> AsyncIterator[str]:
        yield "not bytes"

    for source in (12345, strings()):
        with pytest.raises(BadRequest) as bad:
            await store.put(f"{ns}x", source)  # type: ignore[arg-type]
        assert bad.value.code == "BAD_BLOB_SOURCE"
    assert not await store.exists(f"{ns}x")


@pytest.mark.parametrize(
    "key", ["", "/abs", "a//b", "a/", "../x", "a/../b", "a/./b", "a\\b", "a\nb", "x" * 1100]
)
async def test_invalid_keys_are_refused_everywhere(store: BlobStore, key: str) -> None:
    for call in (
        store.put(key, b"x"),
        store.get(key),
        store.head(key),
        store.delete(key),
        store.signed_url(key),
    ):
        with pytest.raises(BadRequest) as err:
            await call
        assert err.value.code == "BAD_BLOB_KEY"


async def test_invalid_metadata_and_content_type_are_refused(store: BlobStore, ns: str) -> None:
    for metadata in ({"Upper": "x"}, {"sp ace": "x"}, {"n": 1}, {"big": "x" * 3000}):
        with pytest.raises(BadRequest) as err:
            await store.put(f"{ns}x", b"x", metadata=metadata)  # type: ignore[dict-item]
        assert err.value.code == "BAD_BLOB_METADATA"
    for content_type in ("", "text", "text/plain\r\nX-Evil: 1"):
        with pytest.raises(BadRequest) as err:
            await store.put(f"{ns}x", b"x", content_type=content_type)
        assert err.value.code == "BAD_BLOB_CONTENT_TYPE"
    assert not await store.exists(f"{ns}x")


# -- list / delete ----------------------------------------------------------------------------------

KEYS = ["p/a", "p/a-b", "p/a.z", "p/a/b", "p/a/c/d", "p/a0", "p/b", "q/a"]


async def test_list_by_prefix(store: BlobStore, ns: str) -> None:
    for i, key in enumerate(KEYS):
        await store.put(ns + key, b"x" * i, content_type="text/plain", metadata={"i": str(i)})

    async def keys(prefix: str) -> list[str]:
        return sorted([info.key.removeprefix(ns) async for info in store.list(ns + prefix)])

    assert await keys("") == sorted(KEYS)
    assert await keys("p/") == sorted(k for k in KEYS if k.startswith("p/"))
    assert await keys("p/a") == ["p/a", "p/a-b", "p/a.z", "p/a/b", "p/a/c/d", "p/a0"]
    assert await keys("p/a/") == ["p/a/b", "p/a/c/d"]
    assert await keys("p/a/c/d") == ["p/a/c/d"]
    assert await keys("nothing/") == []
    infos = {info.key: info async for info in store.list(ns + "p/")}
    for key, info in infos.items():
        assert info == await store.head(key)
    bare = [info async for info in store.list(ns + "q/", with_metadata=False)]
    assert [(b.key, b.size) for b in bare] == [(ns + "q/a", 7)]


async def test_delete_is_idempotent(store: BlobStore, ns: str) -> None:
    await store.put(f"{ns}d/x", b"1")
    assert await store.delete(f"{ns}d/x") is True
    assert await store.delete(f"{ns}d/x") is False
    assert await store.delete(f"{ns}never") is False
    with pytest.raises(NotFound):
        await store.head(f"{ns}d/x")
    assert [i async for i in store.list(f"{ns}d/")] == []


async def test_delete_prefix(store: BlobStore, ns: str) -> None:
    for key in KEYS:
        await store.put(ns + key, key.encode())
    assert await store.delete_prefix(ns + "p/a") == 6
    assert sorted([i.key async for i in store.list(ns)]) == [ns + "p/b", ns + "q/a"]
    assert await store.delete_prefix(ns + "p/a") == 0
    with pytest.raises(BadRequest):
        await store.delete_prefix("")
    assert await store.read(ns + "q/a") == b"q/a"


# -- signed URLs -------------------------------------------------------------------------------------


async def test_signed_url_downloads_over_http(store: BlobStore, ns: str, http: httpx.AsyncClient) -> None:
    key = f"{ns}dir with space/ü&=?+#.txt"
    await store.put(key, b"spoken words", content_type="text/plain")
    url = await store.signed_url(key, expires_in=600)
    assert url.startswith("http")
    answer = await http.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.content == b"spoken words"
    assert answer.headers["content-type"].startswith("text/plain")
    ranged = await http.get(url, headers={"Range": "bytes=7-11"})
    assert ranged.status_code == 206
    assert ranged.content == b"words"
    assert ranged.headers["content-range"] == "bytes 7-11/12"


async def test_signed_url_with_download_name(store: BlobStore, ns: str, http: httpx.AsyncClient) -> None:
    await store.put(f"{ns}r.wav", b"RIFF", content_type="audio/wav")
    url = await store.signed_url(f"{ns}r.wav", filename="réunion.wav")
    answer = await http.get(url)
    assert answer.status_code == 200
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''r%C3%A9union.wav" in disposition


async def test_tampered_signed_urls_are_refused(store: BlobStore, ns: str, http: httpx.AsyncClient) -> None:
    await store.put(f"{ns}secret.txt", b"private")
    await store.put(f"{ns}other.txt", b"other")
    url = await store.signed_url(f"{ns}secret.txt")
    assert (await http.get(url)).status_code == 200
    forged = tamper(url, signature_param(url))
    assert (await http.get(forged)).status_code == 403
    other_key = url.replace("secret.txt", "other.txt")
    assert (await http.get(other_key)).status_code == 403
    unsigned = urlunsplit(urlsplit(url)._replace(query=""))
    assert (await http.get(unsigned)).status_code == 403


async def test_expired_signed_url_is_refused(store: BlobStore, ns: str, http: httpx.AsyncClient) -> None:
    await store.put(f"{ns}brief.txt", b"soon gone")
    url = await store.signed_url(f"{ns}brief.txt", expires_in=1)
    await asyncio.sleep(2.1)
    assert (await http.get(url)).status_code == 403


async def test_signed_url_of_missing_blob_answers_404(
    store: BlobStore, ns: str, http: httpx.AsyncClient
) -> None:
    await store.put(f"{ns}gone.txt", b"x")
    url = await store.signed_url(f"{ns}gone.txt")
    await store.delete(f"{ns}gone.txt")
    assert (await http.get(url)).status_code == 404
    never = await store.signed_url(f"{ns}never.txt")
    assert (await http.get(never)).status_code == 404


@pytest.mark.parametrize("expires_in", [0, -5, 8 * 24 * 3600])
async def test_signed_url_expiry_bounds(store: BlobStore, ns: str, expires_in: int) -> None:
    with pytest.raises(BadRequest) as err:
        await store.signed_url(f"{ns}x", expires_in=expires_in)
    assert err.value.code == "BAD_BLOB_EXPIRY"


async def test_signed_url_refuses_unsafe_filenames(store: BlobStore, ns: str) -> None:
    for name in ("a/b.wav", 'q"uote', "new\nline"):
        with pytest.raises(ScaigridError) as err:
            await store.signed_url(f"{ns}x", filename=name)
        assert err.value.code == "BAD_BLOB_FILENAME"
