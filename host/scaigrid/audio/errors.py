"""The coded errors of audio decoding and encoding.

Modules re-code these into their own codes (``SCAIECHO_EMPTY_AUDIO``), so the
cause is a stable :attr:`AudioDecodeError.reason` rather than something to parse
out of the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from scaigrid.errors import ScaigridError

__all__ = ["AudioDecodeError", "AudioEncodeError", "DecodeFailure"]

DecodeFailure = Literal["empty", "unsupported", "undecodable"]
"""Why input could not be decoded: no bytes at all; not audio (or a container
nothing here reads); audio that is truncated or corrupt."""

_STATUS_AND_CODE: dict[str, tuple[int, str]] = {
    "empty": (400, "EMPTY_AUDIO"),
    "unsupported": (415, "UNSUPPORTED_AUDIO"),
    "undecodable": (400, "UNDECODABLE_AUDIO"),
}


class AudioDecodeError(ScaigridError):
    """Input that cannot become PCM: 400 ``EMPTY_AUDIO``, 415 ``UNSUPPORTED_AUDIO`` or
    400 ``UNDECODABLE_AUDIO``, chosen by ``reason``."""

    reason: DecodeFailure

    def __init__(self, reason: DecodeFailure, message: str, *, details: Mapping[str, Any] | None = None):
        status, code = _STATUS_AND_CODE[reason]
        super().__init__(status, code, message, details=details)
        self.reason = reason

    @classmethod
    def empty(cls, message: str = "the audio input is empty") -> AudioDecodeError:
        return cls("empty", message)

    @classmethod
    def unsupported(cls, message: str, **details: Any) -> AudioDecodeError:
        return cls("unsupported", message, details=details)

    @classmethod
    def undecodable(cls, message: str, **details: Any) -> AudioDecodeError:
        return cls("undecodable", message, details=details)


class AudioEncodeError(ScaigridError):
    """400 ``UNSUPPORTED_OUTPUT_FORMAT`` (unknown format) or ``INVALID_PCM`` (input that is not
    1-D/2-D finite float PCM, or a rate the format cannot carry)."""

    def __init__(self, code: str, message: str, *, details: Mapping[str, Any] | None = None):
        super().__init__(400, code, message, details=details)
