"""Build the real app in-process for a test, with exactly the plugins the test names.

``Host`` runs the app's lifespan through Litestar's ``TestClient`` and offers the
admin operations tests need (tenants, keys, tokens) through the same HTTP routes
an operator uses. In the scaled session (``SCAIGRID_DATABASE_URL`` set to
PostgreSQL, ``SCAIGRID_REDIS_URL``, S3 settings) each Host gets its own database,
bucket and Redis prefix so tests never see each other's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from scaigrid.app import create_app
from scaigrid.auth.tokens import issue_hs256
from scaigrid.settings import Settings, load_settings

T = TypeVar("T")

JWT_SECRET = "test-jwt-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_url(url: str) -> tuple[str, str]:
    parsed = sa.make_url(url)
    return parsed.set(database="postgres").render_as_string(hide_password=False), parsed.database or ""


def _pg_execute(url: str, statement: str) -> None:
    import asyncpg

    async def go() -> None:
        parsed = sa.make_url(url)
        conn = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())


def scaled_mode() -> bool:
    return os.environ.get("SCAIGRID_DATABASE_URL", "").startswith("postgresql")


def isolated_overrides(tag: str) -> tuple[dict[str, Any], Callable[[], None]]:
    """Per-host database / bucket / Redis prefix in the scaled mode; nothing to do embedded."""
    # Scaled hosts consume their own queue in-process; dedicated tests run `scaigrid worker` processes.
    overrides: dict[str, Any] = {"redis_prefix": f"sgtest-{tag}", "jobs_in_process": True}
    cleanups: list[Callable[[], None]] = []
    base = os.environ.get("SCAIGRID_DATABASE_URL", "")
    if base.startswith("postgresql"):
        admin, _ = _admin_url(base)
        name = f"sgtest_{tag}"
        try:
            _pg_execute(admin.replace("+asyncpg", ""), f'CREATE DATABASE "{name}"')
        except Exception as exc:  # a restarted Host (keep_state) finds its database again
            if "already exists" not in str(exc):
                raise
        overrides["database_url"] = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        cleanups.append(
            lambda: _pg_execute(
                admin.replace("+asyncpg", ""), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
        )
    if os.environ.get("SCAIGRID_BLOB_BACKEND") == "s3":
        from tests.services import s3_endpoint_from_env

        bucket = overrides["s3_bucket"] = f"sgtest-{tag}"
        endpoint = s3_endpoint_from_env()
        if endpoint is not None:
            cleanups.append(lambda: endpoint.drop_bucket(bucket))

    def cleanup() -> None:
        for fn in cleanups:
            with contextlib.suppress(Exception):
                fn()

    return overrides, cleanup


class Host:
    """The real app for one test (or one test module), with helpers to act as an operator."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        plugins: Sequence[object] | None,
        install_modules: bool = True,
        keep_state: bool = False,
        **overrides: Any,
    ) -> None:
        # Derived from the data dir, so a second Host on the same tmp_path is a restart of the
        # same deployment: same database, bucket and Redis prefix (``keep_state`` on the first).
        self.tag = hashlib.sha1(str(tmp_path.resolve()).encode()).hexdigest()[:12]
        iso, cleanup = isolated_overrides(self.tag)
        self._cleanup = (lambda: None) if keep_state else cleanup
        values: dict[str, Any] = {
            "data_dir": str(tmp_path / "scaigrid-data"),
            "jwt_hs256_secret": JWT_SECRET,
            "public_base_url": "http://testserver.local",
            **iso,
            **overrides,
        }
        self.settings: Settings = load_settings(**values)
        self.app: Litestar = create_app(self.settings, plugins=plugins, install_modules=install_modules)
        self.platform = self.app.state.platform
        self.client = TestClient(self.app, base_url="http://testserver.local", raise_server_exceptions=False)
        self.superadmin_key = ""

    # -- context management ---------------------------------------------------

    def __enter__(self) -> Host:
        self.client.__enter__()
        key_file = self.settings.data_path / "superadmin.key"
        self.superadmin_key = key_file.read_text().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.__exit__(*exc)
        finally:
            self._cleanup()

    # -- helpers ----------------------------------------------------------------

    @property
    def superadmin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.superadmin_key}"}

    @staticmethod
    def headers(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's event loop (platform objects live there)."""
        return self.client.blocking_portal.call(fn, *args)

    def tenant(self, name: str, tenant_id: str | None = None) -> str:
        tid = tenant_id or name
        existing = self.client.get("/v1/tenants/", headers=self.superadmin_headers).json()["data"]
        if any(t["id"] == tid for t in existing):
            return tid
        resp = self.client.post(
            "/v1/tenants/", json={"name": name, "id": tid}, headers=self.superadmin_headers
        )
        assert resp.status_code == 201, resp.text
        return str(resp.json()["data"]["id"])

    def key(
        self,
        tenant_id: str,
        user_id: str,
        permissions: Sequence[str] | None = None,
        role: str = "member",
        email: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"tenant_id": tenant_id, "user_id": user_id, "role": role}
        if permissions is not None:
            body["permissions"] = list(permissions)
        if email:
            body["email"] = email
        resp = self.client.post("/v1/keys/", json=body, headers=self.superadmin_headers)
        assert resp.status_code == 201, resp.text
        return str(resp.json()["data"]["key"])

    def jwt(
        self, tenant_id: str, user_id: str, permissions: Sequence[str] | None = None, **claims: Any
    ) -> str:
        return issue_hs256(
            JWT_SECRET, tenant_id=tenant_id, user_id=user_id, permissions=permissions, **claims
        )

    @contextlib.contextmanager
    def live(self) -> Iterator[str]:
        """A real uvicorn server for this app on a free loopback port (WebRTC, official clients)."""
        import uvicorn

        port = free_port()
        # A second app on the same settings: the TestClient's app keeps its own loop and lifespan.
        app = create_app(
            self.settings, plugins=list(self.platform.modules.plugins.values()), install_modules=False
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="auto"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=15)
