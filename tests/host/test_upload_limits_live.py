"""A 2 GB upload against a real server: refused with 413 early, and the server's memory stays flat."""

from __future__ import annotations

import select
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from litestar import Request, post
from scaigrid import ModuleInfo, hookimpl
from scaigrid.uploads import read_multipart

from tests.harness import Host

MIB = 1024 * 1024
TWO_GB = 2 * 1024 * MIB
BOUNDARY = "scaigridboundary"


class Uploader:
    __name__ = "uploader"

    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        return ModuleInfo(id="uploader", version="1.0.0", prefix="/v1/modules/uploader")

    @hookimpl
    def scaigrid_routes(self) -> list[Any]:
        @post("/upload", opt={"scaigrid_public": True}, request_max_body_size=None)
        async def upload(request: Request[Any, Any, Any], platform: Any) -> dict[str, Any]:
            form = await read_multipart(
                request, max_file_bytes=platform.settings.max_upload_bytes, max_files=1
            )
            async with form:
                upload = form.file("file")
                return {"data": {"size": upload.size if upload else 0}}

        return [upload]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _request_head(path: str, host: str, *, content_length: int | None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
    ]
    lines.append(f"Content-Length: {content_length}" if content_length else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _part_head() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()


def _read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_declared_2gb_body_is_refused_before_reading(make_host: Any) -> None:
    host: Host = make_host(plugins=[Uploader()], max_upload_bytes=64 * MIB)
    with host.live() as base:
        url = urlparse(base)
        with socket.create_connection((url.hostname, url.port)) as sock:
            sock.sendall(_request_head("/v1/modules/uploader/upload", url.netloc, content_length=TWO_GB))
            sock.sendall(_part_head())
            assert _read_status(sock) == 413


def test_streamed_2gb_body_is_cut_at_the_limit_with_flat_memory(make_host: Any) -> None:
    host: Host = make_host(plugins=[Uploader()], max_upload_bytes=64 * MIB)
    with host.live() as base:
        url = urlparse(base)
        before = rss_bytes()
        sent = 0
        chunk = b"\0" * MIB
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        with socket.create_connection((url.hostname, url.port)) as sock:
            sock.sendall(_request_head("/v1/modules/uploader/upload", url.netloc, content_length=None))
            head = _part_head()
            sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
            status = None
            while sent < TWO_GB:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    status = _read_status(sock)
                    break
                try:
                    sock.sendall(frame)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
            if status is None:
                status = _read_status(sock)
        grown = rss_bytes() - before
    assert status == 413
    assert sent < 256 * MIB, f"the server kept reading: {sent // MIB} MiB sent"
    assert grown < 48 * MIB, f"server memory grew by {grown // MIB} MiB"
