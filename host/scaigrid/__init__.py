"""ScaiGrid: a small Litestar host that discovers speech modules and drives them through pluggy hooks.

Module authors need only this namespace::

    from scaigrid import hookimpl, ModuleInfo, MigrationsInfo, requires
"""

from scaigrid.hookspecs import hookimpl
from scaigrid.records import (
    BackendSpec,
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
    "JobHandler",
    "McpTool",
    "MigrationsInfo",
    "ModuleInfo",
    "ModuleSettings",
    "ReadinessCheck",
    "ServiceSpec",
    "__version__",
    "hookimpl",
]
