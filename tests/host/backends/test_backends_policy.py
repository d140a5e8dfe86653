"""Tenant backend policy: the host_0003 table, PolicyStore, resolve_backend_order, choose_backend."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from scaigrid.backends import BackendRegistry
from scaigrid.backends.policy import (
    BackendChoice,
    PolicyDefaults,
    PolicyStore,
    TenantPolicy,
    backend_policies,
    choose_backend,
    resolve_backend_order,
)
from scaigrid.db import HOST_BRANCH, Database, utcnow
from scaigrid.errors import BadRequest, NotFound, ScaigridError
from scaigrid.records import BackendSpec
from scaigrid.tables import tenants
from sqlalchemy.exc import IntegrityError

pytestmark = pytest.mark.anyio

_PG = os.environ.get("SCAIGRID_DATABASE_URL", "")
PG_URL = sa.make_url(
    _PG if _PG.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PG_ADMIN = PG_URL.set(database="postgres").render_as_string(hide_password=False)


async def _pg_admin(statement: str) -> None:
    engine = Database(PG_ADMIN).engine.execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(statement))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated host database (host branch at head) with tenants t1 and t2."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'policy.db'}")
        name = None
    else:
        name = f"sgtest_policy_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        database = Database(PG_URL.set(database=name).render_as_string(hide_password=False))
    try:
        await database.upgrade(HOST_BRANCH)
        async with database.begin() as conn:
            for tid in ("t1", "t2"):
                await conn.execute(tenants.insert().values(id=tid, name=tid, created_at=utcnow()))
        yield database
    finally:
        await database.dispose()
        if name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


async def test_migration_matches_the_core_table(db: Database) -> None:
    assert await db.current_revisions(HOST_BRANCH)  # at head; host_0003 created the table
    async with db.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in sa.inspect(c).get_columns("backend_policies")}
        )
        pk = await conn.run_sync(lambda c: sa.inspect(c).get_pk_constraint("backend_policies"))
    assert columns == {c.name for c in backend_policies.columns}
    assert set(pk["constrained_columns"]) == {"tenant_id", "scope"}
    now = utcnow()
    row = {"tenant_id": "t1", "scope": "x", "default_backend": "A", "created_at": now, "updated_at": now}
    with pytest.raises(IntegrityError):  # the database itself refuses an invalid allowed set
        async with db.begin() as conn:
            await conn.execute(backend_policies.insert().values(allowed_backends="C", **row))


async def test_first_read_creates_the_row_from_the_modules_defaults(db: Database) -> None:
    store = PolicyStore(db)
    echo = await store.get(
        "t1", "scaiecho", defaults=PolicyDefaults(allowed_backends="BA", default_backend="B")
    )
    assert (echo.allowed_backends, echo.default_backend, echo.tier) == ("BA", "B", "standard")
    assert echo.allowed == ("B", "A") and echo.created_at.tzinfo is not None
    # Later reads return the stored row, whatever defaults the caller passes now.
    again = await store.get("t1", "scaiecho", defaults=PolicyDefaults(allowed_backends="A"))
    assert again == echo
    other = await store.get("t2", "scaiecho")
    assert (other.tenant_id, other.allowed_backends, other.default_backend) == ("t2", "AB", "A")
    async with db.connect() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(backend_policies))).scalar_one()
    assert count == 2


async def test_concurrent_first_reads_create_one_row(db: Database) -> None:
    store = PolicyStore(db)
    results = await asyncio.gather(*(store.get("t1", "scryon") for _ in range(5)))
    assert len({(r.created_at, r.allowed_backends) for r in results}) == 1


async def test_unknown_tenant_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound) as err:
        await PolicyStore(db).get("ghost", "scaiecho")
    assert err.value.code == "TENANT_NOT_FOUND"


async def test_update_validates_with_the_callers_code(db: Database) -> None:
    store = PolicyStore(db)
    for allowed, default in (("C", None), ("ABA", None), ("", None), ("A", "B"), (None, "C")):
        with pytest.raises(BadRequest) as err:
            await store.update("t1", "scaiecho", allowed, default, code="SCAIECHO_TENANT_POLICY_INVALID")
        assert err.value.code == "SCAIECHO_TENANT_POLICY_INVALID"
    unchanged = await store.get("t1", "scaiecho")
    assert (unchanged.allowed_backends, unchanged.default_backend) == ("AB", "A")

    updated = await store.update("t1", "scaiecho", "BA", "B", tier="premium")
    assert (updated.allowed_backends, updated.default_backend, updated.tier) == ("BA", "B", "premium")
    assert updated.updated_at >= updated.created_at
    # Narrowing the allowed set moves a default that fell out of it.
    narrowed = await store.update("t1", "scaiecho", allowed_backends="A")
    assert (narrowed.allowed_backends, narrowed.default_backend) == ("A", "A")
    # Only the default changes, within the allowed set.
    assert (await store.update("t1", "scaiecho", "AB")).default_backend == "A"
    assert (await store.update("t1", "scaiecho", default_backend="B")).default_backend == "B"
    assert (await store.get("t2", "scaiecho")).default_backend == "A"  # other tenants untouched


async def test_delete_removes_one_tenant_or_the_whole_scope(db: Database) -> None:
    store = PolicyStore(db)
    for tid in ("t1", "t2"):
        await store.get(tid, "scaispeak")
    await store.get("t1", "scaiecho")
    assert await store.delete(scope="scaispeak", tenant_id="t1") == 1
    assert await store.delete(scope="scaispeak") == 1
    assert await store.delete(scope="scaispeak") == 0
    assert (await store.get("t1", "scaiecho")).scope == "scaiecho"


def policy(allowed: str, default: str) -> TenantPolicy:
    now = utcnow()
    return TenantPolicy(
        tenant_id="t",
        scope="m",
        allowed_backends=allowed,
        default_backend=default,
        tier="standard",
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize(
    ("allowed", "default", "preference", "expected"),
    [
        ("AB", "A", "prefer_self_hosted", ["A", "B"]),
        ("AB", "A", "prefer_relay", ["B", "A"]),
        ("AB", "A", "any", ["A", "B"]),
        ("AB", "B", "any", ["B", "A"]),
        ("BA", "B", "prefer_self_hosted", ["A", "B"]),
        ("BA", "B", "any", ["B", "A"]),
        ("BA", "A", "any", ["A", "B"]),
        ("A", "A", "prefer_relay", ["A"]),  # never a kind the policy does not allow
        ("B", "B", "prefer_self_hosted", ["B"]),
        ("B", "B", "any", ["B"]),
    ],
)
def test_resolve_backend_order(allowed: str, default: str, preference: str, expected: list[str]) -> None:
    assert resolve_backend_order(policy(allowed, default), preference) == expected


def test_resolve_rejects_unknown_preferences_with_the_callers_code() -> None:
    with pytest.raises(BadRequest) as err:
        resolve_backend_order(policy("AB", "A"), "fastest")
    assert err.value.code == "BAD_BACKEND_PREFERENCE"
    assert err.value.details["allowed"] == ["prefer_self_hosted", "prefer_relay", "any"]
    with pytest.raises(BadRequest) as err:
        resolve_backend_order(policy("AB", "A"), "", code="SCAIECHO_BAD_BACKEND_PREFERENCE")
    assert err.value.code == "SCAIECHO_BAD_BACKEND_PREFERENCE"


def _registry() -> BackendRegistry:
    registry = BackendRegistry()
    for name, kind in (("whisper-tiny", "A"), ("whisper-base", "A"), ("relay", "B")):
        registry.register(
            BackendSpec(capability="stt", name=name, kind=kind, factory=lambda p: None), "scaiecho"
        )
    return registry


async def test_choose_backend_follows_order_and_availability() -> None:
    registry = _registry()
    assert await choose_backend(registry, "stt", ["A", "B"]) == BackendChoice("A", "whisper-tiny")
    assert await choose_backend(registry, "stt", ["B", "A"]) == ("B", "relay")

    down = {"whisper-tiny"}
    asked: list[tuple[str, str]] = []

    def check(kind: str, name: str) -> bool:
        asked.append((kind, name))
        return name not in down

    assert await choose_backend(registry, "stt", ["A", "B"], check) == ("A", "whisper-base")
    assert asked == [("A", "whisper-tiny"), ("A", "whisper-base")]

    async def relay_unconfigured(kind: str, name: str) -> bool:
        return kind == "A"

    assert await choose_backend(registry, "stt", ["B", "A"], relay_unconfigured) == ("A", "whisper-tiny")
    # Callers may narrow and order the names per kind (e.g. the request named a model).
    chosen = await choose_backend(
        registry, "stt", ["A"], candidates={"A": ["whisper-base", "not-registered"]}
    )
    assert chosen == ("A", "whisper-base")


async def test_choose_backend_errors_are_coded() -> None:
    registry = _registry()
    with pytest.raises(ScaigridError) as err:
        await choose_backend(registry, "stt", [], no_backend_code="SCAIECHO_NO_USABLE_BACKEND")
    assert (err.value.status_code, err.value.code) == (403, "SCAIECHO_NO_USABLE_BACKEND")

    def nothing(kind: str, name: str) -> bool:
        return False

    with pytest.raises(ScaigridError) as err:
        await choose_backend(registry, "stt", ["B"], nothing)
    assert (err.value.status_code, err.value.code) == (503, "BACKEND_UNAVAILABLE")
    assert err.value.details["tried"] == ["B:relay"]
    with pytest.raises(ScaigridError, match="none registered") as err:
        await choose_backend(registry, "tts", ["A", "B"], unavailable_code="SCAISPEAK_BACKEND_UNAVAILABLE")
    assert err.value.code == "SCAISPEAK_BACKEND_UNAVAILABLE"


def test_policy_defaults_are_validated() -> None:
    with pytest.raises(BadRequest):
        PolicyDefaults(allowed_backends="B", default_backend="A")
    assert PolicyDefaults(allowed_backends="B", default_backend="B").allowed_backends == "B"
