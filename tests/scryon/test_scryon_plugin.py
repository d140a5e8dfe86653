"""The module's hooks (scryon/plugin.py): identity, backends, readiness, uninstall."""

from __future__ import annotations

from collections.abc import Callable

import scryon.plugin
import sqlalchemy as sa

from tests.harness import Host
from tests.scryon.scryon_client import upload, wait_done, wav_bytes


def test_module_identity() -> None:
    info = scryon.plugin.scaigrid_module()
    assert (info.id, info.prefix, info.envelope) == ("scryon", "/api", "error_object")
    assert info.member_permissions == ("scryon:use",) and "scryon:admin" in info.permissions


def test_backends_are_registered_under_the_analysis_capability(scryon_host: Host) -> None:
    backends = scryon_host.platform.backends
    assert backends.names("analysis", "A") == ["scryon.local"]
    assert backends.names("analysis", "B") == ["scryon.relay"]
    assert "scryon.analyze" in scryon_host.platform.job_handlers


def test_readiness_names_the_missing_scaiecho_services(scryon_host: Host) -> None:
    resp = scryon_host.client.get("/api/readyz")
    assert resp.status_code == 503
    checks = resp.json()["checks"]
    assert checks["minilm_model"] == "ok"
    assert "scaiecho.transcription" in checks["scaiecho_services"]


def test_uninstall_erases_rows_and_blobs(make_host: Callable[..., Host]) -> None:
    host = make_host(plugins=[scryon.plugin])
    me = host.headers(host.key(host.tenant("gone"), "user"))
    call_id = upload(host.client, me, wav_bytes()).json()["id"]
    wait_done(host.client, me, call_id)
    admin = host.superadmin_headers
    token = host.client.get("/api/admin/lifecycle/uninstall-token", headers=admin).json()["data"][
        "confirmation_token"
    ]
    resp = host.client.post(
        "/api/admin/lifecycle/uninstall",
        headers=admin,
        json={"confirmation_token": token, "expected_module_id": "scryon"},
    )
    assert resp.status_code == 200, resp.text

    async def leftovers() -> tuple[list[str], bool]:
        blobs = [b.key async for b in host.platform.blobs.list("scryon/")]
        async with host.platform.db.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        return blobs, any(n.startswith("scryon_") for n in names)

    assert host.call(leftovers) == ([], False)
