"""The component registry: what it accepts, what stops start-up, and the built-in catalog."""

from __future__ import annotations

import msgspec
import pytest
from audio_engine.components import builtin_components
from audio_engine.constants import ALL_COMPONENT_IDS
from audio_engine.registry import Component, ComponentRegistry, ComponentResult
from scaigrid.errors import StartupError


class Params(msgspec.Struct, forbid_unknown_fields=True):
    pass


class LooseParams(msgspec.Struct):
    pass


def _handler(step, params) -> ComponentResult:
    return ComponentResult(metrics={})


def _component(**kw) -> Component:
    values = {
        "id": "x",
        "params": Params,
        "handler": _handler,
        "produces_audio": False,
        "produces_metrics": True,
    }
    values.update(kw)
    return Component(**values)


def test_builtins_cover_the_catalog_with_strict_params() -> None:
    registry = ComponentRegistry(known_ids=ALL_COMPONENT_IDS)
    for comp in builtin_components():
        registry.register(comp)
    assert sorted(registry.ids) == sorted(ALL_COMPONENT_IDS)
    for comp in registry:
        comp.params()  # every param has a default: `{}` is always valid
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"no_such_param": 1}, comp.params)


def test_duplicate_ids_name_both_providers() -> None:
    registry = ComponentRegistry()
    registry.register(_component(), provider="first")
    with pytest.raises(StartupError, match="'x' is registered by both first and second"):
        registry.register(_component(), provider="second")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"params": LooseParams}, "forbid unknown fields"),
        ({"params": dict}, "msgspec.Struct"),
        ({"pool": "process", "needs": ("vad",)}, "process-pool component cannot need"),
        ({"produces_metrics": False}, "produces neither"),
    ],
)
def test_unusable_components_stop_start_up(kw, message: str) -> None:
    with pytest.raises(StartupError, match=message):
        ComponentRegistry().register(_component(**kw), provider="p")


def test_register_rejects_other_records() -> None:
    with pytest.raises(StartupError, match=r"expected audio_engine\.registry\.Component"):
        ComponentRegistry().register({"id": "x"}, provider="p")  # type: ignore[arg-type]


def test_known_but_unregistered() -> None:
    registry = ComponentRegistry(known_ids=["future"])
    assert registry.is_known("future") and registry.get("future") is None and "future" not in registry
