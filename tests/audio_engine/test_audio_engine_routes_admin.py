"""Project administration routes: projects, key grants, tenant scoping, audit rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from scaigrid import tables as host_tables

from tests.audio_engine.engine_host import EngineClient, engine_host

BASE = "/v1/audio_engine/admin/projects"


@pytest.fixture(scope="module")
def ae(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineClient]:
    with engine_host(tmp_path_factory.mktemp("host"), process_pool_workers=0) as host:
        yield EngineClient(host, project="alpha")


def _audit(ae: EngineClient, action: str) -> list[Any]:
    async def rows() -> list[Any]:
        async with ae.host.platform.db.connect() as conn:
            q = sa.select(host_tables.audit_log).where(host_tables.audit_log.c.action == action)
            return list((await conn.execute(q)).all())

    return ae.host.call(rows)


def test_project_lifecycle(ae: EngineClient) -> None:
    c, h = ae.host.client, ae.admin_headers
    resp = c.post(f"{BASE}/", json={"name": "beta", "description": "second"}, headers=h)
    assert resp.status_code == 201 and resp.json()["data"]["name"] == "beta"
    dup = c.post(f"{BASE}/", json={"name": "beta"}, headers=h)
    assert dup.status_code == 409 and dup.json()["code"] == "AUDIO_ENGINE_PROJECT_EXISTS"
    assert (
        c.post(f"{BASE}/", json={"name": " "}, headers=h).json()["code"]
        == "AUDIO_ENGINE_INVALID_PROJECT_NAME"
    )

    _key, key_id = ae.new_key("erin")
    assert c.post(f"{BASE}/beta/keys", json={"api_key_id": key_id}, headers=h).status_code == 200
    listed = {p["name"]: p for p in c.get(f"{BASE}/", headers=h).json()["data"]}
    assert listed["beta"]["api_key_ids"] == [key_id] and listed["alpha"]["api_key_ids"] == [ae.key_id]

    assert c.delete(f"{BASE}/beta/keys/{key_id}", headers=h).status_code == 200
    again = c.delete(f"{BASE}/beta/keys/{key_id}", headers=h)
    assert again.status_code == 404 and again.json()["code"] == "AUDIO_ENGINE_API_KEY_NOT_FOUND"
    assert c.delete(f"{BASE}/beta", headers=h).json() == {"data": {"deleted": "beta"}}
    gone = c.delete(f"{BASE}/beta", headers=h)
    assert gone.status_code == 404 and gone.json()["code"] == "AUDIO_ENGINE_PROJECT_NOT_FOUND"
    assert "beta" not in {p["name"] for p in c.get(f"{BASE}/", headers=h).json()["data"]}
    assert [r.target for r in _audit(ae, "audio_engine.project.delete")] == ["beta"]
    assert len(_audit(ae, "audio_engine.project.revoke_key")) == 1


def test_members_cannot_administer(ae: EngineClient) -> None:
    resp = ae.host.client.get(f"{BASE}/", headers={"X-API-Key": ae.key})
    assert resp.status_code == 403


def test_unknown_key_cannot_be_granted(ae: EngineClient) -> None:
    resp = ae.host.client.post(f"{BASE}/alpha/keys", json={"api_key_id": "nope"}, headers=ae.admin_headers)
    assert resp.status_code == 404 and resp.json()["code"] == "AUDIO_ENGINE_API_KEY_NOT_FOUND"


def test_tenant_scoping(ae: EngineClient) -> None:
    c = ae.host.client
    # a tenant admin cannot reach another tenant; a SuperAdmin names it
    resp = c.get(f"{BASE}/", params={"tenant_id": "other"}, headers=ae.admin_headers)
    assert resp.status_code == 403
    other = ae.host.tenant("other")
    created = c.post(
        f"{BASE}/", params={"tenant_id": other}, json={"name": "alpha"}, headers=ae.host.superadmin_headers
    )
    assert created.status_code == 201  # same name, another tenant
    names = [
        p["name"]
        for p in c.get(f"{BASE}/", params={"tenant_id": other}, headers=ae.host.superadmin_headers).json()[
            "data"
        ]
    ]
    assert names == ["alpha"]
    mine = c.get(f"{BASE}/", headers=ae.admin_headers).json()["data"]
    assert all(p["id"] != created.json()["data"]["id"] for p in mine)
