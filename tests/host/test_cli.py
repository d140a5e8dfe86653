"""The ``scaigrid`` command line, run as a real subprocess against a data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import isolated_overrides


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scaigrid", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    overrides, cleanup = isolated_overrides(os.urandom(4).hex())
    values = {**os.environ, "SCAIGRID_DATA_DIR": str(tmp_path / "data"), "SCAIGRID_MODULES": "hello"}
    values.update({f"SCAIGRID_{k.upper()}": str(v) for k, v in overrides.items()})
    yield values
    cleanup()


def test_tenants_keys_and_modules(env: dict[str, str]) -> None:
    tenant = json.loads(run(env, "tenants", "create", "Acme", "--id", "acme").stdout)
    assert tenant["id"] == "acme"
    assert [t["id"] for t in json.loads(run(env, "tenants", "list").stdout)] == ["acme"]
    key = json.loads(
        run(env, "keys", "create", "--tenant", "acme", "--user", "alice", "--permission", "hello:read").stdout
    )
    assert key["key"].startswith("sgk_") and key["permissions"] == ["hello:read"]
    listed = json.loads(run(env, "keys", "list", "--tenant", "acme").stdout)
    assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]
    revoked = json.loads(run(env, "keys", "revoke", key["id"]).stdout)
    assert revoked["revoked_at"] is not None

    modules = json.loads(run(env, "modules", "list").stdout)
    assert [(m["id"], m["state"]) for m in modules] == [("hello", "not_installed")]
    assert json.loads(run(env, "modules", "install", "hello").stdout)["state"] == "ready"
    assert json.loads(run(env, "modules", "install", "hello").stdout)["state"] == "ready"
    disabled = json.loads(run(env, "modules", "disable", "hello", "--tenant", "acme").stdout)
    assert disabled["disabled_tenants"] == ["acme"]
    assert json.loads(run(env, "modules", "uninstall", "hello").stdout)["state"] == "uninstalled"


def test_errors_are_readable(env: dict[str, str]) -> None:
    bad = run({**env, "SCAIGRID_PORT": "nope"}, "tenants", "list", check=False)
    assert bad.returncode == 2 and "SCAIGRID_PORT" in bad.stderr
    missing = run(env, "modules", "install", "nosuch", check=False)
    assert missing.returncode == 1 and "MODULE_NOT_FOUND" in missing.stderr
    assert run(env, "keys", "create", check=False).returncode == 2
