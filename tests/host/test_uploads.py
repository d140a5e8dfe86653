"""scaigrid.uploads: multipart and raw bodies streamed to temp files, limits enforced while the
body arrives, every failure a coded error, temp files gone afterwards."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from litestar import Litestar, Request, post
from scaigrid.audio import decode, encode
from scaigrid.envelopes import handle_exception
from scaigrid.errors import ScaigridError
from scaigrid.uploads import read_multipart, stream_body, stream_body_to_file

from tests.audio_fixtures import tone

pytestmark = pytest.mark.anyio

BOUNDARY = "scaigrid-test-boundary"
KIB = 1024


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    path = tmp_path / "spool"
    path.mkdir()
    return path


def make_app(spool: Path, **limits: Any) -> Litestar:
    """A one-route app whose handler reads the form, reports it, and cleans up."""

    @post("/form", request_max_body_size=None)
    async def form_route(request: Request[Any, Any, Any]) -> dict[str, Any]:
        async with await read_multipart(request, spool_dir=spool, **limits) as form:
            files = {
                name: [
                    {
                        "filename": f.filename,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                        "path": str(f.path),
                        "on_disk": f.path.read_bytes() if f.size < 4096 else None,
                        "exists": f.path.exists(),
                    }
                    for f in uploads
                ]
                for name, uploads in form.files.items()
            }
            audio = form.file("audio")
            seconds = None
            if audio is not None and audio.content_type.startswith("audio/"):
                pcm = await anyio.to_thread.run_sync(decode, audio.path)
                seconds = len(pcm) / 16000
            return {
                "fields": form.fields,
                "files": _jsonable(files),
                "title": form.get("title"),
                "seconds": seconds,
            }

    @post("/raw", request_max_body_size=None)
    async def raw_route(request: Request[Any, Any, Any]) -> dict[str, Any]:
        upload = await stream_body(request, max_bytes=limits.get("max_file_bytes", 10**6), spool_dir=spool)
        try:
            pcm = await anyio.to_thread.run_sync(decode, upload.path)
            return {"size": upload.size, "sha256": upload.sha256, "samples": len(pcm)}
        finally:
            upload.path.unlink()

    @post("/raw-small-route", request_max_body_size=1000)
    async def small_route(request: Request[Any, Any, Any]) -> dict[str, Any]:
        path = await stream_body_to_file(request, max_bytes=10**6, spool_dir=spool)
        path.unlink()
        return {}

    return Litestar([form_route, raw_route, small_route], exception_handlers={Exception: handle_exception})


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def part(name: str, data: bytes, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


class CountingBody:
    """A request body produced chunk by chunk, counting how much the server pulled."""

    def __init__(self, head: bytes, filler: int, tail: bytes, chunk: int = 64 * KIB) -> None:
        self.head, self.filler, self.tail, self.chunk = head, filler, tail, chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.pulled += len(self.head)
        yield self.head
        for _ in range(self.filler // self.chunk):
            self.pulled += self.chunk
            yield b"\x00" * self.chunk
        self.pulled += len(self.tail)
        yield self.tail


def client(app: Litestar) -> httpx.AsyncClient:
    # httpx's ASGI transport hands the body to the app one chunk per receive(), on demand.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_fields_and_files_are_parsed_and_cleaned_up(spool: Path) -> None:
    wav = encode(tone(440, 1.0, 16000), 16000, "wav")
    payload = body(
        part("title", "Réunion du lundi".encode()),
        part("tag", b"a"),
        part("tag", b"b"),
        part("audio", wav, "meeting.wav", "audio/wav"),
        part("notes", b"line one\r\nline two", "notes.txt", "text/plain"),
        part("empty_input", b"", "", "application/octet-stream"),
    )
    async with client(make_app(spool, max_file_bytes=1024 * KIB, max_files=3)) as http:
        response = await http.post("/form", content=payload, headers=MULTIPART)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["fields"] == {"title": ["Réunion du lundi"], "tag": ["a", "b"]}
    assert data["title"] == "Réunion du lundi"
    assert data["seconds"] == 1.0
    (audio,) = data["files"]["audio"]
    assert (audio["filename"], audio["content_type"], audio["size"]) == ("meeting.wav", "audio/wav", len(wav))
    assert audio["sha256"] == hashlib.sha256(wav).hexdigest()
    assert audio["exists"] and audio["path"].endswith(".wav") and Path(audio["path"]).parent == spool
    (notes,) = data["files"]["notes"]
    assert notes["on_disk"] == "line one\r\nline two"
    assert "empty_input" not in data["files"]  # a browser's unused file input is no file
    assert os.listdir(spool) == []


async def test_oversized_file_is_refused_before_the_body_is_read(spool: Path) -> None:
    head = (
        part("title", b"x")
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; filename="big.wav"\r\n\r\n'.encode()
    )
    stream = CountingBody(head, 20 * 1024 * KIB, f"\r\n--{BOUNDARY}--\r\n".encode())
    async with client(make_app(spool, max_file_bytes=256 * KIB)) as http:
        response = await http.post("/form", content=stream, headers=MULTIPART)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE"
    assert error["details"] == {"limit": 256 * KIB, "field": "audio", "filename": "big.wav"}
    # Stopped one chunk past the limit, not after 20 MiB.
    assert stream.pulled < 256 * KIB + 2 * stream.chunk
    assert os.listdir(spool) == []


async def test_declared_length_over_the_total_is_refused_unread(spool: Path) -> None:
    stream = CountingBody(b"--" + BOUNDARY.encode(), 0, b"")
    headers = {**MULTIPART, "content-length": str(50 * 1024 * KIB)}
    async with client(make_app(spool, max_file_bytes=1024 * KIB, max_files=2)) as http:
        response = await http.post("/form", content=stream, headers=headers)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE" and error["details"]["declared"] == 50 * 1024 * KIB
    assert error["details"]["limit"] >= 2 * 1024 * KIB
    assert stream.pulled == 0


async def test_total_limit_applies_while_streaming_without_a_length(spool: Path) -> None:
    """Many files each under the limit still cannot add up past the derived total."""
    one = part("f", b"\x01" * 200 * KIB, "a.bin")
    payload = body(*[one] * 20)
    async with client(
        make_app(spool, max_file_bytes=256 * KIB, max_files=50, max_total_bytes=1024 * KIB)
    ) as http:
        response = await http.post("/form", content=CountingBody(payload, 0, b""), headers=MULTIPART)
    assert response.status_code == 413
    assert response.json()["error"]["details"]["limit"] == 1024 * KIB
    assert os.listdir(spool) == []


@pytest.mark.parametrize(
    ("limits", "payload", "status", "code"),
    [
        ({"max_files": 1}, body(part("a", b"1", "a.bin"), part("b", b"2", "b.bin")), 400, "TOO_MANY_FILES"),
        ({"file_fields": {"audio"}}, body(part("other", b"1", "x.bin")), 400, "UNEXPECTED_FILE"),
        ({"max_field_bytes": 10}, body(part("title", b"far too long a title")), 413, "PAYLOAD_TOO_LARGE"),
        ({"max_fields": 2}, body(part("a", b"1"), part("b", b"2"), part("c", b"3")), 400, "TOO_MANY_FIELDS"),
        ({}, b"this is not multipart at all", 400, "MALFORMED_MULTIPART"),
        ({}, body(part("a", b"1"))[:-30], 400, "MALFORMED_MULTIPART"),
        ({}, b"", 400, "MALFORMED_MULTIPART"),
        (
            {},
            body(b"--" + BOUNDARY.encode() + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n"),
            400,
            "MALFORMED_MULTIPART",
        ),
        ({}, body(part("t", b"\xff\xfe not utf-8")), 400, "MALFORMED_MULTIPART"),
    ],
)
async def test_bad_forms_are_coded_errors(
    spool: Path, limits: dict[str, Any], payload: bytes, status: int, code: str
) -> None:
    async with client(make_app(spool, max_file_bytes=1024 * KIB, **limits)) as http:
        response = await http.post("/form", content=payload, headers=MULTIPART)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert os.listdir(spool) == []


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [
        ("application/json", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("multipart/form-data", 400, "MALFORMED_MULTIPART"),
    ],
)
async def test_wrong_content_type(spool: Path, content_type: str, status: int, code: str) -> None:
    async with client(make_app(spool, max_file_bytes=KIB)) as http:
        response = await http.post("/form", content=b"{}", headers={"content-type": content_type})
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


async def test_raw_body_streams_to_a_file(spool: Path) -> None:
    flac = encode(tone(300, 2.0, 16000), 16000, "flac")
    async with client(make_app(spool, max_file_bytes=1024 * KIB)) as http:
        response = await http.post("/raw", content=flac, headers={"content-type": "audio/flac"})
    assert response.status_code == 201, response.text
    assert response.json() == {
        "size": len(flac),
        "sha256": hashlib.sha256(flac).hexdigest(),
        "samples": 32000,
    }
    assert os.listdir(spool) == []


async def test_raw_body_over_the_limit(spool: Path) -> None:
    stream = CountingBody(b"", 8 * 1024 * KIB, b"")
    async with client(make_app(spool, max_file_bytes=100 * KIB)) as http:
        response = await http.post("/raw", content=stream, headers={"content-type": "audio/wav"})
        declared = await http.post(
            "/raw", content=CountingBody(b"", 0, b""), headers={"content-length": str(200 * KIB)}
        )
    assert response.status_code == 413 and response.json()["error"]["details"]["limit"] == 100 * KIB
    assert stream.pulled < 100 * KIB + 2 * stream.chunk
    assert declared.status_code == 413 and declared.json()["error"]["details"]["declared"] == 200 * KIB
    assert os.listdir(spool) == []


async def test_undecodable_upload_is_a_coded_error_not_a_500(spool: Path) -> None:
    async with client(make_app(spool, max_file_bytes=1024 * KIB)) as http:
        response = await http.post(
            "/raw", content=b"plain text\n" * 50, headers={"content-type": "audio/wav"}
        )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_AUDIO"


async def test_the_route_limit_is_recoded(spool: Path) -> None:
    async with client(make_app(spool, max_file_bytes=KIB)) as http:
        response = await http.post("/raw-small-route", content=CountingBody(b"", 8 * KIB, b"", chunk=KIB))
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "message": "the request body exceeds the route's limit",
        "details": {"limit": 1000},
    }
    assert os.listdir(spool) == []


def test_cleanup_is_idempotent(tmp_path: Path) -> None:
    from scaigrid.uploads import UploadedFile, UploadedForm

    path = tmp_path / "f.bin"
    path.write_bytes(b"x")
    upload = UploadedFile(field_name="f", filename="f.bin", content_type="x/y", path=path, size=1, sha256="")
    form = UploadedForm({}, {"f": [upload]})
    with form:
        assert form.require_file("f") is upload
    assert not path.exists()
    form.cleanup()
    with pytest.raises(ScaigridError) as err:
        form.require_file("missing")
    assert (err.value.status_code, err.value.code) == (400, "MISSING_FILE")
