"""How S3 failures reach callers: botocore and aiohttp exceptions become coded ScaigridErrors.

A missing key is ``BLOB_NOT_FOUND`` (404); an unreachable or failing server is
``BLOB_STORE_UNAVAILABLE`` (503); anything else the server refuses (bad
credentials, policy) is ``BLOB_STORE_ERROR`` (502), with the server's words.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aiohttp
from botocore.exceptions import BotoCoreError, ClientError

from scaigrid.blobs.base import blob_not_found
from scaigrid.errors import ScaigridError, ServiceUnavailable

__all__ = ["error_code", "http_status", "s3_errors"]

_MISSING = {"NoSuchKey", "NotFound", "404"}
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError"}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def http_status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


@contextlib.contextmanager
def s3_errors(where: str, key: str | None = None) -> Iterator[None]:
    """Translate failures inside the block; ``key`` names the blob a 404 refers to."""
    try:
        yield
    except ClientError as exc:
        code, status = error_code(exc), http_status(exc)
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        if key is not None and (code in _MISSING or status == 404):
            raise blob_not_found(key) from exc
        if code == "NoSuchBucket":
            raise ServiceUnavailable(f"{where} does not exist", code="BLOB_BUCKET_MISSING") from exc
        if status >= 500 or code in _BUSY:
            raise ServiceUnavailable(
                f"S3 {where} failed: {code} {message}", code="BLOB_STORE_UNAVAILABLE"
            ) from exc
        raise ScaigridError(502, "BLOB_STORE_ERROR", f"S3 {where} refused: {code} {message}") from exc
    except (BotoCoreError, aiohttp.ClientError, TimeoutError) as exc:
        raise ServiceUnavailable(f"S3 {where} is unreachable: {exc}", code="BLOB_STORE_UNAVAILABLE") from exc
