"""Choosing and configuring the backend from settings (scaigrid/blobs/factory.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from scaigrid.blobs import LocalBlobStore, create_blob_store, host_secret
from scaigrid.blobs.s3 import S3BlobStore
from scaigrid.errors import StartupError
from scaigrid.settings import load_settings


def test_local_is_the_default_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="k")
    store = create_blob_store(settings)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "d" / "blobs"
    assert store.signer.base_url == "http://127.0.0.1:8080"


def test_local_urls_use_the_public_base_url_and_the_given_secret(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path), public_base_url="https://grid.example/")
    a = create_blob_store(settings, secret="one")
    b = create_blob_store(settings, secret="two")
    assert isinstance(a, LocalBlobStore) and isinstance(b, LocalBlobStore)
    assert a.signer.url("k", 60).startswith("https://grid.example/v1/blobs/k?")
    assert a.signer.signature("k", 1, None) != b.signer.signature("k", 1, None)


def test_host_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "d"))
    first = host_secret(settings)
    assert len(first) >= 48
    path = tmp_path / "d" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert host_secret(settings) == first
    assert host_secret(load_settings(environ={}, data_dir=str(tmp_path / "d"), secret_key="set")) == "set"


def test_s3_from_settings(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"SCAIGRID_BLOB_BACKEND": "s3", "SCAIGRID_S3_ENDPOINT_URL": "http://127.0.0.1:9"},
        data_dir=str(tmp_path),
        s3_bucket="my-bucket.v2",
        s3_region="eu-west-1",
        s3_access_key="a",
        s3_secret_key="b",
    )
    store = create_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.endpoint_url, store.region) == (
        "my-bucket.v2",
        "http://127.0.0.1:9",
        "eu-west-1",
    )


@pytest.mark.parametrize("bucket", ["ab", "Upper", "-lead", "trail-", "a..b", "x" * 64, "under_score"])
def test_bad_bucket_fails_start_up(tmp_path: Path, bucket: str) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path), blob_backend="s3", s3_bucket=bucket)
    with pytest.raises(StartupError, match="SCAIGRID_S3_BUCKET"):
        create_blob_store(settings)


def test_half_set_credentials_fail_start_up(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path), blob_backend="s3", s3_access_key="only")
    with pytest.raises(StartupError, match="SCAIGRID_S3_SECRET_KEY"):
        create_blob_store(settings)


def test_unknown_backend_fails_settings() -> None:
    with pytest.raises(StartupError, match="SCAIGRID_BLOB_BACKEND"):
        load_settings(environ={"SCAIGRID_BLOB_BACKEND": "ftp"})
