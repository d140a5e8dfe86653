"""Reading put sources in bounded pieces (scaigrid/blobs/sources.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from scaigrid.blobs.base import BlobSource
from scaigrid.blobs.sources import SourceReader
from scaigrid.errors import BadRequest, NotFound

pytestmark = pytest.mark.anyio

DATA = os.urandom(100_003)


async def stream(sizes: list[int]) -> AsyncIterator[bytes]:
    offset, i = 0, 0
    while offset < len(DATA):
        yield DATA[offset : offset + sizes[i % len(sizes)]]
        offset += sizes[i % len(sizes)]
        i += 1


async def pieces(source: BlobSource, n: int) -> list[bytes]:
    out = []
    async with SourceReader(source) as reader:
        while piece := await reader.read(n):
            out.append(piece)
        assert await reader.read(n) == b""  # stays exhausted
    return out


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


@pytest.mark.parametrize(
    "kind", ["bytes", "bytearray", "memoryview", "path", "str", "stream-small", "stream-big"]
)
async def test_pieces_are_exactly_n_bytes_until_the_end(kind: str, data_file: Path) -> None:
    sources: dict[str, BlobSource] = {
        "bytes": DATA,
        "bytearray": bytearray(DATA),
        "memoryview": memoryview(DATA),
        "path": data_file,
        "str": str(data_file),
        "stream-small": stream([1, 7, 1000]),
        "stream-big": stream([50_000, 70_000]),
    }
    got = await pieces(sources[kind], 30_000)
    assert [len(p) for p in got] == [30_000, 30_000, 30_000, 10_003]
    assert b"".join(got) == DATA
    assert all(type(p) is bytes for p in got)


async def test_pump_feeds_buffers_and_files(data_file: Path) -> None:
    for source in (DATA, data_file):
        received: list[bytes] = []
        async with SourceReader(source) as reader:
            assert not reader.is_stream
            reader.pump(lambda piece, out=received: out.append(bytes(piece)), 40_000)
        assert [len(p) for p in received] == [40_000, 40_000, 20_003]
        assert b"".join(received) == DATA


async def test_streams_cannot_be_pumped() -> None:
    async with SourceReader(stream([10])) as reader:
        assert reader.is_stream
        with pytest.raises(RuntimeError):
            reader.pump(lambda piece: None, 10)


async def test_the_file_is_closed_on_exit(data_file: Path) -> None:
    reader = SourceReader(data_file)
    async with reader:
        await reader.read(10)
    with pytest.raises(RuntimeError):
        await reader.read(10)


async def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as err:
        SourceReader(3.5)  # type: ignore[arg-type]
    assert err.value.code == "BAD_BLOB_SOURCE"
    with pytest.raises(NotFound) as missing:
        async with SourceReader(tmp_path / "missing"):
            pass
    assert missing.value.code == "BLOB_SOURCE_NOT_FOUND"
    with pytest.raises(NotFound):
        async with SourceReader(tmp_path):  # a directory is no file
            pass

    async def texts() -> AsyncIterator[str]:
        yield "text"

    with pytest.raises(BadRequest) as bad:
        await pieces(texts(), 10)  # type: ignore[arg-type]
    assert bad.value.code == "BAD_BLOB_SOURCE"
