"""Raw 16-bit little-endian PCM, the format of WebSocket audio frames and telephony bridges."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scaigrid.audio.errors import AudioDecodeError
from scaigrid.audio.resample import Pcm

__all__ = ["float32_to_pcm_s16le", "pcm_s16le_to_float32"]


def pcm_s16le_to_float32(data: bytes | bytearray | memoryview, channels: int = 1) -> Pcm:
    """Interleaved s16le bytes → float32 in [-1, 1): ``(n,)`` for mono, ``(channels, n)`` otherwise.

    Raises :class:`AudioDecodeError` (``undecodable``) when the byte count is not a whole
    number of sample frames; a streaming caller keeps the remainder for the next chunk.
    """
    if channels < 1:
        raise AudioDecodeError.undecodable(f"channels must be positive, got {channels}")
    frame_bytes = 2 * channels
    if len(data) % frame_bytes:
        raise AudioDecodeError.undecodable(
            f"raw s16le PCM must be a multiple of {frame_bytes} bytes, got {len(data)}",
            byte_count=len(data),
        )
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) * np.float32(1 / 32768)
    if channels == 1:
        return samples
    return np.ascontiguousarray(samples.reshape(-1, channels).T)


def float32_to_pcm_s16le(pcm: npt.ArrayLike) -> bytes:
    """Float PCM (``(n,)`` or ``(channels, n)``) → interleaved s16le bytes, clipped to full scale."""
    arr = np.asarray(pcm, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr.T
    scaled = np.clip(np.rint(arr * 32767.0), -32768, 32767).astype("<i2")
    data: bytes = scaled.tobytes()
    return data
