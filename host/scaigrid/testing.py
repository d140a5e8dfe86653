"""The in-process host a module's tests run against: the real app with exactly the plugins named.

A module author tests a module the way this repository tests its own::

    from scaigrid.testing import Host

    def test_greeting(tmp_path):
        with Host(tmp_path, plugins=[hello.plugin]) as host:
            key = host.key(host.tenant("acme"), "alice")
            resp = host.client.get("/v1/modules/hello/greetings", headers=host.headers(key))
            assert resp.status_code == 200

``Host`` builds the app with :func:`scaigrid.app.create_app` (discovery limited to
``plugins``, the embedded default: SQLite, local blobs, in-process jobs, all under
``data_dir``), runs its lifespan through Litestar's ``TestClient`` (so install,
``scaigrid_setup`` and ``scaigrid_startup`` run), and acts as an operator through
the same HTTP routes an operator uses. ``host.call(fn, ...)`` runs a coroutine
function on the app's event loop, where the platform's objects live;
``host.module(id)`` is a module's context (its ``state`` included);
``host.live()`` serves the same deployment on a real loopback port for clients
that need one (WebRTC, the official OpenAI client).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from litestar import Litestar
from litestar.testing import TestClient

from scaigrid.app import create_app
from scaigrid.auth.tokens import issue_hs256
from scaigrid.context import ModuleContext
from scaigrid.platform import Platform
from scaigrid.settings import Settings, load_settings

__all__ = ["JWT_SECRET", "Host", "free_port"]

T = TypeVar("T")

JWT_SECRET = "test-jwt-secret-0123456789abcdef"
"""The HS256 secret a test host accepts bearer tokens signed with (:meth:`Host.jwt`)."""

BASE_URL = "http://testserver.local"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Host:
    """The real app for one test (or one test module), with helpers to act as an operator.

    ``settings`` are host settings (``SCAIGRID_*`` field names) on top of the test
    defaults; a module's own settings come from its environment variables. The host is
    hermetic: the embedded default under ``data_dir`` whatever ``SCAIGRID_DATABASE_URL``,
    ``SCAIGRID_REDIS_URL`` or ``SCAIGRID_BLOB_BACKEND`` the environment holds, unless
    ``hermetic=False`` (a suite that runs itself against PostgreSQL, Redis and S3) or the
    ``settings`` name them.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        data_dir: Path,
        *,
        plugins: Sequence[object] | None,
        install_modules: bool = True,
        hermetic: bool = True,
        **settings: Any,
    ) -> None:
        embedded = {"database_url": "", "redis_url": "", "blob_backend": "local"} if hermetic else {}
        values: dict[str, Any] = {
            "data_dir": str(Path(data_dir) / "scaigrid-data"),
            "jwt_hs256_secret": JWT_SECRET,
            "public_base_url": BASE_URL,
            **embedded,
            **settings,
        }
        self.settings: Settings = load_settings(**values)
        self.app: Litestar = create_app(self.settings, plugins=plugins, install_modules=install_modules)
        self.platform: Platform = self.app.state.platform
        self.client = TestClient(self.app, base_url=BASE_URL, raise_server_exceptions=False)
        self.superadmin_key = ""

    # -- context management ---------------------------------------------------

    def __enter__(self) -> Host:
        self.client.__enter__()
        key_file = self.settings.data_path / "superadmin.key"
        self.superadmin_key = key_file.read_text().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)

    # -- helpers ----------------------------------------------------------------

    @property
    def superadmin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.superadmin_key}"}

    @staticmethod
    def headers(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def module(self, module_id: str) -> ModuleContext[Any, Any]:
        """A loaded module's context (``.settings``, ``.state``, ``.platform``)."""
        ctx = self.platform.modules.get(module_id)
        if ctx is None:
            failure = self.platform.modules.failures.get(module_id)
            raise KeyError(f"module {module_id!r} is not loaded" + (f": {failure.error}" if failure else ""))
        return ctx

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's event loop (platform objects live there)."""
        portal = self.client.blocking_portal
        assert portal is not None, "enter the Host (with Host(...) as host:) first"
        return portal.call(fn, *args)

    def tenant(self, name: str, tenant_id: str | None = None) -> str:
        """Create the tenant (id = ``tenant_id`` or ``name``) unless it exists; returns its id."""
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
        """A new ``sgk_`` API key for the user (created on first use) in the tenant."""
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
        """A bearer token signed with :data:`JWT_SECRET`."""
        return issue_hs256(
            JWT_SECRET, tenant_id=tenant_id, user_id=user_id, permissions=permissions, **claims
        )

    @contextlib.contextmanager
    def live(self) -> Iterator[str]:
        """A real uvicorn server for this deployment on a free loopback port; yields its base URL."""
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
