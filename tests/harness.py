"""Build the real app in-process for a test, with exactly the plugins the test names.

``Host`` is the module author's :class:`scaigrid.testing.Host` (the app's lifespan
through Litestar's ``TestClient``, operator helpers over the same HTTP routes an
operator uses), plus per-test isolation in the scaled session: there
(``SCAIGRID_DATABASE_URL`` set to PostgreSQL, ``SCAIGRID_REDIS_URL``, S3 settings)
each Host gets its own database, bucket and Redis prefix so tests never see each
other's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scaigrid.testing import JWT_SECRET, free_port
from scaigrid.testing import Host as BaseHost

__all__ = ["JWT_SECRET", "Host", "free_port", "isolated_overrides", "scaled_mode"]


def _admin_url(url: str) -> tuple[str, str]:
    parsed = sa.make_url(url)
    return parsed.set(database="postgres").render_as_string(hide_password=False), parsed.database or ""


def _pg_execute(url: str, statement: str) -> None:
    import asyncpg

    async def go() -> None:
        parsed = sa.make_url(url)
        conn = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())


def scaled_mode() -> bool:
    return os.environ.get("SCAIGRID_DATABASE_URL", "").startswith("postgresql")


def isolated_overrides(tag: str) -> tuple[dict[str, Any], Callable[[], None]]:
    """Per-host database / bucket / Redis prefix in the scaled mode; nothing to do embedded."""
    # Scaled hosts consume their own queue in-process; dedicated tests run `scaigrid worker` processes.
    overrides: dict[str, Any] = {"redis_prefix": f"sgtest-{tag}", "jobs_in_process": True}
    cleanups: list[Callable[[], None]] = []
    base = os.environ.get("SCAIGRID_DATABASE_URL", "")
    if base.startswith("postgresql"):
        admin, _ = _admin_url(base)
        name = f"sgtest_{tag}"
        try:
            _pg_execute(admin.replace("+asyncpg", ""), f'CREATE DATABASE "{name}"')
        except Exception as exc:  # a restarted Host (keep_state) finds its database again
            if "already exists" not in str(exc):
                raise
        overrides["database_url"] = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        cleanups.append(
            lambda: _pg_execute(
                admin.replace("+asyncpg", ""), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
        )
    if os.environ.get("SCAIGRID_BLOB_BACKEND") == "s3":
        from tests.services import s3_endpoint_from_env

        bucket = overrides["s3_bucket"] = f"sgtest-{tag}"
        endpoint = s3_endpoint_from_env()
        if endpoint is not None:
            cleanups.append(lambda: endpoint.drop_bucket(bucket))

    def cleanup() -> None:
        for fn in cleanups:
            with contextlib.suppress(Exception):
                fn()

    return overrides, cleanup


class Host(BaseHost):
    """:class:`scaigrid.testing.Host`, isolated per test in the scaled session.

    Derived from the data dir, so a second Host on the same tmp_path is a restart of the
    same deployment: same database, bucket and Redis prefix (``keep_state`` on the first).
    """

    def __init__(
        self,
        tmp_path: Path,
        *,
        plugins: Sequence[object] | None,
        install_modules: bool = True,
        keep_state: bool = False,
        **overrides: Any,
    ) -> None:
        self.tag = hashlib.sha1(str(tmp_path.resolve()).encode()).hexdigest()[:12]
        iso, cleanup = isolated_overrides(self.tag)
        self._cleanup = (lambda: None) if keep_state else cleanup
        super().__init__(
            tmp_path, plugins=plugins, install_modules=install_modules, hermetic=False, **{**iso, **overrides}
        )

    def __exit__(self, *exc: object) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self._cleanup()
