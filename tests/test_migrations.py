"""Each alembic branch builds exactly the tables its code declares (alembic's compare_metadata).

A migration is a frozen copy of the schema; this test fails the day a ``tables.py``
changes without a revision (or a revision without the table change), for the host
and for every module, on SQLite here and on PostgreSQL in the scaled session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import audio_engine.plugin
import audio_engine.tables
import pytest
import scaiecho.plugin
import scaiecho.tables
import scaispeak.plugin
import scaispeak.tables
import scryon.plugin
import scryon.tables
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from scaigrid import tables as host_tables
from scaigrid.backends import policy as _policy  # noqa: F401 - registers backend_policies on the host metadata
from scaigrid.jobs import table as _jobs  # noqa: F401 - registers jobs on the host metadata

from tests.harness import Host

BRANCHES: dict[str, sa.MetaData] = {
    "host": host_tables.metadata,
    "scaiecho": scaiecho.tables.metadata,
    "audio_engine": audio_engine.tables.metadata,
    "scryon": scryon.tables.metadata,
    "scaispeak": scaispeak.tables.metadata,
}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    plugins = [scaiecho.plugin, audio_engine.plugin, scryon.plugin, scaispeak.plugin]
    with Host(tmp_path_factory.mktemp("migrations"), plugins=plugins) as h:
        yield h


def _relevant(diff: Any, names: set[str]) -> bool:
    """Differences on this branch's tables (other branches' tables are not its business)."""
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            table = getattr(part, "table", None)
            name = getattr(part, "name", None) if isinstance(part, sa.Table) else getattr(table, "name", None)
            if isinstance(part, str) and part in names:
                return True
            if name in names:
                return True
    return False


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_the_branch_matches_its_tables(host: Host, branch: str) -> None:
    metadata = BRANCHES[branch]
    names = set(metadata.tables)

    def compare(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata) if _relevant(d, names)]

    async def run() -> list[Any]:
        async with host.platform.db.connect() as conn:
            return await conn.run_sync(compare)

    assert host.call(run) == [], f"{branch}: migrations and tables.py differ"


def test_a_table_change_without_a_revision_is_caught(host: Host) -> None:
    drifted = sa.MetaData()
    for table in scaiecho.tables.metadata.tables.values():
        table.to_metadata(drifted)
    first = next(iter(drifted.tables.values()))
    first.append_column(sa.Column("added_without_a_migration", sa.Integer))
    names = set(drifted.tables)

    def compare(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, drifted) if _relevant(d, names)]

    async def run() -> list[Any]:
        async with host.platform.db.connect() as conn:
            return await conn.run_sync(compare)

    diffs = host.call(run)
    assert any(d[0] == "add_column" and d[3].name == "added_without_a_migration" for d in diffs)


def test_every_module_branch_is_covered(host: Host) -> None:
    lifecycle = host.platform.lifecycle
    with_migrations = {mid for mid in host.platform.modules.modules if lifecycle.register_migrations(mid)}
    assert with_migrations == set(BRANCHES) - {"host"}
