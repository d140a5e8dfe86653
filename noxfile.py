"""Every command CI and developers run. ``python3 dev.py test`` runs the ``ci`` session.

Sessions run in the project's ``.venv`` (dev.py installs it, then calls
``nox --no-venv``), so the heavy model stack is installed once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["ci"]

ROOT = Path(__file__).resolve().parent
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
TEST_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(port):
            return True
        time.sleep(0.3)
    return False


def _apt_install(session: nox.Session, *packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.error(f"please install {' '.join(packages)} (needs root and apt-get)")
    if subprocess.call(["apt-get", "install", "-y", "-q", *packages], stdout=subprocess.DEVNULL) != 0:
        subprocess.call(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
        subprocess.check_call(["apt-get", "install", "-y", "-q", *packages], stdout=subprocess.DEVNULL)


def ensure_system_tools(session: nox.Session) -> None:
    """espeak-ng: ScaiSpeak's espeak voices, and test audio in several voices besides piper."""
    if not shutil.which("espeak-ng"):
        session.log("installing espeak-ng")
        _apt_install(session, "espeak-ng")


def ensure_postgres(session: nox.Session) -> None:
    if _port_open(5432):
        return
    if not shutil.which("pg_ctlcluster"):
        _apt_install(session, "postgresql")
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        session.error("PostgreSQL is installed but has no cluster")
    session.log("starting PostgreSQL")
    subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"])
    if not _wait_port(5432):
        session.error("PostgreSQL did not start on 127.0.0.1:5432")


def ensure_redis(session: nox.Session) -> None:
    if _port_open(6379):
        return
    if not shutil.which("redis-server"):
        _apt_install(session, "redis-server")
    session.log("starting Redis")
    subprocess.call(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
    )
    if not _wait_port(6379):
        session.error("Redis did not start on 127.0.0.1:6379")


@nox.session
def lint(session: nox.Session) -> None:
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite on the embedded default: SQLite, local blobs, in-process jobs."""
    ensure_system_tools(session)
    env = {**TEST_ENV, "SCAIGRID_TEST_MODE": "embedded"}
    for var in ("SCAIGRID_DATABASE_URL", "SCAIGRID_REDIS_URL", "SCAIGRID_BLOB_BACKEND"):
        os.environ.pop(var, None)
    session.run("pytest", "-q", "-m", "not scaled", *session.posargs, env=env)


@nox.session
def tests_scaled(session: nox.Session) -> None:
    """The same suite scaled out: PostgreSQL, Redis, SeaweedFS S3, and separate worker processes."""
    ensure_system_tools(session)
    ensure_postgres(session)
    ensure_redis(session)
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.services import SeaweedFS

    with SeaweedFS() as s3:
        env = {
            **TEST_ENV,
            **s3.env(),
            "SCAIGRID_TEST_MODE": "scaled",
            "SCAIGRID_DATABASE_URL": PG_URL,
            "SCAIGRID_REDIS_URL": REDIS_URL,
        }
        session.run("pytest", "-q", *session.posargs, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints its ratio against the bare library call."""
    scripts = session.posargs or sorted(str(p) for p in (ROOT / "bench").glob("bench_*.py"))
    for script in scripts:
        session.run("python", script, env=TEST_ENV)


@nox.session
def serve(session: nox.Session) -> None:
    """The embedded default with every module: SQLite, blob dir and jobs under ./.scaigrid."""
    ensure_system_tools(session)  # ScaiSpeak's espeak-ng voices
    # .venv also holds the tutorial modules (tests/plugins): serve the four product modules unless told.
    modules = os.environ.get("SCAIGRID_MODULES", "scaiecho,scaispeak,audio_engine,scryon")
    session.run("scaigrid", "serve", *session.posargs, env={**TEST_ENV, "SCAIGRID_MODULES": modules})


@nox.session
def ci(session: nox.Session) -> None:
    """What CI runs: lint, type checks, the suite embedded, then scaled out."""
    lint(session)
    typecheck(session)
    tests(session)
    tests_scaled(session)
