"""Rows of the module's tables: projects and their API keys, tasks, datasets and file records.

Every query is scoped by tenant in the query itself; another tenant's project or
key answers as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from scaigrid import tables as host_tables
from scaigrid.db import Database, utcnow
from sqlalchemy.ext.asyncio import AsyncConnection

from audio_engine import tables as t
from audio_engine.errors import Code, error

__all__ = [
    "FileRow",
    "Project",
    "TaskStatus",
    "add_dataset",
    "create_project",
    "create_task",
    "delete_project",
    "finish_task",
    "get_task",
    "grant_key",
    "list_projects",
    "project_for_key",
    "revoke_key",
]

TaskStatus = Literal["RUNNING", "COMPLETED", "FAILED"]


class Project(msgspec.Struct, kw_only=True):
    id: str
    name: str
    description: str
    created_at: str
    api_key_ids: list[str] = []


class FileRow(msgspec.Struct, kw_only=True, frozen=True):
    """One stored file of a dataset."""

    blob_key: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str | None = None
    step_index: int | None = None


def _new_id() -> str:
    return str(uuid.uuid4())


# -- projects ---------------------------------------------------------------------------------


async def _project_row(conn: AsyncConnection, tenant_id: str, name: str) -> Any:
    row = (
        await conn.execute(
            sa.select(t.projects).where(t.projects.c.tenant_id == tenant_id, t.projects.c.name == name)
        )
    ).first()
    if row is None:
        raise error(404, Code.PROJECT_NOT_FOUND, f"no project named {name!r}", details={"project_name": name})
    return row


async def create_project(db: Database, tenant_id: str, name: str, description: str, *, actor: str) -> Project:
    async with db.begin() as conn:
        exists = (
            await conn.execute(
                sa.select(t.projects.c.id).where(
                    t.projects.c.tenant_id == tenant_id, t.projects.c.name == name
                )
            )
        ).first()
        if exists is not None:
            raise error(
                409, Code.PROJECT_EXISTS, f"project {name!r} already exists", details={"project_name": name}
            )
        now = utcnow()
        project_id = _new_id()
        await conn.execute(
            t.projects.insert().values(
                id=project_id, tenant_id=tenant_id, name=name, description=description, created_at=now
            )
        )
        await db.audit(
            conn,
            actor=actor,
            action="audio_engine.project.create",
            tenant_id=tenant_id,
            module_id="audio_engine",
            target=name,
        )
    return Project(id=project_id, name=name, description=description, created_at=now.isoformat())


async def list_projects(db: Database, tenant_id: str) -> list[Project]:
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(t.projects).where(t.projects.c.tenant_id == tenant_id).order_by(t.projects.c.name)
            )
        ).all()
        keys = (
            await conn.execute(
                sa.select(t.project_keys.c.project_id, t.project_keys.c.api_key_id)
                .where(t.project_keys.c.tenant_id == tenant_id)
                .order_by(t.project_keys.c.api_key_id)
            )
        ).all()
    by_project: dict[str, list[str]] = {}
    for key in keys:
        by_project.setdefault(key.project_id, []).append(key.api_key_id)
    return [
        Project(
            id=r.id,
            name=r.name,
            description=r.description,
            created_at=r.created_at.isoformat(),
            api_key_ids=by_project.get(r.id, []),
        )
        for r in rows
    ]


async def delete_project(db: Database, tenant_id: str, name: str, *, actor: str) -> None:
    """Remove a project and its key grants; its past tasks stay (they name it by id and name)."""
    async with db.begin() as conn:
        row = await _project_row(conn, tenant_id, name)
        await conn.execute(t.project_keys.delete().where(t.project_keys.c.project_id == row.id))
        await conn.execute(t.projects.delete().where(t.projects.c.id == row.id))
        await db.audit(
            conn,
            actor=actor,
            action="audio_engine.project.delete",
            tenant_id=tenant_id,
            module_id="audio_engine",
            target=name,
        )


async def grant_key(db: Database, tenant_id: str, name: str, api_key_id: str, *, actor: str) -> None:
    """Allow a host API key of the same tenant to run pipelines for the project (idempotent)."""
    async with db.begin() as conn:
        row = await _project_row(conn, tenant_id, name)
        key = (
            await conn.execute(
                sa.select(host_tables.api_keys.c.id).where(
                    host_tables.api_keys.c.id == api_key_id, host_tables.api_keys.c.tenant_id == tenant_id
                )
            )
        ).first()
        if key is None:
            raise error(
                404,
                Code.API_KEY_NOT_FOUND,
                f"no API key {api_key_id!r} in this tenant",
                details={"api_key_id": api_key_id},
            )
        granted = (
            await conn.execute(
                sa.select(t.project_keys.c.api_key_id).where(
                    t.project_keys.c.project_id == row.id, t.project_keys.c.api_key_id == api_key_id
                )
            )
        ).first()
        if granted is None:
            await conn.execute(
                t.project_keys.insert().values(
                    project_id=row.id, api_key_id=api_key_id, tenant_id=tenant_id, created_at=utcnow()
                )
            )
            await db.audit(
                conn,
                actor=actor,
                action="audio_engine.project.grant_key",
                tenant_id=tenant_id,
                module_id="audio_engine",
                target=name,
                details={"api_key_id": api_key_id},
            )


async def revoke_key(db: Database, tenant_id: str, name: str, api_key_id: str, *, actor: str) -> None:
    async with db.begin() as conn:
        row = await _project_row(conn, tenant_id, name)
        result = await conn.execute(
            t.project_keys.delete().where(
                t.project_keys.c.project_id == row.id,
                t.project_keys.c.api_key_id == api_key_id,
                t.project_keys.c.tenant_id == tenant_id,
            )
        )
        if result.rowcount == 0:
            raise error(
                404,
                Code.API_KEY_NOT_FOUND,
                f"API key {api_key_id!r} has no access to project {name!r}",
                details={"api_key_id": api_key_id, "project_name": name},
            )
        await db.audit(
            conn,
            actor=actor,
            action="audio_engine.project.revoke_key",
            tenant_id=tenant_id,
            module_id="audio_engine",
            target=name,
            details={"api_key_id": api_key_id},
        )


async def project_for_key(db: Database, tenant_id: str, name: str, api_key_id: str | None) -> str | None:
    """The project's id when ``api_key_id`` may use it, else ``None`` (no such project or no grant)."""
    if api_key_id is None:
        return None
    async with db.connect() as conn:
        row = (
            await conn.execute(
                sa.select(t.projects.c.id)
                .join(t.project_keys, t.project_keys.c.project_id == t.projects.c.id)
                .where(
                    t.projects.c.tenant_id == tenant_id,
                    t.projects.c.name == name,
                    t.project_keys.c.api_key_id == api_key_id,
                )
            )
        ).first()
    return None if row is None else str(row.id)


