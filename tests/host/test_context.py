"""scaigrid/context.py and the state hooks: scaigrid_setup fills module.state, teardown releases it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar import get
from scaigrid import ModuleContext, ModuleInfo, hookimpl
from scaigrid.errors import ScaigridError
from scaigrid.records import ReadinessCheck

from tests.harness import Host


@dataclass
class CounterState:
    hits: int = 0
    events: list[str] = field(default_factory=list)


Module = ModuleContext[None, CounterState]


@get("/hit")
async def hit(module: Module) -> dict[str, int]:
    module.state.hits += 1
    return {"data": module.state.hits}


class Counter:
    __name__ = "counter"

    def __init__(self) -> None:
        self.states: list[CounterState] = []

    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        return ModuleInfo(id="counter", version="1.0.0", prefix="/v1/modules/counter")

    @hookimpl
    def scaigrid_setup(self, module: ModuleContext[None, None]) -> CounterState:
        state = CounterState(events=["setup"])
        self.states.append(state)
        return state

    @hookimpl
    def scaigrid_routes(self, module: Module) -> list[Any]:
        module.state.events.append("routes")  # contributions see the state
        return [hit]

    @hookimpl
    def scaigrid_startup(self, module: Module) -> None:
        module.state.events.append("startup")

    @hookimpl
    def scaigrid_shutdown(self, module: Module) -> None:
        module.state.events.append("shutdown")

    @hookimpl
    def scaigrid_teardown(self, module: Module) -> None:
        module.state.events.append("teardown")


def test_state_is_built_once_per_app_and_reached_by_routes(tmp_path: Path) -> None:
    plugin = Counter()
    with Host(tmp_path / "a", plugins=[plugin]) as host:
        assert host.client.get("/v1/modules/counter/hit").json() == {"data": 1}
        assert host.client.get("/v1/modules/counter/hit").json() == {"data": 2}
        assert host.platform.modules.get("counter").state is plugin.states[0]
    with Host(tmp_path / "b", plugins=[plugin]) as second:  # another app: its own state, no global
        assert second.client.get("/v1/modules/counter/hit").json() == {"data": 1}
    assert plugin.states[0].events == ["setup", "routes", "startup", "shutdown", "teardown"]
    assert len(plugin.states) == 2


def test_state_before_setup_is_a_coded_503() -> None:
    ctx = ModuleContext(id="x", info=ModuleInfo(id="x", version="1", prefix="/x"), settings=None)
    with pytest.raises(ScaigridError) as err:
        _ = ctx.state
    assert err.value.status_code == 503 and err.value.code == "NOT_STARTED"
    ctx.set_state(CounterState())
    assert ctx.has_state and isinstance(ctx.state, CounterState)


class AsyncSetup(Counter):
    @hookimpl
    async def scaigrid_setup(self, module: ModuleContext[None, None]) -> CounterState:  # type: ignore[override]
        return CounterState()


def test_an_async_setup_fails_the_module_not_the_host(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[AsyncSetup()]) as host:
        assert "scaigrid_setup must be a plain function" in host.platform.modules.failures["counter"].error
        assert host.client.get("/healthz").status_code == 200


class BadReadiness(Counter):
    @hookimpl
    def scaigrid_readiness(self) -> list[Any]:
        return ["not a check"]


def test_readiness_is_asked_once_at_start_up_and_checked_there(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[BadReadiness()]) as host:
        assert "not ReadinessCheck" in host.platform.modules.failures["counter"].error


class Ready(Counter):
    asked = 0

    @hookimpl
    def scaigrid_readiness(self) -> list[ReadinessCheck]:
        Ready.asked += 1

        async def ok() -> None:
            return None

        return [ReadinessCheck(name="ok", check=ok)]


def test_readyz_runs_the_checks_it_got_without_asking_again(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[Ready()]) as host:
        for _ in range(3):
            assert host.client.get("/readyz").json()["modules"]["counter"]["checks"] == {"ok": "ok"}
    assert Ready.asked == 1


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_trace_modules_logs_every_hook_call_with_its_duration(tmp_path: Path) -> None:
    # A handler on the trace logger itself: the migrations' logging set-up replaces root handlers.
    logger = logging.getLogger("scaigrid.trace")
    collect, level = _Collect(), logger.level
    logger.addHandler(collect)
    logger.setLevel(logging.INFO)
    try:
        with Host(tmp_path, plugins=[Counter()], trace_modules=True):
            pass
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
    hooks = (
        "scaigrid_setup",
        "scaigrid_routes",
        "scaigrid_startup",
        "scaigrid_shutdown",
        "scaigrid_teardown",
    )
    for hook in hooks:
        assert any(m.startswith(f"counter.{hook} ") and m.endswith(" ms") for m in collect.messages), hook
