"""First start: create the SuperAdmin, print its key once, keep it in a 0600 file in the data dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import sqlalchemy as sa

from scaigrid import tables
from scaigrid.auth.identity import create_tenant, ensure_user
from scaigrid.auth.keys import create_key
from scaigrid.db import Database

__all__ = ["SYSTEM_TENANT", "bootstrap_superadmin"]

SYSTEM_TENANT = "system"
SUPERADMIN_USER = "superadmin"


async def bootstrap_superadmin(db: Database, data_dir: Path, *, announce: bool = True) -> str | None:
    """Create the SuperAdmin key when no SuperAdmin exists yet; return it (``None`` if one exists)."""
    async with db.begin() as conn:
        existing = (
            await conn.execute(sa.select(tables.users.c.id).where(tables.users.c.role == "superadmin"))
        ).first()
        if existing is not None:
            return None
        has_tenant = (
            await conn.execute(sa.select(tables.tenants.c.id).where(tables.tenants.c.id == SYSTEM_TENANT))
        ).first()
        if has_tenant is None:
            await create_tenant(conn, name="System", tenant_id=SYSTEM_TENANT, tier="system")
        await ensure_user(conn, tenant_id=SYSTEM_TENANT, user_id=SUPERADMIN_USER, role="superadmin")
        created = await create_key(conn, tenant_id=SYSTEM_TENANT, user_id=SUPERADMIN_USER, name="bootstrap")
        await db.audit(
            conn, actor="system", action="superadmin.bootstrap", target=created.info.id, details={}
        )
    path = data_dir / "superadmin.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(created.key + "\n")
    os.chmod(path, 0o600)
    if announce:
        print(
            f"\nScaiGrid SuperAdmin API key (shown once; also saved to {path}):\n  {created.key}\n",
            file=sys.stderr,
            flush=True,
        )
    return created.key
