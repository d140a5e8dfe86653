"""Async SQLAlchemy engine, and the alembic runner for the host's and every module's branch.

One alembic version table tracks all branches (multiple bases): the host's
branch is labelled ``scaigrid``, each module's branch carries its module id, so
``upgrade <id>@head`` and ``downgrade <id>@base`` touch that module's tables only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scaigrid import tables

__all__ = ["HOST_BRANCH", "Database", "utcnow"]

HOST_BRANCH = "scaigrid"
_MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Database:
    """The host's engine plus the version locations of every loaded module's branch."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {
            "echo": echo,
            "json_serializer": lambda v: json.dumps(v, default=_json_default),
        }
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.version_locations: dict[str, str] = {HOST_BRANCH: str(_MIGRATIONS / "versions")}

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a transaction that commits on success."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()

    # -- migrations ---------------------------------------------------------

    def add_branch(self, label: str, version_location: str) -> None:
        self.version_locations[label] = version_location

    def _config(self, conn: sa.Connection) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", " ".join(self.version_locations.values()))
        cfg.set_main_option("version_path_separator", "space")
        cfg.attributes["connection"] = conn
        return cfg

    async def upgrade(self, branch: str) -> None:
        """Upgrade one branch to its head (idempotent)."""
        await self._run(lambda cfg: command.upgrade(cfg, f"{branch}@head"))

    async def downgrade_to_base(self, branch: str) -> None:
        """Downgrade one branch to base, dropping that branch's tables only (idempotent)."""

        def run(cfg: Config) -> None:
            script = ScriptDirectory.from_config(cfg)
            conn = cfg.attributes["connection"]
            current = _current_heads(conn)
            branch_revs = {rev.revision for rev in script.walk_revisions() if branch in rev.branch_labels}
            if current & branch_revs:  # labels propagate to every revision of the branch
                command.downgrade(cfg, f"{branch}@base")

        await self._run(run)

    async def current_revisions(self) -> set[str]:
        async with self.engine.begin() as conn:
            return await conn.run_sync(_current_heads)

    async def _run(self, fn: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: fn(self._config(sync_conn)))

    # -- audit --------------------------------------------------------------

    async def audit(
        self,
        conn: AsyncConnection | None,
        *,
        actor: str,
        action: str,
        tenant_id: str | None = None,
        module_id: str | None = None,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Write one audit row (inside ``conn``'s transaction when given)."""
        stmt = tables.audit_log.insert().values(
            at=utcnow(),
            actor=actor,
            action=action,
            tenant_id=tenant_id,
            module_id=module_id,
            target=target,
            details=dict(details or {}),
        )
        if conn is not None:
            await conn.execute(stmt)
            return
        async with self.begin() as own:
            await own.execute(stmt)


def _current_heads(conn: sa.Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(conn).get_current_heads())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
