"""``scaigrid`` command line: serve, worker, migrate, modules, tenants, keys."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec

from scaigrid.errors import ScaigridError, StartupError
from scaigrid.settings import Settings, load_settings

__all__ = ["main"]


@asynccontextmanager
async def cli_platform(settings: Settings) -> AsyncIterator[Any]:
    """A platform for one administrative command: database, migrations and blobs only."""
    from scaigrid.modules import discover
    from scaigrid.platform import Platform

    platform = Platform(settings, discover(settings))
    await platform.start(minimal=True)
    try:
        yield platform
    finally:
        await platform.stop()


def _print(value: Any) -> None:
    print(json.dumps(msgspec.to_builtins(value), indent=2, default=str))


def _run(settings: Settings, fn: Callable[[Any], Awaitable[Any]]) -> None:
    async def go() -> None:
        async with cli_platform(settings) as platform:
            _print(await fn(platform))

    asyncio.run(go())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from scaigrid.app import create_app

    app = create_app(settings, install_modules=not args.no_install)
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port, log_level="info")


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from scaigrid.jobs.worker import run_worker
    from scaigrid.modules import discover
    from scaigrid.platform import Platform

    async def go() -> None:
        platform = Platform(settings, discover(settings))
        await platform.start(worker=True)
        try:
            await run_worker(
                settings, platform=platform, handlers=platform.job_handlers, worker_id=args.worker_id
            )
        finally:
            await platform.stop()

    asyncio.run(go())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate the host, then upgrade every installed module's branch to head."""

    async def go(platform: Any) -> Any:
        for status in await platform.lifecycle.statuses():
            if status.loaded and status.state in ("ready", "failed", "installing"):
                await platform.lifecycle.upgrade(status.id, actor="cli")
        return await platform.lifecycle.statuses()

    _run(settings, go)


def cmd_modules(settings: Settings, args: argparse.Namespace) -> None:
    async def go(platform: Any) -> Any:
        lc = platform.lifecycle
        if args.action == "list":
            return await lc.statuses()
        if args.action in ("install", "upgrade", "uninstall"):
            return await getattr(lc, args.action)(args.name, actor="cli")
        if not args.tenant:
            raise SystemExit(f"scaigrid modules {args.action} needs --tenant")
        return await lc.set_tenant(args.name, args.tenant, enabled=args.action == "enable", actor="cli")

    _run(settings, go)


def cmd_tenants(settings: Settings, args: argparse.Namespace) -> None:
    from scaigrid.auth.identity import create_tenant, list_tenants

    async def go(platform: Any) -> Any:
        async with platform.db.begin() as conn:
            if args.action == "list":
                return await list_tenants(conn)
            tenant = await create_tenant(conn, name=args.name, tenant_id=args.id, tier=args.tier)
            await platform.db.audit(
                conn, actor="cli", action="tenant.create", tenant_id=tenant.id, details={}
            )
            return tenant

    _run(settings, go)


def cmd_keys(settings: Settings, args: argparse.Namespace) -> None:
    from scaigrid.auth.identity import ensure_user
    from scaigrid.auth.keys import create_key, list_keys, revoke_key

    async def go(platform: Any) -> Any:
        async with platform.db.begin() as conn:
            if args.action == "list":
                return await list_keys(conn, tenant_id=args.tenant)
            if args.action == "revoke":
                info = await revoke_key(conn, args.key_id)
                await platform.db.audit(
                    conn,
                    actor="cli",
                    action="key.revoke",
                    tenant_id=info.tenant_id,
                    target=info.id,
                    details={},
                )
                return info
            await ensure_user(
                conn, tenant_id=args.tenant, user_id=args.user, role=args.role, email=args.email
            )
            created = await create_key(
                conn, tenant_id=args.tenant, user_id=args.user, name=args.name, permissions=args.permission
            )
            await platform.db.audit(
                conn,
                actor="cli",
                action="key.create",
                tenant_id=args.tenant,
                target=created.info.id,
                details={},
            )
            return {"key": created.key, **msgspec.to_builtins(created.info)}

    _run(settings, go)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scaigrid", description="ScaiGrid module host")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server with every installed module")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-install", action="store_true", help="do not install/upgrade modules at start")
    serve.set_defaults(fn=cmd_serve)

    worker = sub.add_parser("worker", help="run a job worker (scaled mode: needs SCAIGRID_REDIS_URL)")
    worker.add_argument("--worker-id")
    worker.set_defaults(fn=cmd_worker)

    sub.add_parser("migrate", help="migrate the host and every installed module").set_defaults(fn=cmd_migrate)

    modules = sub.add_parser("modules", help="list modules and drive their lifecycle")
    modules.add_argument("action", choices=["list", "install", "upgrade", "uninstall", "enable", "disable"])
    modules.add_argument("name", nargs="?")
    modules.add_argument("--tenant")
    modules.set_defaults(fn=cmd_modules)

    tenants = sub.add_parser("tenants", help="create and list tenants")
    tenants.add_argument("action", choices=["create", "list"])
    tenants.add_argument("name", nargs="?")
    tenants.add_argument("--id")
    tenants.add_argument("--tier", default="standard")
    tenants.set_defaults(fn=cmd_tenants)

    keys = sub.add_parser("keys", help="create, revoke and list API keys")
    keys.add_argument("action", choices=["create", "revoke", "list"])
    keys.add_argument("key_id", nargs="?")
    keys.add_argument("--tenant")
    keys.add_argument("--user")
    keys.add_argument("--role", choices=["superadmin", "tenant_admin", "member"])
    keys.add_argument("--email")
    keys.add_argument("--name", default="")
    keys.add_argument("--permission", action="append", help="repeat; omit for the role's permissions")
    keys.set_defaults(fn=cmd_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "modules" and args.action != "list" and not args.name:
        print("scaigrid modules: NAME is required", file=sys.stderr)
        return 2
    if args.command == "keys" and args.action == "create" and not (args.tenant and args.user):
        print("scaigrid keys create: --tenant and --user are required", file=sys.stderr)
        return 2
    if args.command == "keys" and args.action == "revoke" and not args.key_id:
        print("scaigrid keys revoke: KEY_ID is required", file=sys.stderr)
        return 2
    if args.command == "tenants" and args.action == "create" and not args.name:
        print("scaigrid tenants create: NAME is required", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        args.fn(settings, args)
    except StartupError as exc:
        print(f"scaigrid: {exc}", file=sys.stderr)
        return 2
    except ScaigridError as exc:
        print(f"scaigrid: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
