"""One pipeline request after validation: Task, INPUT dataset, blobs, steps, outputs, response.

Everything from the Task's creation on is bookkept: a failure marks the Task FAILED with
its code before the error reaches the client.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform

from audio_engine import blob_keys, rows
from audio_engine.engine import AudioEngine
from audio_engine.errors import Code, error
from audio_engine.pipeline import PipelineOutcome, run_pipeline
from audio_engine.registry import InputFile
from audio_engine.validation import PlannedStep

__all__ = ["PreparedInput", "RunRequest", "execute"]

_WAV = "audio/wav"


class PreparedInput(msgspec.Struct, frozen=True, kw_only=True):
    """One upload: the spooled original (stored as is) and the file the steps read."""

    original: Path
    working: Path
    filename: str
    content_type: str
    sha256: str


class RunRequest(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    user_id: str
    api_key_id: str | None
    project_id: str
    project_name: str
    user_email: str
    provider: str
    steps: list[PlannedStep]
    inputs: list[PreparedInput]
    work_dir: Path


async def execute(engine: AudioEngine, platform: Platform, req: RunRequest) -> dict[str, Any]:
    """Run the request under ``AUDIO_ENGINE_REQUEST_TIMEOUT``; the response body on success."""
    executor = engine.require_started()
    db, blobs = platform.db, platform.blobs
    task_id = await rows.create_task(
        db,
        tenant_id=req.tenant_id,
        project_id=req.project_id,
        project_name=req.project_name,
        user_id=req.user_id,
        api_key_id=req.api_key_id,
        user_email=req.user_email,
        provider=req.provider,
        components=[{"component_id": s.component_id, "params": s.raw_params} for s in req.steps],
    )
    try:
        async with asyncio.timeout(engine.settings.request_timeout):
            body = await _run(engine, executor, blobs, db, req, task_id)
    except TimeoutError:
        err = error(
            504,
            Code.TIMEOUT,
            f"the pipeline exceeded AUDIO_ENGINE_REQUEST_TIMEOUT ({engine.settings.request_timeout:g} s)",
            details={"task_id": task_id},
        )
        await rows.finish_task(
            db, req.tenant_id, task_id, "FAILED", error_code=err.code, error_message=err.message
        )
        raise err from None
    except ScaigridError as exc:
        exc.details.setdefault("task_id", task_id)
        await rows.finish_task(
            db, req.tenant_id, task_id, "FAILED", error_code=exc.code, error_message=exc.message
        )
        raise
    except Exception as exc:
        err = error(
            500,
            Code.COMPONENT_FAILED,
            f"pipeline failed: {type(exc).__name__}: {exc}",
            details={"task_id": task_id},
        )
        await rows.finish_task(
            db, req.tenant_id, task_id, "FAILED", error_code=err.code, error_message=err.message
        )
        raise err from exc
    return body


async def _stored(coro: Any, what: str) -> Any:
    try:
        return await coro
    except ScaigridError as exc:
        raise error(500, Code.STORAGE_FAILED, f"could not store {what}: {exc.message}") from exc
    except Exception as exc:
        raise error(500, Code.STORAGE_FAILED, f"could not store {what}: {type(exc).__name__}: {exc}") from exc


async def _run(
    engine: AudioEngine, executor: Any, blobs: Any, db: Any, req: RunRequest, task_id: str
) -> dict[str, Any]:
    keys: dict[str, str] = {}
    input_rows: list[rows.FileRow] = []
    for i, item in enumerate(req.inputs):
        key = blob_keys.input_key(req.tenant_id, task_id, i, item.filename)
        row = await _stored(
            blob_keys.upload(
                blobs,
                key,
                item.original,
                filename=item.filename,
                content_type=item.content_type,
                sha256=item.sha256,
            ),
            f"input file {item.filename!r}",
        )
        input_rows.append(row)
        keys[str(item.original)] = keys[str(item.working)] = key
    dataset_ids = [
        await rows.add_dataset(db, tenant_id=req.tenant_id, task_id=task_id, kind="INPUT", files=input_rows)
    ]

    outcome = await run_pipeline(
        req.steps,
        [InputFile(path=item.working, filename=item.filename) for item in req.inputs],
        req.work_dir,
        executor=executor,
        resources=engine.resources,
    )

    output_rows: list[rows.FileRow] = []
    for step in outcome.steps:
        paths = ([step.result.output_path] if step.result.output_path else []) + list(
            step.result.output_paths or []
        )
        for path in paths:
            if path in keys:
                continue
            key = blob_keys.output_key(req.tenant_id, task_id, path)
            row = await _stored(
                blob_keys.upload(
                    blobs, key, Path(path), filename=Path(path).name, content_type=_WAV, step_index=step.index
                ),
                f"the output of step {step.index} ({step.component_id})",
            )
            output_rows.append(row)
            keys[path] = key
    if output_rows:
        dataset_ids.append(
            await rows.add_dataset(
                db, tenant_id=req.tenant_id, task_id=task_id, kind="OUTPUT", files=output_rows
            )
        )

    stored_result = _result(outcome, keys)
    await rows.finish_task(db, req.tenant_id, task_id, "COMPLETED", result=stored_result)
    ttl = engine.settings.signed_url_ttl_seconds
    signed = {
        key: await _stored(blobs.signed_url(key, expires_in=ttl), "a signed URL")
        for key in set(keys.values())
    }
    return {
        "status": "COMPLETED",
        "task_id": task_id,
        "dataset_ids": dataset_ids,
        "result": _with_urls(stored_result, signed),
    }


def _result(outcome: PipelineOutcome, keys: dict[str, str]) -> dict[str, Any]:
    """The result envelope with blob keys where the response will carry signed URLs."""
    components: list[dict[str, Any]] = []
    for step in outcome.steps:
        entry: dict[str, Any] = {"component_id": step.component_id}
        if step.result.output_path is not None:
            entry["output_key"] = keys[step.result.output_path]
        if step.result.output_paths is not None:
            entry["output_keys"] = [keys[p] for p in step.result.output_paths]
        if step.result.metrics is not None:
            entry["metrics"] = step.result.metrics
        components.append(entry)
    return {
        "component_ids": [s.component_id for s in outcome.steps],
        "components": components,
        "final_output_key": keys[outcome.final_path],
    }


def _with_urls(result: dict[str, Any], signed: dict[str, str]) -> dict[str, Any]:
    components = []
    for entry in result["components"]:
        out: dict[str, Any] = {"component_id": entry["component_id"]}
        if "output_key" in entry:
            out["output_url"] = signed[entry["output_key"]]
        if "output_keys" in entry:
            out["output_urls"] = [signed[k] for k in entry["output_keys"]]
        if "metrics" in entry:
            out["metrics"] = entry["metrics"]
        components.append(out)
    return {
        "component_ids": result["component_ids"],
        "components": components,
        "final_output_url": signed[result["final_output_key"]],
    }
