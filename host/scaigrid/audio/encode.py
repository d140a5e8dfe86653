"""Encode float32 PCM to wav, flac, mp3, Ogg/Opus, AAC (m4a or ADTS) or raw s16le.

WAV and FLAC go through soundfile (libsndfile), the lossy formats through PyAV
(libmp3lame, libopus, FFmpeg's AAC). Rates a codec cannot carry are resampled to the
nearest rate it can (opus at 44.1 kHz becomes 48 kHz); :func:`encoded_rate` says which.
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path
from typing import Literal, overload

import av
import numpy as np
import numpy.typing as npt
import soundfile as sf
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream

from scaigrid.audio.errors import AudioEncodeError
from scaigrid.audio.pcm import float32_to_pcm_s16le
from scaigrid.audio.resample import Pcm, as_planar, layout_for, resample

__all__ = ["FORMATS", "MEDIA_TYPES", "AudioFormatName", "encode", "encoded_rate"]

AudioFormatName = Literal["wav", "flac", "mp3", "opus", "ogg", "aac", "m4a", "pcm"]

FORMATS: frozenset[str] = frozenset({"wav", "flac", "mp3", "opus", "ogg", "aac", "m4a", "pcm"})
"""Every ``fmt`` :func:`encode` accepts. ``ogg`` is Opus in Ogg, like ``opus``; ``aac`` is
an ADTS stream, ``m4a`` AAC in MP4; ``pcm`` is headerless interleaved s16le."""

MEDIA_TYPES: dict[str, str] = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "opus": "audio/ogg; codecs=opus",
    "ogg": "audio/ogg; codecs=opus",
    "aac": "audio/aac",
    "m4a": "audio/mp4",
    "pcm": "audio/L16",
}
"""The Content-Type to serve each format with."""

# (container, codec, supported rates or None for any, max channels, bit rate per channel)
_LOSSY: dict[str, tuple[str, str, tuple[int, ...], int, int]] = {
    "mp3": (
        "mp3",
        "libmp3lame",
        (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000),
        2,
        64_000,
    ),
    "opus": ("ogg", "libopus", (8000, 12000, 16000, 24000, 48000), 2, 32_000),
    "aac": (
        "adts",
        "aac",
        (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000),
        8,
        64_000,
    ),
}
_LOSSY["ogg"] = _LOSSY["opus"]
_LOSSY["m4a"] = ("ipod", *_LOSSY["aac"][1:])

# libsndfile's own limits for the lossless formats.
_FLAC_MAX_CHANNELS = 8
_FLAC_MAX_RATE = 655_350


def encoded_rate(fmt: str, sample_rate: int) -> int:
    """The rate ``fmt`` is written at for input at ``sample_rate``: the same when the codec
    supports it, else the lowest supported rate above it (or the highest there is)."""
    spec = _LOSSY.get(fmt)
    if spec is None or sample_rate in spec[2]:
        return sample_rate
    higher = [r for r in spec[2] if r > sample_rate]
    return min(higher) if higher else max(spec[2])


def _validated(pcm: npt.ArrayLike, sample_rate: int, fmt: str) -> Pcm:
    if fmt not in FORMATS:
        raise AudioEncodeError(
            "UNSUPPORTED_OUTPUT_FORMAT",
            f"cannot encode to {fmt!r}",
            details={"format": fmt, "allowed": sorted(FORMATS)},
        )
    if sample_rate <= 0:
        raise AudioEncodeError("INVALID_PCM", f"sample_rate must be positive, got {sample_rate}")
    planar = as_planar(pcm)
    if not np.isfinite(planar).all():
        raise AudioEncodeError("INVALID_PCM", "PCM contains NaN or infinite samples")
    limit = _LOSSY[fmt][3] if fmt in _LOSSY else _FLAC_MAX_CHANNELS if fmt == "flac" else 1024
    if planar.shape[0] > limit:
        raise AudioEncodeError(
            "INVALID_PCM", f"{fmt} carries at most {limit} channels, got {planar.shape[0]}"
        )
    if fmt == "flac" and sample_rate > _FLAC_MAX_RATE:
        raise AudioEncodeError("INVALID_PCM", f"flac carries at most {_FLAC_MAX_RATE} Hz")
    # Integer formats would wrap around on overflow; lossy encoders distort anyway.
    return np.clip(planar, -1.0, 1.0)


def _encode_lossy(
    planar: Pcm, sample_rate: int, fmt: str, target: str | io.BytesIO, bitrate: int | None
) -> None:
    container_fmt, codec, _, _, per_channel = _LOSSY[fmt]
    rate = encoded_rate(fmt, sample_rate)
    if rate != sample_rate:
        planar = resample(planar, sample_rate, rate)
    channels = planar.shape[0]
    with av.open(target, mode="w", format=container_fmt) as container:
        layout = layout_for(channels)
        stream = container.add_stream(codec, rate=rate, layout=layout.name)
        assert isinstance(stream, AudioStream)
        stream.bit_rate = bitrate or per_channel * channels
        time_base = Fraction(1, rate)
        step = 8192
        for start in range(0, planar.shape[1], step):
            frame = AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, start : start + step]),
                format="fltp",
                layout=layout,
            )
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@overload
def encode(
    pcm: npt.ArrayLike, sample_rate: int, fmt: str, path: None = None, *, bitrate: int | None = None
) -> bytes: ...
@overload
def encode(
    pcm: npt.ArrayLike,
    sample_rate: int,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    bitrate: int | None = None,
) -> Path: ...
def encode(
    pcm: npt.ArrayLike,
    sample_rate: int,
    fmt: str,
    path: str | os.PathLike[str] | None = None,
    *,
    bitrate: int | None = None,
) -> bytes | Path:
    """Encode mono ``(n,)`` or ``(channels, n)`` float PCM at ``sample_rate`` to ``fmt`` (see
    :data:`FORMATS`). Returns the bytes, or writes ``path`` and returns it as a Path.

    ``bitrate`` (bits/s) applies to the lossy formats; the default is 64 kb/s per channel
    for mp3 and AAC, 32 kb/s per channel for Opus. Raises :class:`AudioEncodeError`.
    """
    planar = _validated(pcm, sample_rate, fmt)
    if fmt == "pcm":
        data = float32_to_pcm_s16le(planar if planar.shape[0] > 1 else planar[0])
        if path is None:
            return data
        Path(path).write_bytes(data)
        return Path(path)
    if fmt in ("wav", "flac"):
        target_sf: str | io.BytesIO = os.fspath(path) if path is not None else io.BytesIO()
        sf.write(target_sf, planar.T, sample_rate, subtype="PCM_16", format=fmt.upper())
    else:
        target_sf = os.fspath(path) if path is not None else io.BytesIO()
        _encode_lossy(planar, sample_rate, fmt, target_sf, bitrate)
    if isinstance(target_sf, io.BytesIO):
        return target_sf.getvalue()
    return Path(target_sf)
