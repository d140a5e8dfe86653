"""Python services modules offer each other (``platform.services.get(name, Protocol)``).

A module registers a :class:`~scaigrid.records.ServiceSpec` in its
``scaigrid_services`` hook, naming the ``typing.Protocol`` it publishes for the
service; the host checks the provider against it at start-up. Another module
looks the service up by name and Protocol at call time and gets a typed object,
so it never reaches into the provider's internals and keeps working (with a
coded 503) when the provider is not loaded.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, TypeVar, overload

from typing_extensions import get_protocol_members, is_protocol

from scaigrid.errors import ScaigridError, StartupError
from scaigrid.records import ServiceSpec

__all__ = ["ServiceRegistry", "protocol_mismatches"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
P = TypeVar("P")


def protocol_mismatches(provider: object, protocol: type) -> list[str]:
    """What ``provider`` lacks to satisfy ``protocol``: missing members, non-callables, sync for async."""
    problems: list[str] = []
    for member in sorted(get_protocol_members(protocol)):
        declared = getattr(protocol, member, None)
        if not hasattr(provider, member):
            problems.append(f"missing {member}")
            continue
        actual = getattr(provider, member)
        if callable(declared) and not isinstance(declared, type):
            if not callable(actual):
                problems.append(f"{member} is not callable")
            elif inspect.iscoroutinefunction(declared) and not inspect.iscoroutinefunction(actual):
                problems.append(f"{member} must be async")
    return problems


class ServiceRegistry:
    """Every registered service by name; a name has exactly one provider module."""

    def __init__(self) -> None:
        self._specs: dict[str, ServiceSpec] = {}
        self._providers: dict[str, str] = {}
        self._checked: set[tuple[str, type]] = set()

    def register(self, spec: ServiceSpec, provider_module: str) -> None:
        """Add a service; a bad name, a second provider or a provider that does not satisfy its
        Protocol fails start-up naming the module."""
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
        if spec.protocol is not None:
            if not is_protocol(spec.protocol):
                raise StartupError(
                    f"module {provider_module!r} service {spec.name!r}: protocol "
                    f"{spec.protocol.__name__} is not a typing.Protocol"
                )
            problems = protocol_mismatches(spec.provider, spec.protocol)
            if problems:
                raise StartupError(
                    f"module {provider_module!r} service {spec.name!r} does not satisfy its protocol "
                    f"{spec.protocol.__name__}: {'; '.join(problems)}"
                )
            self._checked.add((spec.name, spec.protocol))
        self._specs[spec.name] = spec
        self._providers[spec.name] = provider_module

    @overload
    def get(self, name: str) -> Any: ...

    @overload
    def get(self, name: str, protocol: type[P]) -> P: ...

    def get(self, name: str, protocol: type[Any] | None = None) -> Any:
        """The service's provider, typed as ``protocol`` when given.

        An unknown name is a 503 listing the registered names; a provider that does
        not satisfy ``protocol`` (a version mismatch between modules) is a 503 naming
        what is missing. Pass the provider's published Protocol: it was checked at
        start-up, so the check here is a set lookup.
        """
        spec = self._specs.get(name)
        if spec is None:
            known = self.names()
            raise ScaigridError(
                503,
                "SERVICE_UNAVAILABLE",
                f"service {name!r} is not available; registered services: {', '.join(known) or 'none'}",
                details={"service": name, "registered": known},
            )
        if protocol is not None and (name, protocol) not in self._checked:
            problems = protocol_mismatches(spec.provider, protocol)
            if problems:
                raise ScaigridError(
                    503,
                    "SERVICE_INCOMPATIBLE",
                    f"service {name!r} of module {self._providers[name]!r} does not satisfy "
                    f"{protocol.__name__}: {'; '.join(problems)}",
                    details={"service": name, "problems": problems},
                )
            self._checked.add((name, protocol))
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