# -- tasks, datasets, files ---------------------------------------------------------------------


async def create_task(
    db: Database,
    *,
    tenant_id: str,
    project_id: str,
    project_name: str,
    user_id: str,
    api_key_id: str | None,
    user_email: str,
    provider: str,
    components: list[dict[str, Any]],
) -> str:
    task_id = _new_id()
    async with db.begin() as conn:
        await conn.execute(
            t.tasks.insert().values(
                id=task_id,
                tenant_id=tenant_id,
                project_id=project_id,
                project_name=project_name,
                user_id=user_id,
                api_key_id=api_key_id,
                user_email=user_email,
                provider=provider,
                status="RUNNING",
                components=components,
                created_at=utcnow(),
            )
        )
    return task_id


async def add_dataset(
    db: Database, *, tenant_id: str, task_id: str, kind: Literal["INPUT", "OUTPUT"], files: list[FileRow]
) -> str:
    """One dataset of a task with its file records; INPUT is position 0, OUTPUT position 1."""
    dataset_id = _new_id()
    now = utcnow()
    async with db.begin() as conn:
        await conn.execute(
            t.datasets.insert().values(
                id=dataset_id,
                tenant_id=tenant_id,
                task_id=task_id,
                kind=kind,
                position=0 if kind == "INPUT" else 1,
                created_at=now,
            )
        )
        if files:
            await conn.execute(
                t.files.insert(),
                [
                    {
                        "id": _new_id(),
                        "tenant_id": tenant_id,
                        "dataset_id": dataset_id,
                        "position": i,
                        "created_at": now,
                        **msgspec.structs.asdict(f),
                    }
                    for i, f in enumerate(files)
                ],
            )
    return dataset_id


async def finish_task(
    db: Database,
    tenant_id: str,
    task_id: str,
    status: TaskStatus,
    *,
    result: dict[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> None:
    async with db.begin() as conn:
        await conn.execute(
            t.tasks.update()
            .where(t.tasks.c.id == task_id, t.tasks.c.tenant_id == tenant_id)
            .values(
                status=status,
                result=result,
                error_code=error_code,
                error_message=error_message,
                finished_at=utcnow(),
            )
        )


async def get_task(db: Database, tenant_id: str, task_id: str) -> dict[str, Any]:
    """A task with its datasets and files (tests and admin inspection); 404 across tenants."""
    async with db.connect() as conn:
        task = (
            await conn.execute(
                sa.select(t.tasks).where(t.tasks.c.id == task_id, t.tasks.c.tenant_id == tenant_id)
            )
        ).first()
        if task is None:
            raise error(404, Code.TASK_NOT_FOUND, f"no task {task_id!r}", details={"task_id": task_id})
        sets = (
            await conn.execute(
                sa.select(t.datasets)
                .where(t.datasets.c.task_id == task_id, t.datasets.c.tenant_id == tenant_id)
                .order_by(t.datasets.c.position)
            )
        ).all()
        rows = (
            await conn.execute(
                sa.select(t.files)
                .where(t.files.c.dataset_id.in_([d.id for d in sets]), t.files.c.tenant_id == tenant_id)
                .order_by(t.files.c.position)
            )
        ).all()
    files_by_set: dict[str, list[dict[str, Any]]] = {}
    for f in rows:
        files_by_set.setdefault(f.dataset_id, []).append(
            {
                "blob_key": f.blob_key,
                "filename": f.filename,
                "content_type": f.content_type,
                "size_bytes": f.size_bytes,
                "sha256": f.sha256,
                "step_index": f.step_index,
            }
        )
    return {
        "id": task.id,
        "status": task.status,
        "project_name": task.project_name,
        "user_email": task.user_email,
        "user_id": task.user_id,
        "provider": task.provider,
        "components": task.components,
        "result": task.result,
        "error_code": task.error_code,
        "error_message": task.error_message,
        "created_at": task.created_at.isoformat(),
        "finished_at": task.finished_at.isoformat() if task.finished_at else None,
        "datasets": [{"id": d.id, "kind": d.kind, "files": files_by_set.get(d.id, [])} for d in sets],
    }
