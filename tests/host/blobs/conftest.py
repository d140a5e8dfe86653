"""Blob store fixtures: each backend built from settings, a real S3 server, and a tiny app serving blob URLs.

``store`` is parametrised over both backends, so the contract tests run
unchanged against the local directory and against SeaweedFS (marked ``scaled``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from scaigrid.blobs import BlobStore, LocalBlobStore, create_blob_store
from scaigrid.settings import Settings, load_settings

from tests.host.blobs.serving import PUBLIC_BASE_URL, SECRET, blob_app
from tests.services import S3Endpoint, s3_endpoint  # noqa: F401 - session fixture


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def local_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "secret_key": SECRET,
        "public_base_url": PUBLIC_BASE_URL,
    }
    return load_settings(environ={}, **{**values, **overrides})


@pytest.fixture(scope="session")
def s3_bucket(s3_endpoint: S3Endpoint) -> Iterator[str]:  # noqa: F811
    """One bucket for the session (created by the store's start); tests isolate by key prefix."""
    name = f"sgblobs-{uuid.uuid4().hex[:12]}"
    yield name
    s3_endpoint.drop_bucket(name)


@pytest.fixture
def s3_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        bucket = overrides.pop("bucket", None) or request.getfixturevalue("s3_bucket")
        values = {"data_dir": str(tmp_path / "data"), **endpoint.settings(bucket), **overrides}
        return load_settings(environ={}, **values)

    return make


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.scaled)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "s3":
        make: Callable[..., Settings] = request.getfixturevalue("s3_settings")
        return make()
    return local_settings(tmp_path)


@pytest.fixture
async def store(store_settings: Settings) -> AsyncIterator[BlobStore]:
    blobs = create_blob_store(store_settings)
    await blobs.start()
    try:
        yield blobs
    finally:
        await blobs.close()


@pytest.fixture
def ns() -> str:
    """A key prefix of this test's own, so tests sharing the session bucket never meet."""
    return f"t{uuid.uuid4().hex[:10]}/"


@pytest.fixture
async def http(store: BlobStore) -> AsyncIterator[httpx.AsyncClient]:
    """Fetches signed URLs: the host app in-process for the local store, the network for S3."""
    if isinstance(store, LocalBlobStore):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=blob_app(store)))
    else:
        client = httpx.AsyncClient()
    async with client:
        yield client
