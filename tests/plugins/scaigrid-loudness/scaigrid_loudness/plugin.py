"""Hook implementations of ``loudness``, in the order the host calls them."""

from __future__ import annotations

from collections.abc import Callable

from scaigrid import BackendSpec, JobHandler, ModuleContext, ModuleInfo, ModuleSettings, ServiceSpec, hookimpl

from scaigrid_loudness.backend import CAPABILITY, RmsMeter
from scaigrid_loudness.contracts import METER, LoudnessMeter
from scaigrid_loudness.jobs import measure_job
from scaigrid_loudness.routes import create, read, stats
from scaigrid_loudness.state import LoudnessSettings, LoudnessState, Meter, Module


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id="loudness",
        version="1.0.0",
        prefix="/v1/modules/loudness",
        description="How loud is a recording?",
        permissions=("loudness:measure",),
        member_permissions=("loudness:measure",),
    )


@hookimpl
def scaigrid_settings() -> ModuleSettings:
    return ModuleSettings(type=LoudnessSettings, prefix="LOUDNESS_")


@hookimpl
def scaigrid_setup(module: ModuleContext[LoudnessSettings, None]) -> LoudnessState:
    return LoudnessState(meter=Meter(module.platform, module.settings.backend))


@hookimpl
def scaigrid_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(capability=CAPABILITY, name="rms", kind="A", factory=lambda platform: RmsMeter()))


@hookimpl
def scaigrid_services(register: Callable[[ServiceSpec], None], module: Module) -> None:
    register(ServiceSpec(name=METER, provider=module.state.meter, protocol=LoudnessMeter))


@hookimpl
def scaigrid_jobs(register: Callable[[JobHandler], None], module: Module) -> None:
    register(measure_job(module))


@hookimpl
def scaigrid_routes() -> list[object]:
    return [create, read, stats]


@hookimpl
def scaigrid_startup(module: Module) -> None:
    module.platform.backends.require(CAPABILITY, module.settings.backend, setting="LOUDNESS_BACKEND")
