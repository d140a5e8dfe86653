"""``create_blob_store(settings)``: the local directory store, or S3 when ``SCAIGRID_BLOB_BACKEND=s3``."""

from __future__ import annotations

import os
import secrets

from scaigrid.blobs.base import BlobStore
from scaigrid.blobs.local import LocalBlobStore
from scaigrid.blobs.signing import UrlSigner
from scaigrid.settings import Settings

__all__ = ["create_blob_store", "host_secret"]


def host_secret(settings: Settings) -> str:
    """``SCAIGRID_SECRET_KEY``, or the secret generated once into ``<data_dir>/secret.key`` (mode 0600).

    Same file and format as the platform's own secret, so both agree whoever creates it first.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_path / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


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
