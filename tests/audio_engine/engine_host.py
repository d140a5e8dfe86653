"""Helpers for the Audio Engine's HTTP tests: a host with module settings, and a client acting as
one tenant with an API key granted for one project."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


@contextlib.contextmanager
def module_env(**values: Any) -> Iterator[None]:
    """``AUDIO_ENGINE_<NAME>`` variables for the hosts built inside (module settings come from env)."""
    names = {
        f"AUDIO_ENGINE_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in values.items()
    }
    old = {n: os.environ.get(n) for n in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for n, v in old.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


class EngineClient:
    """A tenant, an API key allowed for one project, and helpers to call the pipeline."""

    URL = "/v1/audio_engine/pipeline"

    def __init__(self, host: Any, tenant: str = "acme", project: str = "my-project") -> None:
        self.host = host
        self.tenant = host.tenant(tenant)
        self.project = project
        self.key, self.key_id = self.new_key("alice")
        self.admin_key, _ = self.new_key("root", role="tenant_admin")
        resp = host.client.post(
            "/v1/audio_engine/admin/projects/", json={"name": project}, headers=self.admin_headers
        )
        assert resp.status_code == 201, resp.text
        self.grant(self.key_id)

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.admin_key}

    def new_key(
        self, user: str, role: str = "member", permissions: list[str] | None = None
    ) -> tuple[str, str]:
        body: dict[str, Any] = {"tenant_id": self.tenant, "user_id": f"{self.tenant}-{user}", "role": role}
        if permissions is not None:
            body["permissions"] = permissions
        resp = self.host.client.post("/v1/keys/", json=body, headers=self.host.superadmin_headers)
        assert resp.status_code == 201, resp.text
        data = resp.json()["data"]
        return data["key"], data["id"]

    def grant(self, key_id: str, project: str | None = None) -> None:
        resp = self.host.client.post(
            f"/v1/audio_engine/admin/projects/{project or self.project}/keys",
            json={"api_key_id": key_id},
            headers=self.admin_headers,
        )
        assert resp.status_code == 200, resp.text

    def run(
        self,
        components: Any,
        *files: Path | tuple[str, bytes],
        key: str | None = "",
        fields: dict[str, str] | None = None,
        omit: tuple[str, ...] = (),
    ) -> Any:
        data = {
            "components": components if isinstance(components, str) else json.dumps(components),
            "user_email": "user@example.com",
            "project_name": self.project,
            **(fields or {}),
        }
        for name in omit:
            data.pop(name, None)
        parts = []
        for f in files:
            name, content = (f.name, f.read_bytes()) if isinstance(f, Path) else f
            parts.append(("files", (name, content, "application/octet-stream")))
        headers = {} if key is None else {"X-API-Key": key or self.key}
        return self.host.client.post(self.URL, data=data, files=parts or None, headers=headers)

    def download(self, url: str) -> bytes:
        """Fetch a signed URL: the host serves local-store URLs, S3 serves its own (scaled mode)."""
        base = self.host.settings.public_base_url
        resp = self.host.client.get(url) if url.startswith(base) else httpx.get(url, timeout=60)
        assert resp.status_code == 200, resp.text
        return resp.content

    def task(self, task_id: str) -> dict[str, Any]:
        resp = self.host.client.get(f"/v1/audio_engine/admin/tasks/{task_id}", headers=self.admin_headers)
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]


@contextlib.contextmanager
def engine_host(tmp: Path, plugins: list[Any] | None = None, **env: Any) -> Iterator[Any]:
    """A host with the audio_engine plugin (plus ``plugins``) and module settings from ``env``."""
    import audio_engine.plugin

    from tests.harness import Host

    with module_env(**env), Host(tmp, plugins=[audio_engine.plugin, *(plugins or [])]) as host:
        yield host
