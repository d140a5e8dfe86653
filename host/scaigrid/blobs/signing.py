"""HMAC-signed host URLs for the local blob store: ``/v1/blobs/<key>?expires=<unix>&sig=<hex>``.

The signature covers the key, the expiry and the download file name, so none
of them can be changed without the URL failing with ``BLOB_URL_INVALID``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode

from scaigrid.errors import Forbidden

__all__ = ["BLOB_ROUTE_PREFIX", "UrlSigner", "content_disposition"]

BLOB_ROUTE_PREFIX = "/v1/blobs"

_PURPOSE = b"scaigrid.blobs.url.v1"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class UrlSigner:
    """Signs and verifies blob URLs with a key derived from the host secret.

    The derived key keeps blob signatures from being valid for any other use of
    the same secret (WebSocket tickets, for one). ``clock`` is injectable so the
    expiry logic is testable without sleeping.
    """

    def __init__(self, secret: str | bytes, base_url: str, *, clock: Callable[[], float] = time.time) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("the blob URL secret must not be empty")
        self._key = hmac.new(raw, _PURPOSE, hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    def signature(self, key: str, expires: int, filename: str | None) -> str:
        message = "\n".join((key, str(expires), filename or "")).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def url(self, key: str, expires_in: int, filename: str | None = None) -> str:
        expires = int(self._clock()) + expires_in
        query = {"expires": str(expires), "sig": self.signature(key, expires, filename)}
        if filename:
            query["filename"] = filename
        return (
            f"{self.base_url}{BLOB_ROUTE_PREFIX}/{quote(key, safe='/')}?{urlencode(query, quote_via=quote)}"
        )

    def verify(self, key: str, *, expires: str | None, sig: str | None, filename: str | None) -> None:
        """Raise ``Forbidden`` (``BLOB_URL_INVALID`` / ``BLOB_URL_EXPIRED``) unless the URL is valid now."""
        if not expires or not sig or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
            raise Forbidden("the blob URL is not signed", code="BLOB_URL_INVALID")
        expected = self.signature(key, int(expires), filename)
        if not _HEX_SHA256.fullmatch(sig) or not hmac.compare_digest(expected, sig.lower()):
            raise Forbidden("the blob URL signature does not match", code="BLOB_URL_INVALID")
        if int(expires) < self._clock():
            raise Forbidden("the blob URL has expired", code="BLOB_URL_EXPIRED")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
