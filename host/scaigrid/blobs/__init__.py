"""Blob storage: a :class:`BlobStore` on a local directory (default) or S3, with signed download URLs.

``create_blob_store(settings)`` picks the backend; ``scaigrid.blobs.routes``
holds the host route that serves the local store's signed URLs.
"""

from scaigrid.blobs.base import DEFAULT_CONTENT_TYPE, MAX_URL_EXPIRY, BlobInfo, BlobSource, BlobStore
from scaigrid.blobs.factory import create_blob_store, host_secret
from scaigrid.blobs.keys import validate_key, validate_prefix
from scaigrid.blobs.local import LocalBlobStore
from scaigrid.blobs.signing import UrlSigner

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "MAX_URL_EXPIRY",
    "BlobInfo",
    "BlobSource",
    "BlobStore",
    "LocalBlobStore",
    "UrlSigner",
    "create_blob_store",
    "host_secret",
    "validate_key",
    "validate_prefix",
]


def __getattr__(name: str) -> object:
    # S3BlobStore pulls in aioboto3; import it only when asked for.
    if name == "S3BlobStore":
        from scaigrid.blobs.s3 import S3BlobStore

        return S3BlobStore
    raise AttributeError(f"module 'scaigrid.blobs' has no attribute {name!r}")
