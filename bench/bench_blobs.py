"""Blob store throughput: put/get of one large object, local directory vs S3, against the bare library calls.

    .venv/bin/python bench/bench_blobs.py [--size-mib 64] [--repeat 3]

The S3 side uses ``SCAIGRID_S3_ENDPOINT_URL`` when set, else starts SeaweedFS on
loopback (tests/services.py). Ratios compare each store call with the bare call
doing the same transfer (a plain file write/read; one aioboto3 put_object /
get_object), so a ratio near 1.0 means the store adds little. Best of N runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scaigrid.blobs import BlobStore, LocalBlobStore, UrlSigner  # noqa: E402
from scaigrid.blobs.s3 import S3BlobStore  # noqa: E402

from tests.services import S3Endpoint, s3_service  # noqa: E402

CHUNK = 1 << 20


async def best(repeat: int, fn: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return min(times)


async def stream(data: bytes) -> AsyncIterator[bytes]:
    """The object as an upload would arrive: 1 MiB chunks."""
    view = memoryview(data)
    for offset in range(0, len(data), CHUNK):
        yield bytes(view[offset : offset + CHUNK])


async def drain(store: BlobStore, key: str) -> int:
    total = 0
    async for chunk in await store.get(key):
        total += len(chunk)
    return total


async def bench_store(store: BlobStore, data: bytes, repeat: int) -> dict[str, float]:
    key = f"bench/{uuid.uuid4().hex}"
    out = {
        "put bytes": await best(repeat, lambda: store.put(key, data)),
        "put stream": await best(repeat, lambda: store.put(key, stream(data))),
        "get": await best(repeat, lambda: drain(store, key)),
    }
    await store.delete(key)
    return out


async def bare_local(directory: Path, data: bytes, repeat: int) -> dict[str, float]:
    path = directory / "bare.bin"

    def write() -> None:
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def read() -> None:
        with open(path, "rb") as fh:
            while fh.read(CHUNK):
                pass

    put = await best(repeat, lambda: asyncio.to_thread(write))
    return {"put bytes": put, "put stream": put, "get": await best(repeat, lambda: asyncio.to_thread(read))}


async def bare_s3(store: S3BlobStore, data: bytes, repeat: int) -> dict[str, float]:
    client, key = store._client, f"bench/bare-{uuid.uuid4().hex}"

    async def get() -> None:
        answer = await client.get_object(Bucket=store.bucket, Key=key)
        async with answer["Body"] as body:
            while await body.content.read(CHUNK):
                pass

    put = await best(repeat, lambda: client.put_object(Bucket=store.bucket, Key=key, Body=data))
    out = {"put bytes": put, "put stream": put, "get": await best(repeat, get)}
    await client.delete_object(Bucket=store.bucket, Key=key)
    return out


def report(name: str, size: int, ours: dict[str, float], bare: dict[str, float]) -> None:
    mib = size / (1 << 20)
    for op, seconds in ours.items():
        print(
            f"{name:5} {op:10} {mib / seconds:8.1f} MiB/s   bare {mib / bare[op]:8.1f} MiB/s"
            f"   store/bare {bare[op] / seconds:5.2f}"
        )


async def main(size_mib: int, repeat: int, endpoint: S3Endpoint) -> None:
    data = os.urandom(size_mib << 20)
    with tempfile.TemporaryDirectory(prefix="bench-blobs-") as tmp:
        local = LocalBlobStore(Path(tmp) / "blobs", UrlSigner("bench", "http://127.0.0.1:8080"))
        await local.start()
        local_ours = await bench_store(local, data, repeat)
        local_bare = await bare_local(Path(tmp), data, repeat)
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    s3 = S3BlobStore(
        bucket=bucket,
        endpoint_url=endpoint.url,
        region=endpoint.region,
        access_key=endpoint.access_key,
        secret_key=endpoint.secret_key,
    )
    await s3.start()
    try:
        s3_ours = await bench_store(s3, data, repeat)
        s3_bare = await bare_s3(s3, data, repeat)
    finally:
        await s3.close()
        with contextlib.suppress(Exception):
            endpoint.drop_bucket(bucket)
    print(f"{size_mib} MiB object, best of {repeat}; S3 at {endpoint.url}")
    report("local", len(data), local_ours, local_bare)
    report("s3", len(data), s3_ours, s3_bare)
    for op in local_ours:
        print(f"local/s3 {op:10} {s3_ours[op] / local_ours[op]:6.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with s3_service() as s3_endpoint:
        asyncio.run(main(args.size_mib, args.repeat, s3_endpoint))
