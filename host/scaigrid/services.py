"""Python services modules offer each other (``platform.services.get("scaiecho.transcription")``).

A module registers a :class:`~scaigrid.records.ServiceSpec` in its
``scaigrid_services`` hook; another module looks it up by name at call time, so
it never imports the provider's package and keeps working (with a coded 503)
when the provider is not loaded.
"""

from __future__ import annotations

import re
from typing import Any

from scaigrid.errors import ScaigridError, StartupError
from scaigrid.records import ServiceSpec

__all__ = ["ServiceRegistry"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class ServiceRegistry:
    """Every registered service by name; a name has exactly one provider module."""

    def __init__(self) -> None:
        self._specs: dict[str, ServiceSpec] = {}
        self._providers: dict[str, str] = {}

    def register(self, spec: ServiceSpec, provider_module: str) -> None:
        """Add a service; a second provider of the same name fails start-up naming both modules."""
        if not _NAME.match(spec.name):
            raise StartupError(
                f"module {provider_module!r} registers service {spec.name!r}: names are "
                "'<module>.<service>' in lower case (e.g. 'scaiecho.transcription')"
            )
        if spec.name in self._specs:
            raise StartupError(
                f"service {spec.name!r} is provided by both module {self._providers[spec.name]!r} "
                f"and module {provider_module!r}; rename one of them"
            )
        self._specs[spec.name] = spec
        self._providers[spec.name] = provider_module

    def get(self, name: str) -> Any:
        """The service's provider object; an unknown name is a 503 listing the registered names."""
        spec = self._specs.get(name)
        if spec is None:
            known = self.names()
            raise ScaigridError(
                503,
                "SERVICE_UNAVAILABLE",
                f"service {name!r} is not available; registered services: {', '.join(known) or 'none'}",
                details={"service": name, "registered": known},
            )
        return spec.provider

    def spec(self, name: str) -> ServiceSpec:
        self.get(name)  # same error for an unknown name
        return self._specs[name]

    def provider_module(self, name: str) -> str:
        """The id of the module that registered ``name``."""
        self.get(name)
        return self._providers[name]

    def names(self) -> list[str]:
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs
