"""routes/policy.py: read by any synthesizer, changed by an admin, validated."""

from __future__ import annotations

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX


def test_read_and_update(host: Host) -> None:
    tenant = host.tenant("policyco")
    member = host.headers(host.key(tenant, "m"))
    admin = host.headers(host.key(tenant, "a", role="tenant_admin"))
    view = host.client.get(f"{PREFIX}/admin/policy", headers=member).json()["data"]
    assert view["allowed_backends"] == ["A", "B"] and view["default_backend"] == "A"
    assert (
        host.client.put(f"{PREFIX}/admin/policy", json={"allowed_backends": "A"}, headers=member).status_code
        == 403
    )
    updated = host.client.put(
        f"{PREFIX}/admin/policy", json={"allowed_backends": "BA", "default_backend": "B"}, headers=admin
    )
    assert updated.status_code == 200 and updated.json()["data"]["allowed_backends"] == ["B", "A"]
    for body in (
        {"allowed_backends": "A", "default_backend": "B"},
        {"allowed_backends": "C"},
        {"allowed_backends": []},
    ):
        resp = host.client.put(f"{PREFIX}/admin/policy", json=body, headers=admin)
        assert (
            resp.status_code == 400 and resp.json()["error"]["code"] == "SCAISPEAK_TENANT_POLICY_INVALID"
        ), body
