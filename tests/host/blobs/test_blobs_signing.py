"""HMAC-signed host URLs (scaigrid/blobs/signing.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from scaigrid.blobs.signing import UrlSigner, content_disposition
from scaigrid.errors import Forbidden

NOW = 1_800_000_000


def parts(url: str) -> tuple[str, dict[str, str]]:
    split = urlsplit(url)
    return unquote(split.path), {k: v[0] for k, v in parse_qs(split.query).items()}


def signer(secret: str = "s3cret", now: float = NOW) -> UrlSigner:
    return UrlSigner(secret, "https://grid.example.com/", clock=lambda: now)


def test_url_shape_and_round_trip() -> None:
    url = signer().url("a/b c/ü?.wav", 3600, filename="x.wav")
    path, query = parts(url)
    assert url.startswith("https://grid.example.com/v1/blobs/a/b%20c/")
    assert path == "/v1/blobs/a/b c/ü?.wav"
    assert query["expires"] == str(NOW + 3600)
    assert len(query["sig"]) == 64
    assert query["filename"] == "x.wav"
    signer().verify("a/b c/ü?.wav", expires=query["expires"], sig=query["sig"], filename="x.wav")
    signer().verify("a/b c/ü?.wav", expires=query["expires"], sig=query["sig"].upper(), filename="x.wav")


def test_every_signed_part_matters() -> None:
    _, q = parts(signer().url("k", 60, filename="f.wav"))

    def refused(**changes: str | None) -> str:
        args = {"key": "k", "expires": q["expires"], "sig": q["sig"], "filename": "f.wav", **changes}
        key = args.pop("key")
        assert key is not None
        with pytest.raises(Forbidden) as err:
            signer().verify(key, **args)
        return err.value.code

    assert refused(key="k2") == "BLOB_URL_INVALID"
    assert refused(expires=str(int(q["expires"]) + 1)) == "BLOB_URL_INVALID"
    assert refused(filename=None) == "BLOB_URL_INVALID"
    assert refused(filename="g.wav") == "BLOB_URL_INVALID"
    assert refused(sig=q["sig"][:-1] + ("0" if q["sig"][-1] != "0" else "1")) == "BLOB_URL_INVALID"
    assert refused(sig="é" * 64) == "BLOB_URL_INVALID"
    assert refused(sig=None) == "BLOB_URL_INVALID"
    assert refused(expires=None) == "BLOB_URL_INVALID"
    assert refused(expires="-5") == "BLOB_URL_INVALID"
    assert refused(expires="１２３") == "BLOB_URL_INVALID"  # non-ASCII digits


def test_other_secret_is_refused() -> None:
    _, q = parts(signer("one").url("k", 60))
    with pytest.raises(Forbidden):
        signer("two").verify("k", expires=q["expires"], sig=q["sig"], filename=None)


def test_expiry_is_inclusive_and_then_refused() -> None:
    _, q = parts(signer().url("k", 60))
    signer(now=NOW + 60).verify("k", expires=q["expires"], sig=q["sig"], filename=None)
    with pytest.raises(Forbidden) as err:
        signer(now=NOW + 61).verify("k", expires=q["expires"], sig=q["sig"], filename=None)
    assert err.value.code == "BLOB_URL_EXPIRED"
    assert err.value.status_code == 403


def test_signature_is_not_a_plain_hmac_of_the_secret() -> None:
    """The URL key is derived from the secret for this purpose only (no cross-use with other HMACs)."""
    import hashlib
    import hmac

    s = signer()
    plain = hmac.new(b"s3cret", f"k\n{NOW + 60}\n".encode(), hashlib.sha256).hexdigest()
    assert s.signature("k", NOW + 60, None) != plain


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        UrlSigner("", "http://x")


def test_content_disposition() -> None:
    assert content_disposition("a.wav") == "attachment; filename=\"a.wav\"; filename*=UTF-8''a.wav"
    assert content_disposition("réu nion.wav") == (
        "attachment; filename=\"r_u nion.wav\"; filename*=UTF-8''r%C3%A9u%20nion.wav"
    )
