"""Key, prefix, metadata, content-type and file-name rules (scaigrid/blobs/keys.py)."""

from __future__ import annotations

import pytest
from scaigrid.blobs.keys import (
    decode_metadata_value,
    encode_metadata_value,
    validate_content_type,
    validate_filename,
    validate_key,
    validate_metadata,
    validate_prefix,
)
from scaigrid.errors import BadRequest


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "a/b/c.wav",
        "tenant-1/jobs/2024-01-01/out.json",
        ".hidden/x",
        "ü/名前 with space.txt",
        "a..b",
        "x" * 240,
    ],
)
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "empty key"),
        ("/a", "leading"),
        ("a/", "empty path segment"),
        ("a//b", "empty path segment"),
        ("..", "'..'"),
        ("a/../../etc/passwd", "'..'"),
        ("./a", "'.'"),
        ("a\\b", "backslash"),
        ("a\x00b", "control"),
        ("a\tb", "control"),
        ("x" * 241, "segment"),
        ("/".join(["abcdefgh"] * 120), "1024"),
        ("\ud800", "Unicode"),
    ],
)
def test_invalid_keys(key: str, why: str) -> None:
    with pytest.raises(BadRequest) as err:
        validate_key(key)
    assert err.value.code == "BAD_BLOB_KEY"
    assert err.value.status_code == 400
    assert why in err.value.message


def test_non_string_key() -> None:
    with pytest.raises(BadRequest) as err:
        validate_key(b"a")  # type: ignore[arg-type]
    assert err.value.code == "BAD_BLOB_KEY"


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b", "a/b/", "a/.", "a/.."])
def test_valid_prefixes(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "/a", "a//", "../a", "a/../b", "a\\"])
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(BadRequest):
        validate_prefix(prefix)


def test_metadata_rules() -> None:
    assert validate_metadata(None) == {}
    assert validate_metadata({"lang": "en", "speaker_2": "Zoë", "x-y": "1", "blank": ""}) == {
        "lang": "en",
        "speaker_2": "Zoë",
        "x-y": "1",
    }
    for bad in ({"Lang": "en"}, {"-x": "1"}, {"": "1"}, {"a b": "1"}, {"ok": None}, {1: "x"}):
        with pytest.raises(BadRequest) as err:
            validate_metadata(bad)  # type: ignore[arg-type]
        assert err.value.code == "BAD_BLOB_METADATA"
    with pytest.raises(BadRequest, match="2048"):
        validate_metadata({"a": "é" * 400})  # 400 characters, 2400 bytes once percent-encoded


@pytest.mark.parametrize("value", ["plain", "100% sure", "Zoë — ü", "%41", "  spaced  ", "a\nb"])
def test_metadata_values_round_trip_through_header_encoding(value: str) -> None:
    encoded = encode_metadata_value(value)
    assert encoded.isascii() and " " not in encoded and "\n" not in encoded
    assert decode_metadata_value(encoded) == value


@pytest.mark.parametrize(
    "content_type",
    ["audio/wav", "application/octet-stream", "text/plain; charset=utf-8", "application/vnd.a+json"],
)
def test_valid_content_types(content_type: str) -> None:
    assert validate_content_type(content_type) == content_type


@pytest.mark.parametrize(
    "content_type", ["", "audio", "/wav", "audio/", "text/plain\r\nx: y", "a/b; c", "x" * 300]
)
def test_invalid_content_types(content_type: str) -> None:
    with pytest.raises(BadRequest) as err:
        validate_content_type(content_type)
    assert err.value.code == "BAD_BLOB_CONTENT_TYPE"


def test_filenames() -> None:
    assert validate_filename(None) is None
    assert validate_filename("") is None
    assert validate_filename("réunion 1.wav") == "réunion 1.wav"
    for bad in ("a/b", "a\\b", 'a"b', "a\rb", "..", "é" * 200):
        with pytest.raises(BadRequest) as err:
            validate_filename(bad)
        assert err.value.code == "BAD_BLOB_FILENAME"
