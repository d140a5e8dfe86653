"""A third-party plugin for the tests: a module that adds components through the Audio Engine's hook.

``test_sleep`` blocks for ``seconds`` (admission and timeout tests) and signals when it starts;
``test_fail`` raises an unexpected error (500 bookkeeping); ``test_gain`` makes audio.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

import msgspec
from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from scaigrid.hookspecs import hookimpl
from scaigrid.records import ModuleInfo

STARTED = threading.Event()


class SleepParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    seconds: Annotated[float, msgspec.Meta(ge=0, le=30)] = 0.0


class GainParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    factor: Annotated[float, msgspec.Meta(gt=0, le=4)] = 0.5


class NoParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


def sleep(step: StepInput, params: SleepParams) -> ComponentResult:
    STARTED.set()
    time.sleep(params.seconds)
    return ComponentResult(metrics={"slept": params.seconds})


def fail(step: StepInput, params: NoParams) -> ComponentResult:
    raise RuntimeError("the test component broke")


def gain(step: StepInput, params: GainParams) -> ComponentResult:
    data, sr = audiofile.read(step.working_path)
    out = audiofile.write(step.output_path("gain"), data * params.factor, sr)
    return ComponentResult(output_path=str(out))


class ExtPlugin:
    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        return ModuleInfo(id="ae_ext", version="1.0.0", prefix="/v1/modules/ae_ext")

    @hookimpl
    def scaigrid_audio_engine_components(self, register: Any) -> None:
        register(
            Component(
                id="test_sleep",
                params=SleepParams,
                handler=sleep,
                produces_audio=False,
                produces_metrics=True,
            )
        )
        register(
            Component(
                id="test_fail", params=NoParams, handler=fail, produces_audio=False, produces_metrics=True
            )
        )
        register(
            Component(
                id="test_gain", params=GainParams, handler=gain, produces_audio=True, produces_metrics=False
            )
        )


class ConflictPlugin:
    @hookimpl
    def scaigrid_module(self) -> ModuleInfo:
        return ModuleInfo(id="ae_conflict", version="1.0.0", prefix="/v1/modules/ae_conflict")

    @hookimpl
    def scaigrid_audio_engine_components(self, register: Any) -> None:
        register(
            Component(
                id="noise_reduce", params=NoParams, handler=fail, produces_audio=True, produces_metrics=False
            )
        )
