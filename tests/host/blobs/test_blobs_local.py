"""The local directory store (scaigrid/blobs/local.py): layout, atomic writes, ordering, housekeeping."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from scaigrid.blobs import DEFAULT_CONTENT_TYPE, LocalBlobStore, UrlSigner
from scaigrid.blobs.local import STALE_TEMP_SECONDS

from tests.host.blobs.serving import PUBLIC_BASE_URL, SECRET

pytestmark = pytest.mark.anyio


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalBlobStore]:
    store = LocalBlobStore(tmp_path / "blobs", UrlSigner(SECRET, PUBLIC_BASE_URL))
    await store.start()
    yield store
    await store.close()


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_a_key_and_keys_below_it_coexist_on_disk(local: LocalBlobStore) -> None:
    await local.put("a", b"file a", content_type="text/plain", metadata={"x": "1"})
    await local.put("a/b", b"file a/b")
    assert await local.read("a") == b"file a"
    assert await local.read("a/b") == b"file a/b"
    assert files(local.root / "objects") == ["a.blob", "a.d/b.blob", "a.d/b.meta.json", "a.meta.json"]
    sidecar = json.loads((local.root / "objects" / "a.meta.json").read_text())
    assert sidecar == {
        "key": "a",
        "content_type": "text/plain",
        "metadata": {"x": "1"},
        "etag": (await local.head("a")).etag,
    }


async def test_list_is_in_key_order(local: LocalBlobStore) -> None:
    keys = ["p/a0", "p/a/c/d", "p/a", "p/b", "p/a.z", "p/a-b", "p/a/b", "p/Z", "p/é"]
    for key in keys:
        await local.put(key, b"x")
    assert [i.key async for i in local.list("p/")] == sorted(keys)
    assert [i.key async for i in local.list("")] == sorted(keys)


async def test_failed_write_keeps_the_previous_blob(local: LocalBlobStore) -> None:
    await local.put("k", b"original", metadata={"v": "1"})

    async def broken() -> AsyncIterator[bytes]:
        yield b"partial " * 100_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await local.put("k", broken(), metadata={"v": "2"})
    assert await local.read("k") == b"original"
    assert (await local.head("k")).metadata == {"v": "1"}
    assert list((local.root / "tmp").iterdir()) == []


async def test_concurrent_writers_leave_one_whole_blob(local: LocalBlobStore) -> None:
    bodies = [bytes([i]) * (200_000 + i) for i in range(6)]
    await asyncio.gather(*(local.put("same", body, metadata={"i": str(i)}) for i, body in enumerate(bodies)))
    data = await local.read("same")
    assert data in bodies
    head = await local.head("same")
    assert head.metadata == {"i": str(data[0])}  # that writer's metadata, not another's
    assert head.size == len(data)
    assert list((local.root / "tmp").iterdir()) == []


async def test_blob_without_sidecar_still_reads(local: LocalBlobStore) -> None:
    await local.put("dir/x.bin", b"12345", content_type="audio/wav")
    (local.root / "objects" / "dir.d" / "x.bin.meta.json").unlink()
    info = await local.head("dir/x.bin")
    assert (info.size, info.content_type, info.metadata) == (5, DEFAULT_CONTENT_TYPE, {})
    assert info.etag
    assert [i.key async for i in local.list("dir/")] == ["dir/x.bin"]


async def test_delete_prunes_empty_directories_only(local: LocalBlobStore) -> None:
    await local.put("t/u/v/w", b"1")
    await local.put("t/keep", b"2")
    assert await local.delete("t/u/v/w")
    assert files(local.root / "objects") == ["t.d/keep.blob", "t.d/keep.meta.json"]
    assert not (local.root / "objects" / "t.d" / "u.d").exists()
    assert await local.delete("t/keep")
    assert list((local.root / "objects").iterdir()) == []
    await local.put("t/u/v/w", b"again")  # the pruned directories come back on demand
    assert await local.read("t/u/v/w") == b"again"


async def test_start_sweeps_stale_temp_files_only(tmp_path: Path) -> None:
    tmp = tmp_path / "blobs" / "tmp"
    tmp.mkdir(parents=True)
    stale, fresh = tmp / "old.part", tmp / "new.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    await LocalBlobStore(tmp_path / "blobs", UrlSigner(SECRET, PUBLIC_BASE_URL)).start()
    assert sorted(p.name for p in tmp.iterdir()) == ["new.part"]


async def test_works_before_start(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "fresh", UrlSigner(SECRET, PUBLIC_BASE_URL))
    assert [i async for i in store.list()] == []
    await store.put("a/b", b"x")
    assert await store.read("a/b") == b"x"


async def test_abandoned_reader_does_not_block_delete(local: LocalBlobStore) -> None:
    await local.put("r", b"x" * 3_000_000)
    chunks = await local.get("r")
    first = await anext(chunks)
    assert len(first) == 1 << 20
    assert await local.delete("r")
    await chunks.aclose()  # type: ignore[attr-defined]
    assert not await local.exists("r")
