"""Translation of S3 failures into coded errors (scaigrid/blobs/s3_errors.py)."""

from __future__ import annotations

import aiohttp
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from scaigrid.blobs.s3_errors import s3_errors
from scaigrid.errors import ScaigridError


def client_error(code: str, status: int, message: str = "msg") -> ClientError:
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetObject")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raised", "key", "status", "code"),
    [
        (client_error("NoSuchKey", 404), "k", 404, "BLOB_NOT_FOUND"),
        (client_error("404", 404), "k", 404, "BLOB_NOT_FOUND"),
        (client_error("NoSuchBucket", 404), None, 503, "BLOB_BUCKET_MISSING"),
        (client_error("InternalError", 500), "k", 503, "BLOB_STORE_UNAVAILABLE"),
        (client_error("SlowDown", 503), "k", 503, "BLOB_STORE_UNAVAILABLE"),
        (client_error("AccessDenied", 403, "Access Denied"), "k", 502, "BLOB_STORE_ERROR"),
        (client_error("SignatureDoesNotMatch", 403), None, 502, "BLOB_STORE_ERROR"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "k", 503, "BLOB_STORE_UNAVAILABLE"),
        (aiohttp.ClientPayloadError("cut"), "k", 503, "BLOB_STORE_UNAVAILABLE"),
        (TimeoutError(), None, 503, "BLOB_STORE_UNAVAILABLE"),
    ],
)
def test_translation(raised: Exception, key: str | None, status: int, code: str) -> None:
    with pytest.raises(ScaigridError) as err, s3_errors("bucket 'b' at http://s3", key):
        raise raised
    assert (err.value.status_code, err.value.code) == (status, code)
    assert err.value.__cause__ is raised


def test_a_404_without_a_key_is_not_blob_not_found() -> None:
    with pytest.raises(ScaigridError) as err, s3_errors("bucket 'b'"):
        raise client_error("NoSuchUpload", 404)
    assert err.value.code == "BLOB_STORE_ERROR"
    assert "NoSuchUpload" in err.value.message


def test_other_exceptions_pass_through() -> None:
    with pytest.raises(KeyError), s3_errors("bucket 'b'", "k"):
        raise KeyError("not ours")
