"""Sample-rate and channel-layout conversion of float32 PCM through FFmpeg's libswresample.

The same resampler that :func:`~scaigrid.audio.decode` uses, so PCM resampled after
the fact matches PCM decoded straight to the target rate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.layout import AudioLayout
from av.audio.resampler import AudioResampler

from scaigrid.audio.errors import AudioEncodeError

__all__ = ["Pcm", "as_planar", "frame_pcm", "layout_for", "resample"]

Pcm = npt.NDArray[np.float32]
"""Float32 PCM in [-1, 1]: shape ``(n,)`` for mono, ``(channels, n)`` otherwise."""

# libswresample takes any frame size; this bounds the temporary planes per call.
_CHUNK = 1 << 16


_LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def layout_for(channels: int) -> AudioLayout:
    """The usual layout for a channel count (1 → mono, 2 → stereo, 6 → 5.1)."""
    if channels < 1:
        raise AudioEncodeError("INVALID_PCM", f"channel count must be positive, got {channels}")
    return AudioLayout(_LAYOUTS.get(channels, f"{channels}c"))


def frame_pcm(frame: AudioFrame) -> Pcm:
    """A planar float frame's samples as a ``(channels, n)`` float32 array."""
    return np.asarray(frame.to_ndarray(), dtype=np.float32)


def as_planar(pcm: npt.ArrayLike) -> Pcm:
    """``(n,)`` or ``(channels, n)`` PCM as a C-contiguous float32 ``(channels, n)`` array."""
    arr = np.asarray(pcm, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise AudioEncodeError("INVALID_PCM", f"PCM must be (n,) or (channels, n), got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def resample(pcm: npt.ArrayLike, from_rate: int, to_rate: int, *, channels: int | None = None) -> Pcm:
    """Resample mono ``(n,)`` or ``(channels, n)`` float32 PCM from ``from_rate`` to ``to_rate``.

    ``channels`` also remixes (stereo → mono averages the channels). The output keeps
    the input's shape convention and has ``round(n * to_rate / from_rate)`` samples
    exactly, with the filter delay removed.
    """
    if from_rate <= 0 or to_rate <= 0:
        raise AudioEncodeError("INVALID_PCM", f"sample rates must be positive, got {from_rate} → {to_rate}")
    planar = as_planar(pcm)
    src_channels = planar.shape[0]
    out_channels = channels or src_channels
    mono_out = out_channels == 1 and (channels is not None or np.ndim(pcm) == 1)
    if from_rate == to_rate and out_channels == src_channels:
        return planar[0].copy() if mono_out else planar.copy()
    resampler = AudioResampler(
        format="fltp", layout=layout_for(out_channels), rate=to_rate, options={"rematrix_maxval": "1.0"}
    )
    src_layout = layout_for(src_channels)
    expected = round(planar.shape[1] * to_rate / from_rate)
    # swr drops input shorter than its filter on flush; trailing zeros (cut off again below)
    # make every input, however short, come out at exactly ``expected`` samples.
    pad = 64 * (-(-from_rate // to_rate)) + 256
    planar = np.concatenate([planar, np.zeros((src_channels, pad), dtype=np.float32)], axis=1)
    parts: list[Pcm] = []
    for start in range(0, planar.shape[1], _CHUNK):
        frame = AudioFrame.from_ndarray(planar[:, start : start + _CHUNK], format="fltp", layout=src_layout)
        frame.sample_rate = from_rate
        parts.extend(frame_pcm(f) for f in resampler.resample(frame))
    parts.extend(frame_pcm(f) for f in resampler.resample(None))
    out: Pcm = (
        np.concatenate(parts, axis=1).astype(np.float32, copy=False)
        if parts
        else np.zeros((out_channels, 0), dtype=np.float32)
    )
    if out.shape[1] < expected:
        out = np.concatenate([out, np.zeros((out.shape[0], expected - out.shape[1]), np.float32)], axis=1)
    out = out[:, :expected]
    return out[0].copy() if mono_out else np.ascontiguousarray(out)
