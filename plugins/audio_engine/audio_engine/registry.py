"""The component registry: what a ``component_id`` means, how to validate its params, how to run it.

Built-in components and those other plugins add through ``scaigrid_audio_engine_components``
are registered the same way, as :class:`Component` records; a duplicate id fails start-up
naming both providers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec
from scaigrid.errors import StartupError

__all__ = [
    "Component",
    "ComponentRegistry",
    "ComponentResult",
    "InputFile",
    "PoolKind",
    "StepInput",
]

PoolKind = Literal["thread", "process"]


@dataclass(frozen=True)
class InputFile:
    """One uploaded file as a component sees it: a local, soundfile-readable path."""

    path: Path
    filename: str


@dataclass(frozen=True)
class StepInput:
    """What a component handler receives besides its params.

    ``working_path`` is the audio the previous audio-producing step left (the first
    upload at the start). ``inputs`` are all uploads in request order. New files go in
    ``work_dir`` (removed after the request). ``resources`` holds the loaded models the
    component declared in ``Component.needs`` / ``optional_needs`` (absent optional ones
    are missing from the mapping).
    """

    working_path: Path
    inputs: tuple[InputFile, ...]
    work_dir: Path
    index: int
    resources: Mapping[str, Any] = field(default_factory=dict)

    def output_path(self, name: str, suffix: str = ".wav") -> Path:
        """A fresh path in ``work_dir`` for this step's output, unique across steps."""
        return self.work_dir / f"step{self.index:02d}_{name}{suffix}"


class ComponentResult(msgspec.Struct, kw_only=True):
    """What a handler returns.

    ``output_path`` is the new working audio (or the unchanged one for a passthrough);
    ``output_paths`` lists several outputs (slices, channels); ``metrics`` is any
    JSON-ready object. At least one of them is set.
    """

    output_path: str | None = None
    output_paths: list[str] | None = None
    metrics: dict[str, Any] | None = None


Handler = Callable[[StepInput, Any], ComponentResult]


class Component(msgspec.Struct, kw_only=True, frozen=True):
    """One pipeline component.

    ``params`` is a ``msgspec.Struct`` type declared with ``forbid_unknown_fields=True``;
    ranges live in its ``msgspec.Meta`` annotations. ``handler(step, params)`` is a
    blocking function the engine runs in its thread pool or, for ``pool="process"``, in
    its process pool (then it must be importable at module level and need no resources).
    ``must_be_last(params)`` says whether this entry must end the pipeline; ``min_files``
    is how many uploads the request needs when the component appears anywhere.
    ``needs`` names resources that must be available (``"vad"``, ``"speaker_embedding"``);
    ``optional_needs`` are used when present (``"transcriber"``).
    """

    id: str
    params: type[msgspec.Struct]
    handler: Handler
    produces_audio: bool
    produces_metrics: bool
    pool: PoolKind = "thread"
    needs: tuple[str, ...] = ()
    optional_needs: tuple[str, ...] = ()
    min_files: int = 1
    must_be_last: Callable[[Any], bool] | None = None
    description: str = ""

    def requires_last(self, params: Any) -> bool:
        return self.must_be_last is not None and bool(self.must_be_last(params))


class ComponentRegistry:
    """Components by id, plus the ids the API knows but this deployment cannot run (501)."""

    def __init__(self, known_ids: Iterable[str] = ()) -> None:
        self._components: dict[str, Component] = {}
        self._providers: dict[str, str] = {}
        self._known = set(known_ids)

    def register(self, component: Component, *, provider: str = "audio_engine") -> None:
        """Add one component; a duplicate id or an unusable record is a start-up error."""
        if not isinstance(component, Component):
            raise StartupError(
                f"{provider} registered {type(component).__name__} as an audio_engine component;"
                " expected audio_engine.registry.Component"
            )
        if component.id in self._components:
            raise StartupError(
                f"audio_engine component {component.id!r} is registered by both "
                f"{self._providers[component.id]} and {provider}"
            )
        if not (isinstance(component.params, type) and issubclass(component.params, msgspec.Struct)):
            raise StartupError(f"component {component.id!r} from {provider}: params must be a msgspec.Struct")
        if not component.params.__struct_config__.forbid_unknown_fields:
            raise StartupError(
                f"component {component.id!r} from {provider}: params must forbid unknown fields"
            )
        if component.pool == "process" and component.needs:
            raise StartupError(
                f"component {component.id!r} from {provider}: a process-pool component cannot need "
                f"in-process resources {component.needs}"
            )
        if not (component.produces_audio or component.produces_metrics):
            raise StartupError(
                f"component {component.id!r} from {provider}: produces neither audio nor metrics"
            )
        self._components[component.id] = component
        self._providers[component.id] = provider

    def get(self, component_id: str) -> Component | None:
        return self._components.get(component_id)

    def is_known(self, component_id: str) -> bool:
        """True for ids the API accepts: registered ones and the canonical catalog."""
        return component_id in self._components or component_id in self._known

    def provider(self, component_id: str) -> str | None:
        return self._providers.get(component_id)

    @property
    def ids(self) -> list[str]:
        return sorted(self._components)

    def __iter__(self) -> Iterator[Component]:
        return iter(self._components.values())

    def __len__(self) -> int:
        return len(self._components)

    def __contains__(self, component_id: object) -> bool:
        return component_id in self._components
