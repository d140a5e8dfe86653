"""Async SQLAlchemy engine, and the alembic runner for the host's and every module's branch.

Each module's migrations are an alembic branch of its own: own ``versions/``
folder, own root revision, branch label = module id, and its own version table
(``alembic_version_<id>``; the host's is ``alembic_version``). Upgrading or
downgrading one module therefore never reads or touches another module's
revisions, even one that is not installed or no longer loadable.
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

    def _config(self, conn: sa.Connection, branch: str) -> Config:
        if branch not in self.version_locations:
            raise KeyError(f"no migrations registered for {branch!r}")
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", self.version_locations[branch])
        cfg.attributes["connection"] = conn
        cfg.attributes["version_table"] = version_table(branch)
        return cfg

    async def upgrade(self, branch: str) -> None:
        """Upgrade one branch to its head (idempotent)."""
        await self._run(branch, lambda cfg: command.upgrade(cfg, "heads"))

    async def downgrade_to_base(self, branch: str) -> None:
        """Downgrade one branch to base, dropping that branch's tables only (idempotent)."""
        await self._run(branch, lambda cfg: command.downgrade(cfg, "base"))

    async def current_revisions(self, branch: str) -> set[str]:
        table = version_table(branch)

        def heads(conn: sa.Connection) -> set[str]:
            from alembic.runtime.migration import MigrationContext

            ctx = MigrationContext.configure(conn, opts={"version_table": table})
            return set(ctx.get_current_heads())

        async with self.engine.begin() as conn:
            return await conn.run_sync(heads)

    async def _run(self, branch: str, fn: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: fn(self._config(sync_conn, branch)))

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


def version_table(branch: str) -> str:
    return "alembic_version" if branch == HOST_BRANCH else f"alembic_version_{branch}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
