"""What a module's hooks receive: its own typed context, and through it the shared platform.

``ModuleContext[SettingsT, StateT]`` is the one slot a module keeps its things in:
``settings`` (its typed settings record, read and validated at start-up) and
``state`` (whatever ``scaigrid_setup`` returned: the module's services, stores,
caches, pools). Nothing a module holds lives in a global; two hosts in one
process (a test, a restart) never see each other's state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from scaigrid.errors import ServiceUnavailable
from scaigrid.records import ModuleInfo

if TYPE_CHECKING:
    from scaigrid.platform import Platform

__all__ = ["AnyModule", "ModuleContext", "SettingsT", "StateT"]

SettingsT = TypeVar("SettingsT", default=object)
"""The module's settings record (``ModuleSettings.type``), ``None`` when it declares none."""

StateT = TypeVar("StateT", default=object)
"""What the module's ``scaigrid_setup`` hook returned (``None`` when it has none)."""


@dataclass(eq=False)
class ModuleContext(Generic[SettingsT, StateT]):
    """One loaded module, as its hooks and route handlers see it.

    A module types its own context once and uses it everywhere::

        Module = ModuleContext[HelloSettings, HelloState]

        @get("/hello")
        async def hello(module: Module) -> dict[str, str]:
            return {"data": module.state.greeter.greet(module.settings.greeting)}

    ``platform`` exists once the host has built it (before ``scaigrid_setup``);
    ``state`` once ``scaigrid_setup`` has run (before any other hook but
    ``scaigrid_module``, ``scaigrid_settings`` and ``scaigrid_hookspecs``).
    """

    id: str
    info: ModuleInfo
    settings: SettingsT
    distribution: str | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("scaigrid.module"))
    # Typed Any so dependency injection can introspect this dataclass without importing the platform.
    _platform: Any = None
    _state: Any = None
    _has_state: bool = False

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            raise ServiceUnavailable(f"module {self.id} is not started yet", code="NOT_STARTED")
        platform: Platform = self._platform
        return platform

    @property
    def state(self) -> StateT:
        """The module's state from ``scaigrid_setup``; a coded 503 before setup ran."""
        if not self._has_state:
            raise ServiceUnavailable(f"module {self.id} is not set up yet", code="NOT_STARTED")
        state: StateT = self._state
        return state

    @property
    def has_state(self) -> bool:
        return self._has_state

    def attach(self, platform: Platform) -> None:
        self._platform = platform
        self.log = logging.getLogger(f"scaigrid.modules.{self.id}")

    def set_state(self, state: object) -> None:
        """Called by the host with ``scaigrid_setup``'s result (and with ``None`` at teardown)."""
        self._state = state
        self._has_state = state is not None

    def __repr__(self) -> str:
        return f"ModuleContext(id={self.id!r})"


AnyModule = ModuleContext[Any, Any]
"""A context whose settings and state types the caller does not know (the host's own view)."""
