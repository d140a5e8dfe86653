"""Where a task's files live in the blob store, and the signed URLs clients get for them."""

from __future__ import annotations

import re
from pathlib import Path

from scaigrid.blobs import BlobStore

from audio_engine.rows import FileRow

__all__ = ["input_key", "output_key", "upload"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(filename: str, default: str) -> str:
    name = _UNSAFE.sub("_", Path(filename).name).strip("._") or default
    return name[-120:]


def input_key(tenant_id: str, task_id: str, index: int, filename: str) -> str:
    return f"audio_engine/{tenant_id}/{task_id}/input/{index:02d}_{_safe_name(filename, 'input')}"


def output_key(tenant_id: str, task_id: str, path: str) -> str:
    return f"audio_engine/{tenant_id}/{task_id}/output/{_safe_name(Path(path).name, 'output.wav')}"


async def upload(
    blobs: BlobStore,
    key: str,
    path: Path,
    *,
    filename: str,
    content_type: str,
    step_index: int | None = None,
    sha256: str | None = None,
) -> FileRow:
    info = await blobs.put_file(
        key, path, content_type=content_type, metadata={"filename": _safe_name(filename, "file")}
    )
    return FileRow(
        blob_key=key,
        filename=filename,
        content_type=content_type,
        size_bytes=info.size,
        sha256=sha256,
        step_index=step_index,
    )
