"""The Audio Engine's stable error codes, and the one error a component raises for bad input.

Every error a client sees is a :class:`scaigrid.errors.ScaigridError`; the host renders it in
the ``detail`` envelope (``{"detail": message, "code": code}``) the reference uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaigrid.errors import ScaigridError

__all__ = ["Code", "ComponentInputError", "error"]


class Code:
    """Error codes, one per thing a client can get wrong or the server can fail at."""

    INVALID_COMPONENTS = "AUDIO_ENGINE_INVALID_COMPONENTS"
    INVALID_COMPONENT_ENTRY = "AUDIO_ENGINE_INVALID_COMPONENT_ENTRY"
    UNKNOWN_COMPONENT = "AUDIO_ENGINE_UNKNOWN_COMPONENT"
    INVALID_PARAMS = "AUDIO_ENGINE_INVALID_PARAMS"
    INVALID_PIPELINE = "AUDIO_ENGINE_INVALID_PIPELINE"
    TOO_MANY_STEPS = "AUDIO_ENGINE_TOO_MANY_STEPS"
    TOO_MANY_FILES = "AUDIO_ENGINE_TOO_MANY_FILES"
    NOT_ENOUGH_FILES = "AUDIO_ENGINE_NOT_ENOUGH_FILES"
    INVALID_EMAIL = "AUDIO_ENGINE_INVALID_USER_EMAIL"
    INVALID_PROJECT_NAME = "AUDIO_ENGINE_INVALID_PROJECT_NAME"
    MISSING_FIELD = "AUDIO_ENGINE_MISSING_FIELD"
    FILE_TOO_LARGE = "AUDIO_ENGINE_FILE_TOO_LARGE"
    EMPTY_AUDIO = "AUDIO_ENGINE_EMPTY_AUDIO"
    UNSUPPORTED_AUDIO = "AUDIO_ENGINE_UNSUPPORTED_AUDIO"
    UNDECODABLE_AUDIO = "AUDIO_ENGINE_UNDECODABLE_AUDIO"
    INVALID_AUDIO_INPUT = "AUDIO_ENGINE_INVALID_AUDIO_INPUT"
    FORBIDDEN = "AUDIO_ENGINE_FORBIDDEN"
    PROJECT_FORBIDDEN = "AUDIO_ENGINE_PROJECT_FORBIDDEN"
    BUSY = "AUDIO_ENGINE_BUSY"
    TIMEOUT = "AUDIO_ENGINE_TIMEOUT"
    COMPONENT_FAILED = "AUDIO_ENGINE_COMPONENT_FAILED"
    STORAGE_FAILED = "AUDIO_ENGINE_STORAGE_FAILED"
    NOT_IMPLEMENTED = "AUDIO_ENGINE_COMPONENT_NOT_IMPLEMENTED"
    NOT_READY = "AUDIO_ENGINE_NOT_READY"
    PROJECT_NOT_FOUND = "AUDIO_ENGINE_PROJECT_NOT_FOUND"
    PROJECT_EXISTS = "AUDIO_ENGINE_PROJECT_EXISTS"
    API_KEY_NOT_FOUND = "AUDIO_ENGINE_API_KEY_NOT_FOUND"
    TASK_NOT_FOUND = "AUDIO_ENGINE_TASK_NOT_FOUND"
    INVALID_BODY = "AUDIO_ENGINE_INVALID_BODY"


def error(
    status: int, code: str, message: str, *, details: Mapping[str, Any] | None = None, **kwargs: Any
) -> ScaigridError:
    """One coded error; ``details`` render as ``errors`` in the detail envelope."""
    return ScaigridError(status, code, message, details=details, **kwargs)


class ComponentInputError(ScaigridError):
    """A component found the audio or its params unusable (a range past the end, no speech).

    Unlike an unexpected exception (500 ``AUDIO_ENGINE_COMPONENT_FAILED``), this is the
    caller's problem and keeps its own status. It survives pickling so a component running
    in the process pool can raise it.
    """

    def __init__(
        self, message: str, code: str = Code.INVALID_AUDIO_INPUT, status: int = 400, **kwargs: Any
    ) -> None:
        super().__init__(status, code, message, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.status_code), {"details": self.details})

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        self.details = (state or {}).get("details", {})
