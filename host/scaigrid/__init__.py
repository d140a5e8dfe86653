"""ScaiGrid: a small Litestar host that discovers speech modules and drives them through pluggy hooks.

Module authors need only this namespace (and :mod:`scaigrid.testing` for tests)::

    from scaigrid import hookimpl, ModuleContext, ModuleInfo, MigrationsInfo, Principal, requires
"""

from scaigrid.auth.guards import requires
from scaigrid.auth.principal import Principal
from scaigrid.context import ModuleContext
from scaigrid.errors import ScaigridError
from scaigrid.hookspecs import hookimpl
from scaigrid.records import (
    BackendSpec,
    EnvelopeSpec,
    JobHandler,
    McpTool,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
    ServiceSpec,
)

__version__ = "0.1.0"

__all__ = [
    "BackendSpec",
    "EnvelopeSpec",
    "JobHandler",
    "McpTool",
    "MigrationsInfo",
    "ModuleContext",
    "ModuleInfo",
    "ModuleSettings",
    "Principal",
    "ReadinessCheck",
    "ScaigridError",
    "ServiceSpec",
    "__version__",
    "hookimpl",
    "requires",
]
