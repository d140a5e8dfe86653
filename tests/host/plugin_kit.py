"""Tiny plugin objects for host tests: each test builds exactly the modules it needs."""

from __future__ import annotations

from typing import Any

from litestar import get
from scaigrid import BackendSpec, ModuleInfo, hookimpl


class Plain:
    """A module with one guarded route; ``fail_in`` makes the named hook raise."""

    def __init__(self, module_id: str, prefix: str | None = None, *, fail_in: str | None = None, **info: Any):
        self.__name__ = f"plugin_{module_id}"
        self.module_id = module_id
        self.prefix = prefix or f"/v1/modules/{module_id}"
        self.fail_in = fail_in
        self.info = info
        self.calls: list[tuple[str, Any]] = []

    def _maybe_fail(self, hook: str) -> None:
        self.calls.append((hook, None))
        if self.fail_in == hook:
            raise RuntimeError(f"{self.module_id} exploded in {hook}")

    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        self._maybe_fail("scaigrid_module")
        return ModuleInfo(
            id=self.module_id,
            version=self.info.get("version", "1.0.0"),
            prefix=self.prefix,
            permissions=(f"{self.module_id}:read",),
            member_permissions=(f"{self.module_id}:read",),
        )

    @hookimpl
    def scaigrid_routes(self) -> list[Any]:
        self._maybe_fail("scaigrid_routes")
        from scaigrid.auth import requires

        module_id = self.module_id

        @get("/ping", guards=[requires(f"{module_id}:read")], name=f"{module_id}.ping")
        async def ping() -> dict[str, str]:
            return {"data": module_id}

        return [ping]

    @hookimpl
    def scaigrid_install(self, module: Any) -> None:
        self._maybe_fail("scaigrid_install")

    @hookimpl
    def scaigrid_upgrade(self, module: Any, from_version: str, to_version: str) -> None:
        self.calls.append(("upgrade", (from_version, to_version)))
        self._maybe_fail("scaigrid_upgrade")

    @hookimpl
    def scaigrid_uninstall(self, module: Any) -> None:
        self._maybe_fail("scaigrid_uninstall")

    @hookimpl
    def scaigrid_tenant_enable(self, tenant_id: str) -> None:
        self.calls.append(("tenant_enable", tenant_id))
        self._maybe_fail("scaigrid_tenant_enable")

    @hookimpl
    def scaigrid_tenant_disable(self, tenant_id: str) -> None:
        self.calls.append(("tenant_disable", tenant_id))
        self._maybe_fail("scaigrid_tenant_disable")


class WithBackend(Plain):
    def __init__(self, module_id: str, backend_name: str, **kw: Any) -> None:
        super().__init__(module_id, **kw)
        self.backend_name = backend_name

    @hookimpl
    def scaigrid_backends(self, register: Any) -> None:
        register(
            BackendSpec(capability="stt", name=self.backend_name, kind="A", factory=lambda platform: object())
        )


class Typo(Plain):
    @hookimpl
    def scaigrid_routez(self) -> list[Any]:  # not a hook: must be rejected at start-up
        return []
