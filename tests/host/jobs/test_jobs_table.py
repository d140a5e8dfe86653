"""The ``jobs`` table (scaigrid/jobs/table.py) and its migration host_0002 describe the same schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scaigrid.db import HOST_BRANCH, Database
from scaigrid.jobs.table import jobs

pytestmark = pytest.mark.anyio


def _schema(conn: sa.Connection) -> tuple[dict[str, tuple[str, bool]], set[tuple[str, tuple[str, ...]]]]:
    inspector = sa.inspect(conn)
    columns = {
        c["name"]: (type(c["type"]).__name__, bool(c["nullable"])) for c in inspector.get_columns("jobs")
    }
    indexes = {
        (i["name"] or "", tuple(str(c) for c in i["column_names"])) for i in inspector.get_indexes("jobs")
    }
    return columns, indexes


async def test_migration_creates_the_table_as_declared_and_downgrade_drops_it(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade(HOST_BRANCH)
        async with db.connect() as conn:
            columns, indexes = await conn.run_sync(_schema)
        assert set(columns) == {c.name for c in jobs.columns}
        assert {name: nullable for name, (_, nullable) in columns.items()} == {
            c.name: bool(c.nullable) for c in jobs.columns
        }
        assert indexes == {(i.name or "", tuple(c.name for c in i.columns)) for i in jobs.indexes}

        await db.downgrade_to_base(HOST_BRANCH)
        async with db.connect() as conn:
            assert not await conn.run_sync(lambda c: sa.inspect(c).has_table("jobs"))
    finally:
        await db.upgrade(HOST_BRANCH)  # leave the shared PostgreSQL database migrated
        await db.dispose()
