"""Typed records that cross the plugin boundary: what hooks return or ``register``.

Every record is a ``msgspec.Struct`` so the host can check it at start-up and
name the module that produced a bad one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from scaigrid.errors import ScaigridError

__all__ = [
    "BackendSpec",
    "EnvelopeSpec",
    "JobHandler",
    "McpTool",
    "MigrationsInfo",
    "ModuleInfo",
    "ModuleSettings",
    "ReadinessCheck",
    "ServiceSpec",
]

HOST_ENVELOPE = "scaigrid"
"""The host's own envelope, ``{"error": {"code", "message", "details"?, ...extra}}``; every other
envelope is registered by the module that uses it (``scaigrid_envelopes``)."""


class ModuleInfo(msgspec.Struct, kw_only=True, frozen=True):
    """Identity of a module, returned by ``scaigrid_module``.

    ``prefix`` is the URL prefix the module's router mounts at; it must be unique.
    ``permissions`` lists every permission string the module checks, each
    ``"<module>:<action>"``; ``member_permissions`` are the ones a plain tenant
    member gets by default (tenant admins get all of ``permissions``).
    """

    id: str
    version: str
    prefix: str
    description: str = ""
    permissions: tuple[str, ...] = ()
    member_permissions: tuple[str, ...] = ()
    envelope: str = HOST_ENVELOPE
    """Name of the error envelope of the module's routes: ``"scaigrid"`` or one the module
    registers in ``scaigrid_envelopes`` (a route may pick another with
    ``opt={"scaigrid_envelope": name}``)."""


class ModuleSettings(msgspec.Struct, kw_only=True, frozen=True):
    """A module's own settings type and the environment prefix it reads (``AUDIO_ENGINE_``)."""

    type: type[msgspec.Struct]
    prefix: str


class MigrationsInfo(msgspec.Struct, kw_only=True, frozen=True):
    """Where a module's alembic revisions live; the branch label must equal the module id."""

    version_location: str
    branch_label: str


class BackendSpec(msgspec.Struct, kw_only=True, frozen=True):
    """A model backend a module provides.

    ``factory`` is called lazily, once per process, the first time the backend is
    used; it receives the :class:`~scaigrid.platform.Platform` and returns the
    backend object. ``kind`` is ``"A"`` (self-hosted) or ``"B"`` (relay).
    """

    capability: str
    name: str
    kind: Literal["A", "B"]
    factory: Callable[[Any], Any]
    description: str = ""
    max_concurrency: int = 1
    idle_ttl_seconds: int | None = None
    """Overrides the host-wide idle unload TTL for this backend (0 = never unload)."""
    languages: tuple[str, ...] | None = None
    """Capability flag, declared so routing needs no load: the ISO 639-1 codes the backend
    handles (``("en",)`` for an English-only model); ``None`` = any."""
    can_stream: bool = False
    """Capability flag: fast enough on short chunks for live sessions."""


class JobHandler(msgspec.Struct, kw_only=True, frozen=True):
    """A durable job kind a module runs, in-process or in ``scaigrid worker`` processes.

    ``handler(job)`` is an async callable receiving a :class:`~scaigrid.jobs.JobContext`
    and returning a JSON-ready result (or ``None``).
    """

    kind: str
    handler: Callable[[Any], Awaitable[Any]]
    timeout_seconds: float = 3600.0
    max_attempts: int | None = None


class ReadinessCheck(msgspec.Struct, kw_only=True, frozen=True):
    """One readiness probe: ``check()`` returns normally when ready and raises otherwise."""

    name: str
    check: Callable[[], Awaitable[None]]


class McpTool(msgspec.Struct, kw_only=True, frozen=True):
    """A tool exposed to MCP clients on the host's ``/mcp`` endpoint.

    ``handler(principal, arguments)`` is async and returns a JSON-ready dict.
    """

    name: str
    description: str
    input_schema: dict[str, Any]
    handler: Callable[[Any, dict[str, Any]], Awaitable[dict[str, Any]]]
    permission: str | None = None


class EnvelopeSpec(msgspec.Struct, kw_only=True, frozen=True):
    """How one module renders errors: the JSON body for a :class:`~scaigrid.errors.ScaigridError`.

    ``render`` turns the error into the body; ``schema`` is the JSON schema of that
    body, published in the OpenAPI document as ``<module>.<name>.Error``;
    ``validation_status`` is the status of a request that failed the host's own
    validation (a missing field, a bad type): 400 by default, 422 for APIs in
    FastAPI's convention.
    """

    name: str
    render: Callable[[ScaigridError], dict[str, Any]]
    schema: dict[str, Any] | None = None
    validation_status: int = 400
    description: str = ""


class ServiceSpec(msgspec.Struct, kw_only=True, frozen=True):
    """A Python service other modules may call (``platform.services.get(name, Protocol)``).

    ``protocol`` is the ``typing.Protocol`` the provider satisfies, published by
    the providing module; the host checks the provider against it at start-up
    (every member present, methods callable) and callers get it back typed.
    """

    name: str
    provider: object
    protocol: type | None = None
    description: str = ""
