"""The pipeline executor: runs validated steps in order on temp files, each in its pool.

For audio-producing steps, the output of step ``i`` is the working input of step
``i + 1``. The executor knows nothing about HTTP, tasks or blobs; it returns every
step's result and the final working file.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
from scaigrid.errors import ScaigridError

from audio_engine.errors import Code, error
from audio_engine.registry import ComponentResult, InputFile, StepInput
from audio_engine.resources import ResourceProvider
from audio_engine.validation import PlannedStep

__all__ = ["PipelineOutcome", "StepExecutor", "StepOutcome", "run_pipeline"]


class StepOutcome(msgspec.Struct, frozen=True):
    index: int
    component_id: str
    result: ComponentResult


class PipelineOutcome(msgspec.Struct, frozen=True):
    steps: list[StepOutcome]
    final_path: str
    """The working audio after the last step (the first output of a multi-output last step)."""


def _call(handler: Any, step: StepInput, params: Any) -> ComponentResult:
    """Top-level so the process pool can pickle it by reference."""
    result: ComponentResult = handler(step, params)
    return result


class StepExecutor:
    """The thread pool and the (lazily started) process pool components run in."""

    def __init__(self, *, thread_workers: int, process_workers: int) -> None:
        self._threads = ThreadPoolExecutor(thread_workers, thread_name_prefix="audio-engine")
        self._process_workers = process_workers
        self._processes: ProcessPoolExecutor | None = None

    def _pool(self, kind: str) -> Executor:
        if kind != "process" or self._process_workers == 0:
            return self._threads
        if self._processes is None:
            # spawn, not fork: the parent holds torch threads and an event loop a fork would copy.
            self._processes = ProcessPoolExecutor(
                self._process_workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._processes

    async def run(self, step: PlannedStep, step_input: StepInput) -> ComponentResult:
        loop = asyncio.get_running_loop()
        pool = self._pool(step.component.pool)
        return await loop.run_in_executor(pool, _call, step.component.handler, step_input, step.params)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            # Idle workers exit at once; waiting lets them release their semaphores cleanly.
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None


async def _resources(step: PlannedStep, provider: ResourceProvider) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in step.component.needs:
        value = await provider.get(name)
        if value is None:
            raise error(
                503,
                Code.NOT_READY,
                f"{step.component_id} needs the {name!r} resource, which this deployment does not provide",
                details={"index": step.index, "component_id": step.component_id, "resource": name},
            )
        found[name] = value
    for name in step.component.optional_needs:
        value = await provider.get(name)
        if value is not None:
            found[name] = value
    return found


def _check_result(step: PlannedStep, result: Any) -> ComponentResult:
    if not isinstance(result, ComponentResult) or (
        result.output_path is None and not result.output_paths and result.metrics is None
    ):
        raise error(
            500,
            Code.COMPONENT_FAILED,
            f"{step.component_id} returned no output_path, output_paths or metrics",
            details={"index": step.index, "component_id": step.component_id},
        )
    return result


async def run_pipeline(
    steps: list[PlannedStep],
    inputs: list[InputFile],
    work_dir: Path,
    *,
    executor: StepExecutor,
    resources: ResourceProvider,
) -> PipelineOutcome:
    """Run ``steps`` in order; a component's coded error keeps its status, anything else is 500."""
    working = inputs[0].path
    outcomes: list[StepOutcome] = []
    for step in steps:
        step_input = StepInput(
            working_path=working,
            inputs=tuple(inputs),
            work_dir=work_dir,
            index=step.index,
            resources=await _resources(step, resources),
        )
        try:
            result = _check_result(step, await executor.run(step, step_input))
        except ScaigridError:
            raise
        except Exception as exc:
            raise error(
                500,
                Code.COMPONENT_FAILED,
                f"{step.component_id} (step {step.index}) failed: {type(exc).__name__}: {exc}",
                details={"index": step.index, "component_id": step.component_id},
            ) from exc
        outcomes.append(StepOutcome(index=step.index, component_id=step.component_id, result=result))
        if result.output_path is not None:
            working = Path(result.output_path)
        elif result.output_paths:
            working = Path(result.output_paths[0])
    return PipelineOutcome(steps=outcomes, final_path=str(working))
