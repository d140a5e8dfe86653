"""The embedded default blob store: a directory tree under ``<data_dir>/blobs``, served by the host.

Layout (``root/objects``): key ``a/b/c.wav`` is the file ``a.d/b.d/c.wav.blob``
beside its JSON sidecar ``c.wav.meta.json`` (content type, metadata, etag).
The suffixes keep a key ``a`` and a key ``a/b`` from colliding on disk, which
a plain mirror of the key could not. Writes go to ``root/tmp`` first and are
renamed into place under a directory lock (:mod:`scaigrid.blobs.dirlock`), so
readers never see a partial blob or one writer's data with another's metadata.
All file I/O runs in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import IO

import msgspec

from scaigrid.blobs.base import (
    DEFAULT_CONTENT_TYPE,
    BlobInfo,
    BlobSource,
    BlobStore,
    blob_not_found,
    check_expiry,
    check_range,
)
from scaigrid.blobs.dirlock import locked_dir
from scaigrid.blobs.keys import (
    validate_content_type,
    validate_filename,
    validate_key,
    validate_metadata,
    validate_prefix,
)
from scaigrid.blobs.signing import UrlSigner
from scaigrid.blobs.sources import SourceReader

__all__ = ["LocalBlobStore"]

DATA_SUFFIX = ".blob"
META_SUFFIX = ".meta.json"
DIR_SUFFIX = ".d"
CHUNK_SIZE = 1 << 20
STALE_TEMP_SECONDS = 3600
"""Temp files older than this are leftovers of a crashed write (other processes may share the root)."""


class _Sidecar(msgspec.Struct, kw_only=True):
    key: str
    content_type: str
    metadata: dict[str, str]
    etag: str


class _Entry(msgspec.Struct):
    """One child of a directory while listing: a sub-tree to descend into, or a blob."""

    sort_key: str
    directory: Path | None = None
    info: BlobInfo | None = None


class LocalBlobStore(BlobStore):
    """Blobs in a local directory; signed URLs point at the host's ``/v1/blobs`` route."""

    backend = "local"

    def __init__(self, root: str | os.PathLike[str], signer: UrlSigner) -> None:
        self.root = Path(root)
        self.signer = signer
        self._objects = self.root / "objects"
        self._tmp = self.root / "tmp"

    async def start(self) -> None:
        await asyncio.to_thread(self._prepare)

    def _prepare(self) -> None:
        self._objects.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - STALE_TEMP_SECONDS
        for entry in os.scandir(self._tmp):
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)

    def _paths(self, key: str) -> tuple[Path, Path]:
        *dirs, leaf = key.split("/")
        parent = self._objects.joinpath(*(d + DIR_SUFFIX for d in dirs))
        return parent / (leaf + DATA_SUFFIX), parent / (leaf + META_SUFFIX)

    # -- write -----------------------------------------------------------------

    async def put(
        self,
        key: str,
        source: BlobSource,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobInfo:
        key = validate_key(key)
        content_type = validate_content_type(content_type)
        meta = validate_metadata(metadata)
        data_path, meta_path = self._paths(key)
        # Each write's id is its etag: it changes with every put, and hashing would halve write speed.
        version = uuid.uuid4().hex
        tmp = self._tmp / f"{version}.part"
        try:
            async with SourceReader(source) as reader:
                fh = await asyncio.to_thread(self._open_temp, tmp)
                try:
                    if not reader.is_stream:
                        await asyncio.to_thread(reader.pump, fh.write, CHUNK_SIZE)
                    else:
                        while piece := await reader.read(CHUNK_SIZE):
                            await asyncio.to_thread(fh.write, piece)
                    await asyncio.to_thread(_flush, fh)
                finally:
                    fh.close()
            sidecar = _Sidecar(key=key, content_type=content_type, metadata=meta, etag=version)
            await asyncio.to_thread(self._commit, tmp, msgspec.json.encode(sidecar), data_path, meta_path)
        except BaseException:
            for leftover in (tmp, tmp.with_suffix(".meta")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        return await asyncio.to_thread(self._info, key, data_path, meta_path)

    def _open_temp(self, tmp: Path) -> IO[bytes]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        return open(tmp, "wb")

    def _commit(self, tmp: Path, sidecar: bytes, data_path: Path, meta_path: Path) -> None:
        meta_tmp = tmp.with_suffix(".meta")
        meta_tmp.write_bytes(sidecar)
        for _ in range(20):
            with locked_dir(data_path.parent, exclusive=True, create=True):
                try:
                    # The sidecar lands first: a new blob appears, with its metadata, when its data does.
                    os.replace(meta_tmp, meta_path)
                except FileNotFoundError:  # a delete pruned the (empty) directory after we locked it
                    continue
                os.replace(tmp, data_path)
                return
        raise OSError(f"could not publish blob {data_path}: its directory keeps being removed")

    # -- read --------------------------------------------------------------------

    async def get(
        self, key: str, *, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        key = validate_key(key)
        first, last = check_range(start, end)
        data_path, _ = self._paths(key)
        try:
            await asyncio.to_thread(os.stat, data_path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise blob_not_found(key) from exc
        return self._chunks(key, data_path, first, last)

    async def _chunks(self, key: str, path: Path, start: int, end: int | None) -> AsyncIterator[bytes]:
        try:
            fh = await asyncio.to_thread(_open_at, path, start)
        except FileNotFoundError as exc:  # deleted between get() and the first read
            raise blob_not_found(key) from exc
        try:
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(fh.read, size)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            fh.close()

    async def head(self, key: str) -> BlobInfo:
        key = validate_key(key)
        return await asyncio.to_thread(self._info, key, *self._paths(key))

    def _info(self, key: str, data_path: Path, meta_path: Path) -> BlobInfo:
        with locked_dir(data_path.parent, exclusive=False) as exists:
            try:
                if not exists:
                    raise FileNotFoundError(data_path)
                st = os.stat(data_path)
            except (FileNotFoundError, NotADirectoryError) as exc:
                raise blob_not_found(key) from exc
            return _describe(key, st, meta_path)

    # -- delete ------------------------------------------------------------------

    async def delete(self, key: str) -> bool:
        key = validate_key(key)
        return await asyncio.to_thread(self._delete, *self._paths(key))

    def _delete(self, data_path: Path, meta_path: Path) -> bool:
        with locked_dir(data_path.parent, exclusive=True) as exists:
            if not exists:
                return False
            try:
                os.unlink(data_path)
            except FileNotFoundError:
                return False
            with contextlib.suppress(FileNotFoundError):
                os.unlink(meta_path)
        directory = data_path.parent
        while directory != self._objects and self._objects in directory.parents:
            try:
                directory.rmdir()
            except OSError:  # not empty (or already gone): stop pruning
                break
            directory = directory.parent
        return True

    # -- list --------------------------------------------------------------------

    async def list(self, prefix: str = "", *, with_metadata: bool = True) -> AsyncIterator[BlobInfo]:
        # The sidecar sits beside the data, so metadata costs nothing extra here.
        prefix = validate_prefix(prefix)
        *dirs, partial = prefix.split("/")
        directory = self._objects.joinpath(*(d + DIR_SUFFIX for d in dirs))
        async for info in self._walk(directory, "".join(d + "/" for d in dirs), partial):
            yield info

    async def _walk(self, directory: Path, key_base: str, partial: str) -> AsyncIterator[BlobInfo]:
        entries = await asyncio.to_thread(_scan, directory, key_base, partial)
        for entry in entries:
            if entry.directory is not None:
                async for info in self._walk(entry.directory, entry.sort_key, ""):
                    yield info
            elif entry.info is not None:
                yield entry.info

    # -- signed URLs ---------------------------------------------------------------

    async def signed_url(self, key: str, *, expires_in: int = 86400, filename: str | None = None) -> str:
        key = validate_key(key)
        return self.signer.url(key, check_expiry(expires_in), validate_filename(filename))

    async def verify_url(
        self, key: str, *, expires: str | None, sig: str | None, filename: str | None
    ) -> None:
        self.signer.verify(key, expires=expires, sig=sig, filename=filename or None)


def _flush(fh: IO[bytes]) -> None:
    fh.flush()
    os.fsync(fh.fileno())  # the rename must not publish a blob whose bytes a crash could lose


def _open_at(path: Path, offset: int) -> IO[bytes]:
    fh = open(path, "rb")  # noqa: SIM115 - closed by the reading generator
    if offset:
        fh.seek(offset)
    return fh


def _describe(key: str, st: os.stat_result, meta_path: Path) -> BlobInfo:
    try:
        sidecar = msgspec.json.decode(meta_path.read_bytes(), type=_Sidecar)
        content_type, metadata, etag = sidecar.content_type, sidecar.metadata, sidecar.etag
    except (OSError, msgspec.DecodeError):
        # Data without a readable sidecar (a write interrupted between the two renames).
        content_type, metadata, etag = DEFAULT_CONTENT_TYPE, {}, f"{st.st_size:x}-{st.st_mtime_ns:x}"
    return BlobInfo(
        key=key,
        size=st.st_size,
        content_type=content_type,
        metadata=metadata,
        etag=etag,
        modified_at=dt.datetime.fromtimestamp(st.st_mtime, dt.UTC),
    )


def _scan(directory: Path, key_base: str, partial: str) -> list[_Entry]:
    """The children of one directory whose key starts with ``key_base + partial``, in key order."""
    with locked_dir(directory, exclusive=False) as exists:
        return _scan_locked(directory, key_base, partial) if exists else []


def _scan_locked(directory: Path, key_base: str, partial: str) -> list[_Entry]:
    entries: list[_Entry] = []
    for name, is_dir in _children(directory):
        if is_dir and name.endswith(DIR_SUFFIX):
            segment = name[: -len(DIR_SUFFIX)]
            if segment.startswith(partial):
                entries.append(_Entry(f"{key_base}{segment}/", directory=directory / name))
        elif not is_dir and name.endswith(DATA_SUFFIX):
            segment = name[: -len(DATA_SUFFIX)]
            if segment.startswith(partial):
                key = key_base + segment
                try:
                    st = os.stat(directory / name)
                except FileNotFoundError:  # deleted while we listed
                    continue
                entries.append(_Entry(key, info=_describe(key, st, directory / (segment + META_SUFFIX))))
    # A sub-tree sorts as "<segment>/": every key inside it falls between that and the next sibling.
    entries.sort(key=lambda e: e.sort_key)
    return entries


def _children(directory: Path) -> Iterator[tuple[str, bool]]:
    try:
        with os.scandir(directory) as it:
            for entry in it:
                yield entry.name, entry.is_dir(follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return
