"""The S3 store (scaigrid/blobs/s3.py) against a real SeaweedFS: multipart, bucket creation, failures."""

from __future__ import annotations

import os
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from scaigrid.blobs import create_blob_store
from scaigrid.blobs.s3 import PART_SIZE, S3BlobStore
from scaigrid.errors import ScaigridError, ServiceUnavailable
from scaigrid.settings import Settings

from tests.services import S3Endpoint, free_ports

pytestmark = [pytest.mark.anyio, pytest.mark.scaled]


@pytest.fixture
async def s3(s3_settings: Callable[..., Settings]) -> AsyncIterator[S3BlobStore]:
    store = create_blob_store(s3_settings())
    assert isinstance(store, S3BlobStore)
    await store.start()
    yield store
    await store.close()


@pytest.fixture
def ns() -> str:
    return f"s{uuid.uuid4().hex[:10]}/"


async def blocks(count: int, size: int = 1 << 20) -> AsyncIterator[bytes]:
    block = os.urandom(size)
    for _ in range(count):
        yield block


async def test_large_uploads_are_multipart_and_small_ones_are_not(s3: S3BlobStore, ns: str) -> None:
    big = await s3.put(f"{ns}big", blocks(20))
    assert big.size == 20 << 20
    assert big.etag.endswith("-3")  # S3's multipart etag: md5-of-part-md5s, dash, part count
    exact = await s3.put(f"{ns}exact", os.urandom(PART_SIZE))
    assert "-" not in exact.etag
    assert exact.size == PART_SIZE


async def test_streamed_upload_holds_a_few_parts_not_the_object(s3: S3BlobStore, ns: str) -> None:
    tracemalloc.start()
    try:
        info = await s3.put(f"{ns}stream", blocks(64))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == 64 << 20
    assert peak < 48 << 20, f"peak {peak >> 20} MiB while streaming 64 MiB"


async def test_failed_stream_aborts_the_multipart_upload(
    s3: S3BlobStore, ns: str, s3_endpoint: S3Endpoint, s3_bucket: str
) -> None:
    async def broken() -> AsyncIterator[bytes]:
        async for block in blocks(18):
            yield block
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await s3.put(f"{ns}broken", broken())
    assert not await s3.exists(f"{ns}broken")
    client = s3_endpoint.client()
    try:
        uploads = client.list_multipart_uploads(Bucket=s3_bucket, Prefix=ns).get("Uploads", [])
    finally:
        client.close()
    assert uploads == []


async def test_bucket_is_created_at_start(
    s3_settings: Callable[..., Settings], s3_endpoint: S3Endpoint
) -> None:
    bucket = f"sgnew-{uuid.uuid4().hex[:10]}"
    first = create_blob_store(s3_settings(bucket=bucket))
    second = create_blob_store(s3_settings(bucket=bucket))
    try:
        await first.start()
        await first.start()  # idempotent
        await second.start()  # the bucket exists now: no error
        await first.put("x", b"1")
        assert await second.read("x") == b"1"
    finally:
        await first.close()
        await second.close()
        s3_endpoint.drop_bucket(bucket)


async def test_list_without_metadata_skips_the_heads(s3: S3BlobStore, ns: str) -> None:
    await s3.put(f"{ns}a", b"12", content_type="text/plain", metadata={"k": "v"})
    (bare,) = [i async for i in s3.list(ns, with_metadata=False)]
    (full,) = [i async for i in s3.list(ns)]
    assert (bare.key, bare.size, bare.etag, bare.content_type, bare.metadata) == (
        f"{ns}a",
        2,
        full.etag,
        "",
        {},
    )
    assert (full.content_type, full.metadata) == ("text/plain", {"k": "v"})


async def test_not_started(s3_settings: Callable[..., Settings]) -> None:
    store = create_blob_store(s3_settings())
    with pytest.raises(ServiceUnavailable) as err:
        await store.head("x")
    assert err.value.code == "BLOB_STORE_NOT_STARTED"


async def test_unreachable_endpoint_fails_start(s3_settings: Callable[..., Settings]) -> None:
    dead = f"http://127.0.0.1:{free_ports(1)[0]}"
    store = create_blob_store(s3_settings(s3_endpoint_url=dead))
    with pytest.raises(ServiceUnavailable) as err:
        await store.start()
    assert err.value.code == "BLOB_STORE_UNAVAILABLE"
    assert dead in err.value.message


async def test_wrong_credentials_fail_start(s3_settings: Callable[..., Settings]) -> None:
    store = create_blob_store(s3_settings(s3_secret_key="not-the-secret"))
    with pytest.raises(ScaigridError) as err:
        await store.start()
    assert err.value.code == "BLOB_STORE_ERROR"
    assert err.value.status_code == 502
