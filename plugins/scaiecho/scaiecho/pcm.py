"""Audio in, as scaiecho's models read it: mono float32 PCM at 16 kHz, with scaiecho's error codes."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from scaigrid.audio import decode
from scaigrid.errors import ScaigridError

from scaiecho import errors
from scaiecho.contracts import Audio
from scaiecho.stt.base import SAMPLE_RATE

__all__ = ["PcmLoader", "RunCpu", "decode_16k"]

RunCpu = Callable[..., Awaitable[Any]]
"""``platform.run_cpu``: runs blocking work in the host's bounded CPU pool."""


def decode_16k(path: str | os.PathLike[str]) -> npt.NDArray[np.float32]:
    """Decode any supported file to mono float32 at 16 kHz, with scaiecho's error codes."""
    try:
        pcm = decode(str(path), sample_rate=SAMPLE_RATE, channels=1)
    except ScaigridError as exc:
        raise errors.recode_audio_error(exc) from exc
    return np.ascontiguousarray(pcm, dtype=np.float32)


class PcmLoader:
    """Turns a path or an array into the PCM the models read; decoding runs in the CPU pool."""

    def __init__(self, run_cpu: RunCpu) -> None:
        self._run_cpu = run_cpu

    async def pcm(self, audio: Audio) -> npt.NDArray[np.float32]:
        if isinstance(audio, str | os.PathLike):
            decoded: npt.NDArray[np.float32] = await self._run_cpu(decode_16k, audio)
            return decoded
        pcm = np.asarray(audio, dtype=np.float32)
        if pcm.ndim != 1:
            raise errors.bad_request("pcm16k must be mono: a 1-D float32 array at 16 kHz")
        return pcm
