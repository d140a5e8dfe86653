"""Reading a ``put`` source (bytes, a path, an async byte stream) in bounded pieces.

:class:`SourceReader` hands out pieces of at most ``n`` bytes and holds at most
one piece's worth of incoming chunks, whatever the source's size.
File reads run in a thread so a large upload never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import IO

from scaigrid.blobs.base import BlobSource
from scaigrid.errors import BadRequest, NotFound

__all__ = ["SourceReader"]


class SourceReader:
    """Read a blob source as a sequence of byte pieces.

    Use as an async context manager (the file of a path source is closed on exit)::

        async with SourceReader(source) as reader:
            while piece := await reader.read(8 << 20):
                ...
    """

    def __init__(self, source: BlobSource) -> None:
        self._buffer: bytes | memoryview | None = None
        self._offset = 0
        self._path: Path | None = None
        self._file: IO[bytes] | None = None
        self._stream: AsyncIterator[bytes] | None = None
        self._pending: deque[bytes] = deque()
        self._pending_size = 0
        self._eof = False
        if isinstance(source, bytes | bytearray | memoryview):
            self._buffer = memoryview(source).cast("B")
        elif isinstance(source, str | os.PathLike):
            self._path = Path(source)
        elif isinstance(source, AsyncIterable):
            self._stream = aiter(source)
        else:
            raise BadRequest(
                f"a blob source is bytes, a path or an async iterable of bytes, not {type(source).__name__}",
                code="BAD_BLOB_SOURCE",
            )

    @property
    def is_stream(self) -> bool:
        """True for an async byte stream; buffers and files can also be :meth:`pump`-ed in a thread."""
        return self._stream is not None

    async def __aenter__(self) -> SourceReader:
        if self._path is not None:
            try:
                self._file = await asyncio.to_thread(open, self._path, "rb")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
                raise NotFound(
                    f"blob source file {self._path} does not exist", code="BLOB_SOURCE_NOT_FOUND"
                ) from exc
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    async def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the source; ``b""`` once exhausted."""
        if self._buffer is not None:
            piece = bytes(self._buffer[self._offset : self._offset + n])
            self._offset += len(piece)
            return piece
        if self._path is not None:
            if self._file is None:
                raise RuntimeError("SourceReader used outside 'async with'")
            return await asyncio.to_thread(self._file.read, n)
        return await self._read_stream(n)

    def pump(self, sink: Callable[[bytes | memoryview], object], piece_size: int) -> None:
        """Feed a buffer or file source to ``sink`` in pieces, synchronously: call it in a thread.

        One thread hop for the whole copy instead of two per piece.
        """
        if self._buffer is not None:
            view, self._buffer = self._buffer[self._offset :], memoryview(b"")
            for offset in range(0, len(view), piece_size):
                sink(view[offset : offset + piece_size])
            return
        if self._file is None:
            raise RuntimeError("pump() needs a buffer or an open file source")
        while piece := self._file.read(piece_size):
            sink(piece)

    async def _read_stream(self, n: int) -> bytes:
        assert self._stream is not None
        while self._pending_size < n and not self._eof:
            try:
                chunk = await anext(self._stream)
            except StopAsyncIteration:
                self._eof = True
                break
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise BadRequest(
                    f"a blob source stream must yield bytes, not {type(chunk).__name__}",
                    code="BAD_BLOB_SOURCE",
                )
            if chunk:
                self._pending.append(bytes(chunk) if not isinstance(chunk, bytes) else chunk)
                self._pending_size += len(chunk)
        # Join only what this piece needs; the chunks are released as they are consumed.
        out: list[bytes] = []
        need = n
        while need and self._pending:
            head = self._pending.popleft()
            if len(head) > need:
                self._pending.appendleft(head[need:])
                head = head[:need]
            out.append(head)
            need -= len(head)
        piece = out[0] if len(out) == 1 else b"".join(out)
        self._pending_size -= len(piece)
        return piece
