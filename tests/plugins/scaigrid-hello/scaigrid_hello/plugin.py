"""Hook implementations of the tutorial module ``hello``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import WebSocket, get, post, websocket
from scaigrid import (
    MigrationsInfo,
    ModuleContext,
    ModuleInfo,
    Principal,
    ReadinessCheck,
    ServiceSpec,
    hookimpl,
    requires,
)
from scaigrid.errors import BadRequest
from scaigrid.platform import Platform

greetings = sa.Table(
    "hello_greetings",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tenant_id", sa.String(64)),
    sa.Column("text", sa.String(200)),
)


class NewGreeting(msgspec.Struct, forbid_unknown_fields=True):
    text: str


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id="hello",
        version="1.0.0",
        prefix="/v1/modules/hello",
        description="Greetings, per tenant.",
        permissions=("hello:read", "hello:write"),
        member_permissions=("hello:read", "hello:write"),
    )


@hookimpl
def scaigrid_migrations() -> MigrationsInfo:
    return MigrationsInfo(
        version_location=str(Path(__file__).parent / "migrations" / "versions"), branch_label="hello"
    )


@get("/greetings", guards=[requires("hello:read")])
async def list_greetings(platform: Platform, principal: Principal) -> dict[str, Any]:
    async with platform.db.connect() as conn:
        rows = await conn.execute(
            sa.select(greetings.c.text)
            .where(greetings.c.tenant_id == principal.tenant_id)
            .order_by(greetings.c.id)
        )
        return {"data": [r.text for r in rows]}


@post("/greetings", guards=[requires("hello:write")])
async def add_greeting(platform: Platform, principal: Principal, data: NewGreeting) -> dict[str, Any]:
    if not data.text.strip():
        raise BadRequest("text must not be empty", code="HELLO_EMPTY_TEXT")
    async with platform.db.begin() as conn:
        await conn.execute(greetings.insert().values(tenant_id=principal.tenant_id, text=data.text))
    return {"data": {"text": data.text}}


@websocket("/echo", guards=[requires("hello:read")])
async def echo(socket: WebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    async for message in socket.iter_data(mode="text"):
        await socket.send_text(f"hello {message}")


@hookimpl
def scaigrid_routes() -> list[Any]:
    return [list_greetings, add_greeting, echo]


@hookimpl
async def scaigrid_uninstall(module: ModuleContext) -> None:
    # Erase every tenant's data; the host then downgrades our branch (dropping the table).
    async with module.platform.db.begin() as conn:
        await conn.execute(greetings.delete())


@hookimpl
async def scaigrid_tenant_disable(module: ModuleContext, tenant_id: str) -> None:
    async with module.platform.db.begin() as conn:
        await conn.execute(greetings.delete().where(greetings.c.tenant_id == tenant_id))


class Greeter:
    """A service other modules may call: ``platform.services.get("hello.greeter", Greeter).greet("Ada")``."""

    def greet(self, name: str) -> str:
        return f"hello {name}"


@hookimpl
def scaigrid_services(register: Callable[[ServiceSpec], None]) -> None:
    register(ServiceSpec(name="hello.greeter", provider=Greeter()))


async def _always_ready() -> None:
    return None


@hookimpl
def scaigrid_readiness() -> list[ReadinessCheck]:
    return [ReadinessCheck(name="greetings", check=_always_ready)]
