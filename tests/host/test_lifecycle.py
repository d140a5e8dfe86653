"""Lifecycle: install/upgrade/uninstall through CLI-equivalent routes, idempotency, failure recovery,
per-tenant disable over HTTP and WS, audit rows."""

from __future__ import annotations

import pytest
import scaigrid_hello.plugin as hello
import sqlalchemy as sa
from litestar.exceptions import WebSocketDisconnect
from scaigrid import tables

from tests.harness import Host
from tests.host.plugin_kit import Plain


def _tables(host: Host) -> set[str]:
    async def names() -> set[str]:
        async with host.platform.db.connect() as conn:
            return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))

    return host.call(names)


def _audit(host: Host) -> list[str]:
    async def actions() -> list[str]:
        async with host.platform.db.connect() as conn:
            rows = await conn.execute(sa.select(tables.audit_log.c.action).order_by(tables.audit_log.c.id))
            return [r.action for r in rows]

    return host.call(actions)


def test_embedded_start_installs_modules_and_lists_them(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello])
    assert "hello_greetings" in _tables(host)
    modules = host.client.get("/v1/modules/", headers=host.superadmin_headers).json()["data"]
    (entry,) = [m for m in modules if m["id"] == "hello"]
    assert entry["state"] == "ready" and entry["installed_version"] == "1.0.0" and entry["error"] is None
    assert "module.install" in _audit(host)


def test_uninstall_drops_only_its_tables_and_reinstall_works(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello])
    h = host.superadmin_headers
    tid = host.tenant("acme")
    key = host.key(tid, "alice")
    host.client.post("/v1/modules/hello/greetings", json={"text": "hi"}, headers=host.headers(key))
    resp = host.client.post("/v1/modules/hello/uninstall", headers=h)
    assert resp.status_code == 200 and resp.json()["data"]["state"] == "uninstalled"
    assert "hello_greetings" not in _tables(host)
    assert "tenants" in _tables(host)
    # uninstalled: the routes answer a coded 404 instead of crashing on a missing table
    gone = host.client.get("/v1/modules/hello/greetings", headers=host.headers(key))
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "MODULE_NOT_INSTALLED"
    again = host.client.post("/v1/modules/hello/uninstall", headers=h)
    assert again.status_code == 200
    assert host.client.post("/v1/modules/hello/install", headers=h).json()["data"]["state"] == "ready"
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(key)).json()["data"] == []
    assert host.client.post("/v1/modules/hello/install", headers=h).status_code == 200  # idempotent
    actions = _audit(host)
    assert actions.count("module.uninstall") == 1 and actions.count("module.install") == 2


def test_failed_install_is_recorded_and_rerun_recovers(make_host) -> None:  # type: ignore[no-untyped-def]
    flaky = Plain("flaky", fail_in="scaigrid_install")
    host: Host = make_host(plugins=[flaky, hello])
    h = host.superadmin_headers
    status = host.client.get("/v1/modules/flaky", headers=h).json()["data"]
    assert status["state"] == "failed" and "exploded" in status["error"]
    # the other module keeps serving
    assert host.client.get("/v1/modules/hello/healthz").json() == {"status": "ok", "module": "hello"}
    flaky.fail_in = None
    resp = host.client.post("/v1/modules/flaky/install", headers=h)
    assert resp.status_code == 200 and resp.json()["data"]["state"] == "ready"
    assert "module.install.failed" in _audit(host)


def test_upgrade_passes_versions(make_host) -> None:  # type: ignore[no-untyped-def]
    plugin = Plain("versioned", version="1.0.0")
    host: Host = make_host(plugins=[plugin])
    plugin.info["version"] = "1.1.0"
    host.platform.modules.modules["versioned"].info = plugin.scaigrid_module()
    resp = host.client.post("/v1/modules/versioned/upgrade", headers=host.superadmin_headers)
    assert resp.json()["data"]["installed_version"] == "1.1.0"
    assert ("upgrade", ("1.0.0", "1.1.0")) in plugin.calls


def test_tenant_disable_over_http_and_ws(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello])
    a, b = host.tenant("acme"), host.tenant("globex")
    ka, kb = host.key(a, "alice"), host.key(b, "bob")
    h = host.superadmin_headers
    host.client.post("/v1/modules/hello/greetings", json={"text": "a"}, headers=host.headers(ka))
    resp = host.client.post(f"/v1/modules/hello/tenants/{a}/disable", headers=h)
    assert resp.status_code == 200 and resp.json()["data"]["disabled_tenants"] == [a]
    denied = host.client.get("/v1/modules/hello/greetings", headers=host.headers(ka))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "MODULE_DISABLED"
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(kb)).status_code == 200
    with (
        pytest.raises(WebSocketDisconnect) as info,
        host.client.websocket_connect(f"/v1/modules/hello/echo?token={ka}") as ws,
    ):
        assert ws.receive_json()["code"] == "MODULE_DISABLED"
        ws.receive_text()
    assert info.value.code == 4403
    # the module's tenant hook erased that tenant's data; enabling again serves it
    host.client.post(f"/v1/modules/hello/admin/lifecycle/tenant/{a}/enable", headers=h)
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(ka)).json()["data"] == []
    assert {"module.tenant_disable", "module.tenant_enable"} <= set(_audit(host))


