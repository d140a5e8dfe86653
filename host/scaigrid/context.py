"""What a module's hooks receive: its own context, and through it the shared platform."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scaigrid.errors import ServiceUnavailable
from scaigrid.records import ModuleInfo

if TYPE_CHECKING:
    from scaigrid.platform import Platform

__all__ = ["ModuleContext"]


@dataclass(eq=False)
class ModuleContext:
    """One loaded module, as its hooks and route handlers see it.

    ``settings`` is the module's typed settings record (or ``None`` when it
    declares none). ``platform`` exists once the app or worker has started.
    """

    id: str
    info: ModuleInfo
    settings: Any = None
    distribution: str | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("scaigrid.module"))
    # Typed Any so dependency injection can introspect this dataclass without importing the platform.
    _platform: Any = None

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            raise ServiceUnavailable(f"module {self.id} is not started yet", code="NOT_STARTED")
        platform: Platform = self._platform
        return platform

    def attach(self, platform: Platform) -> None:
        self._platform = platform
        self.log = logging.getLogger(f"scaigrid.modules.{self.id}")
