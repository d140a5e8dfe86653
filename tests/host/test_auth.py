"""The auth matrix: no key, bad key, revoked key, wrong permission, other tenant, JWT, WS close codes."""

from __future__ import annotations

import stat

import pytest
import scaigrid_hello.plugin as hello
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import WebSocketTestSession

from tests.harness import Host


@pytest.fixture
def host(make_host) -> Host:  # type: ignore[no-untyped-def]
    return make_host(plugins=[hello])


def test_superadmin_key_written_once_owner_only(host: Host) -> None:
    path = host.settings.data_path / "superadmin.key"
    assert path.read_text().startswith("sgk_")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_bad_and_revoked_keys(host: Host) -> None:
    c = host.client
    assert c.get("/v1/modules/hello/greetings").status_code == 401
    resp = c.get("/v1/modules/hello/greetings", headers=host.headers("sgk_nothere_xxxxxxxx"))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "INVALID_API_KEY"
    tid = host.tenant("acme")
    key = host.key(tid, "alice")
    assert c.get("/v1/modules/hello/greetings", headers=host.headers(key)).status_code == 200
    key_id = next(
        k["id"]
        for k in c.get("/v1/keys/", headers=host.superadmin_headers).json()["data"]
        if k["user_id"] == "alice"
    )
    assert c.delete(f"/v1/keys/{key_id}", headers=host.superadmin_headers).status_code == 200
    assert c.get("/v1/modules/hello/greetings", headers=host.headers(key)).status_code == 401


def test_x_api_key_header_and_bad_scheme(host: Host) -> None:
    tid = host.tenant("acme")
    key = host.key(tid, "alice")
    assert host.client.get("/v1/modules/hello/greetings", headers={"X-API-Key": key}).status_code == 200
    resp = host.client.get("/v1/modules/hello/greetings", headers={"Authorization": f"Basic {key}"})
    assert resp.status_code == 401


def test_wrong_permission_is_403(host: Host) -> None:
    tid = host.tenant("acme")
    reader = host.key(tid, "reader", permissions=["hello:read"])
    resp = host.client.post("/v1/modules/hello/greetings", json={"text": "hi"}, headers=host.headers(reader))
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "PERMISSION_DENIED"


def test_tenants_see_only_their_own_data(host: Host) -> None:
    a, b = host.tenant("acme"), host.tenant("globex")
    ka, kb = host.key(a, "alice"), host.key(b, "bob")
    assert (
        host.client.post(
            "/v1/modules/hello/greetings", json={"text": "from acme"}, headers=host.headers(ka)
        ).status_code
        == 201
    )
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(kb)).json()["data"] == []
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(ka)).json()["data"] == [
        "from acme"
    ]


def test_member_cannot_administer(host: Host) -> None:
    tid = host.tenant("acme")
    key = host.key(tid, "alice")
    assert host.client.get("/v1/modules/", headers=host.headers(key)).status_code == 403
    assert host.client.post("/v1/keys/", json={"user_id": "x"}, headers=host.headers(key)).status_code == 403


def test_tenant_admin_manages_own_tenant_keys_only(host: Host) -> None:
    a, b = host.tenant("acme"), host.tenant("globex")
    admin = host.key(a, "boss", role="tenant_admin")
    ok = host.client.post("/v1/keys/", json={"user_id": "carol"}, headers=host.headers(admin))
    assert ok.status_code == 201 and ok.json()["data"]["tenant_id"] == a
    other = host.client.post(
        "/v1/keys/", json={"user_id": "eve", "tenant_id": b}, headers=host.headers(admin)
    )
    assert other.status_code == 403
    escalate = host.client.post(
        "/v1/keys/", json={"user_id": "mallory", "role": "superadmin"}, headers=host.headers(admin)
    )
    assert escalate.status_code == 403


def test_jwt_bearer(host: Host) -> None:
    tid = host.tenant("acme")
    token = host.jwt(tid, "jane", permissions=["hello:read"])
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(token)).status_code == 200
    write = host.client.post("/v1/modules/hello/greetings", json={"text": "x"}, headers=host.headers(token))
    assert write.status_code == 403
    expired = host.jwt(tid, "jane", permissions=["hello:read"], ttl_seconds=-10)
    resp = host.client.get("/v1/modules/hello/greetings", headers=host.headers(expired))
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "TOKEN_EXPIRED"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(forged)).status_code == 401
    unknown = host.jwt("no-such-tenant", "jane", permissions=["hello:read"])
    assert host.client.get("/v1/modules/hello/greetings", headers=host.headers(unknown)).status_code == 401


def _ws_close_code(session_factory) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(WebSocketDisconnect) as info, session_factory() as ws:
        ws: WebSocketTestSession
        frame = ws.receive_json()
        assert frame["type"] == "error"
        ws.receive_text()
    return info.value.code


def test_websocket_close_codes(host: Host) -> None:
    tid = host.tenant("acme")
    key = host.key(tid, "alice")
    no_perm = host.key(tid, "bob", permissions=["hello:write"])
    c = host.client
    assert _ws_close_code(lambda: c.websocket_connect("/v1/modules/hello/echo")) == 4401
    assert _ws_close_code(lambda: c.websocket_connect("/v1/modules/hello/echo?token=sgk_bad_bad")) == 4401
    assert _ws_close_code(lambda: c.websocket_connect(f"/v1/modules/hello/echo?token={no_perm}")) == 4403
    with c.websocket_connect(f"/v1/modules/hello/echo?token={key}") as ws:
        ws.send_text("world")
        assert ws.receive_text() == "hello world"
    with c.websocket_connect("/v1/modules/hello/echo", headers=host.headers(key)) as ws:
        ws.send_text("header")
        assert ws.receive_text() == "hello header"
