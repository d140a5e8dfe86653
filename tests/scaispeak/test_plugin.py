"""scaispeak/plugin.py through a real host: backends, readiness, tenant disable, uninstall."""

from __future__ import annotations

from pathlib import Path

import scaispeak.plugin
import sqlalchemy as sa
from scaigrid import tables

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX


def test_backends_readiness_and_lifecycle(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[scaispeak.plugin]) as host:
        backends = host.platform.backends
        assert set(backends.names("tts", "A")) == {"scaispeak-piper", "scaispeak-espeak", "scaispeak-kokoro"}
        assert backends.names("tts", "B") == []  # no relay configured: nothing registered for B
        ready = host.client.get(f"{PREFIX}/readyz").json()
        assert ready["status"] == "ready" and ready["checks"] == {"piper_voice": "ok", "espeak_ng": "ok"}
        tenant = host.tenant("gone")
        h = host.superadmin_headers
        assert (
            host.client.post(f"/v1/modules/scaispeak/tenants/{tenant}/disable", headers=h).status_code == 200
        )
        key = host.key(tenant, "u")
        denied = host.client.get(f"{PREFIX}/voices", headers=host.headers(key))
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "MODULE_DISABLED"

        async def actions() -> list[str]:
            async with host.platform.db.connect() as conn:
                return [r.action for r in await conn.execute(sa.select(tables.audit_log.c.action))]

        assert "scaispeak.tenant_disable" in host.call(actions)
        token = host.client.get(f"{PREFIX}/admin/lifecycle/uninstall-token", headers=h).json()["data"]
        resp = host.client.post(
            f"{PREFIX}/admin/lifecycle/uninstall",
            json={"confirmation_token": token["confirmation_token"], "expected_module_id": "scaispeak"},
            headers=h,
        )
        assert resp.status_code == 200 and resp.json()["data"]["state"] == "uninstalled"
        assert "scaispeak.uninstall" in host.call(actions)