def test_scaispeak_style_lifecycle_routes_need_confirmation(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello])
    h = host.superadmin_headers
    bad = host.client.post(
        "/v1/modules/hello/admin/lifecycle/uninstall",
        json={"confirmation_token": "nope", "expected_module_id": "hello"},
        headers=h,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "HELLO_UNINSTALL_TOKEN_MISMATCH"
    token = host.client.get("/v1/modules/hello/admin/lifecycle/uninstall-token", headers=h).json()["data"]
    ok = host.client.post(
        "/v1/modules/hello/admin/lifecycle/uninstall",
        json={"confirmation_token": token["confirmation_token"], "expected_module_id": "hello"},
        headers=h,
    )
    assert ok.status_code == 200 and ok.json()["data"]["state"] == "uninstalled"


def test_readyz_reports_failing_module(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello, Plain("flaky", fail_in="scaigrid_install")])
    assert host.client.get("/healthz").json() == {"status": "ok"}
    ready = host.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["failing"] == ["flaky"]
    assert ready.json()["modules"]["hello"]["ready"] is True


def test_openapi_covers_module_routes(make_host) -> None:  # type: ignore[no-untyped-def]
    host: Host = make_host(plugins=[hello])
    schema = host.client.get("/docs/openapi.json").json()
    assert "/v1/modules/hello/greetings" in schema["paths"]
    assert "/v1/modules/" in schema["paths"] or "/v1/modules" in schema["paths"]


def test_out_of_tree_plugin_from_its_entry_point(make_host) -> None:  # type: ignore[no-untyped-def]
    """The pip-installed scaigrid-hello distribution: discovered, migrated, mounted, served, uninstalled."""
    host: Host = make_host(plugins=None, modules=["hello"])
    status = host.client.get("/v1/modules/hello", headers=host.superadmin_headers).json()["data"]
    assert (status["distribution"], status["state"]) == ("scaigrid-hello", "ready")
    key = host.key(host.tenant("acme"), "alice")
    assert (
        host.client.post(
            "/v1/modules/hello/greetings", json={"text": "hi"}, headers=host.headers(key)
        ).status_code
        == 201
    )
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(key)).json()["data"] == ["hi"]
    assert host.platform.services.get("hello.greeter").greet("Ada") == "hello Ada"
    assert host.client.post("/v1/modules/hello/uninstall", headers=host.superadmin_headers).status_code == 200
    assert "hello_greetings" not in _tables(host)


def _tenant_failures(host: Host, module_id: str) -> list[dict[str, object]]:
    modules = host.client.get("/v1/modules/", headers=host.superadmin_headers).json()["data"]
    (entry,) = [m for m in modules if m["id"] == module_id]
    return list(entry["failed_tenants"])


def test_failed_tenant_enable_is_recorded_and_leaves_the_tenant_off(make_host) -> None:  # type: ignore[no-untyped-def]
    plugin = Plain("flaky")
    host: Host = make_host(plugins=[plugin])
    a = host.tenant("acme")
    key = host.key(a, "alice")
    h = host.superadmin_headers
    assert host.client.post(f"/v1/modules/flaky/tenants/{a}/disable", headers=h).status_code == 200
    plugin.fail_in = "scaigrid_tenant_enable"
    resp = host.client.post(f"/v1/modules/flaky/tenants/{a}/enable", headers=h)
    assert resp.status_code == 500 and resp.json()["error"]["code"] == "MODULE_TENANT_STEP_FAILED"
    (failure,) = _tenant_failures(host, "flaky")
    assert failure["tenant_id"] == a and "exploded in scaigrid_tenant_enable" in str(failure["error"])
    # the hook failed, so the tenant was never enabled
    denied = host.client.get("/v1/modules/flaky/ping", headers=host.headers(key))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "MODULE_DISABLED"
    assert "module.tenant_enable.failed" in _audit(host)
    plugin.fail_in = None  # running the step again recovers
    assert host.client.post(f"/v1/modules/flaky/tenants/{a}/enable", headers=h).status_code == 200
    assert _tenant_failures(host, "flaky") == []
    assert host.client.get("/v1/modules/flaky/ping", headers=host.headers(key)).status_code == 200


def test_failed_tenant_disable_stays_refused(make_host) -> None:  # type: ignore[no-untyped-def]
    plugin = Plain("sticky", fail_in="scaigrid_tenant_disable")
    host: Host = make_host(plugins=[plugin])
    a = host.tenant("acme")
    key = host.key(a, "alice")
    resp = host.client.post(f"/v1/modules/sticky/tenants/{a}/disable", headers=host.superadmin_headers)
    assert resp.status_code == 500
    (failure,) = _tenant_failures(host, "sticky")
    assert failure["tenant_id"] == a
    # the guard refused the tenant before the hook ran, and keeps refusing after it failed
    assert host.client.get("/v1/modules/sticky/ping", headers=host.headers(key)).status_code == 403
