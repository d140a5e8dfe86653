"""``create_blob_store(settings)``: the local directory store, or S3 when ``SCAIGRID_BLOB_BACKEND=s3``."""

from __future__ import annotations

from scaigrid.blobs.base import BlobStore
from scaigrid.blobs.local import LocalBlobStore
from scaigrid.blobs.signing import UrlSigner
from scaigrid.secret import host_secret
from scaigrid.settings import Settings

__all__ = ["create_blob_store", "host_secret"]  # host_secret re-exported for existing callers


def create_blob_store(settings: Settings, *, secret: str | None = None) -> BlobStore:
    """Build (not start) the configured store.

    ``secret`` signs local blob URLs; default :func:`host_secret`. S3 settings
    are checked here, so a bad bucket name fails start-up, not a request.
    """
    if settings.blob_backend == "s3":
        from scaigrid.blobs.s3 import S3BlobStore  # aioboto3 is imported only when S3 is configured

        return S3BlobStore.from_settings(settings)
    signer = UrlSigner(secret or host_secret(settings), settings.public_base_url)
    return LocalBlobStore(settings.data_path / "blobs", signer)
