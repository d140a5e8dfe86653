"""Client audio → 16 kHz mono float32 for the engine: raw PCM frames, a live container
stream, or decoded ``av.AudioFrame``s from the WebRTC audio plane.

All three go through the host's :mod:`scaigrid.audio` (``FrameConverter`` keeps the
resampler's filter state across frames, so chunk edges do not click;
``StreamDecoder`` demuxes webm/ogg/mp3 bytes as they arrive), so a stream and an
uploaded file of the same audio produce the same samples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import numpy as np
from scaigrid.audio import StreamDecoder
from scaigrid.audio.convert import FrameConverter
from scaigrid.audio.resample import layout_for
from scaigrid.errors import ScaigridError

from scaiecho.errors import recode_audio_error
from scaiecho.streaming.errors import bad_open_frame, undecodable_stream

__all__ = [
    "AudioInput",
    "ContainerInput",
    "FrameInput",
    "PcmInput",
    "Sink",
    "container_format",
    "open_input",
]

TARGET_RATE = 16000
Sink = Callable[[np.ndarray], Awaitable[None]]
"""Receives converted audio (16 kHz mono float32): the engine's ``feed``."""
RunCpu = Callable[..., Awaitable[Any]]

_CONTAINERS = {
    "audio/webm": "webm",
    "video/webm": "webm",
    "audio/x-matroska": "matroska",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "application/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/aac": "aac",
}


def container_format(media_type: str | None) -> str | None:
    """The demuxer for a media type (``;codecs=...`` ignored); ``None`` = let FFmpeg probe."""
    if not media_type:
        return None
    base = media_type.split(";", 1)[0].strip().lower()
    if base not in _CONTAINERS:
        raise bad_open_frame(
            f"media_type {media_type!r} cannot be streamed; use one of {', '.join(sorted(_CONTAINERS))}",
            details={"media_type": media_type},
        )
    return _CONTAINERS[base]


class AudioInput(Protocol):
    """One stream's decoder: ``write`` client bytes, ``end`` once; PCM goes to the sink."""

    bytes_received: int

    async def write(self, data: bytes) -> None: ...

    async def end(self) -> None: ...

    async def aclose(self) -> None: ...


def _mono(blocks: list[np.ndarray]) -> np.ndarray:
    if not blocks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([b[0] for b in blocks]).astype(np.float32, copy=False)


class FrameInput:
    """Decoded ``av.AudioFrame``s (any format, layout, rate; changes mid-stream are fine)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._converter = FrameConverter(TARGET_RATE, 1)
        self.bytes_received = 0

    async def push(self, frame: Any) -> None:
        pcm = _mono(self._converter.convert(frame))
        self.bytes_received += frame.samples * frame.layout.nb_channels * frame.format.bytes
        if len(pcm):
            await self._sink(pcm)

    async def end(self) -> None:
        pcm = _mono(self._converter.flush())
        if len(pcm):
            await self._sink(pcm)


class PcmInput:
    """Raw interleaved little-endian s16/f32 PCM; a partial sample frame waits for the next write."""

    def __init__(self, sink: Sink, *, encoding: str, sample_rate: int, channels: int) -> None:
        import av

        self._av: Any = av  # PyAV's stubs know only a few dtypes for from_ndarray
        self._frames = FrameInput(sink)
        self._dtype = np.dtype("<i2") if encoding == "pcm_s16le" else np.dtype("<f4")
        self._format = "s16" if encoding == "pcm_s16le" else "flt"
        self._frame_bytes = self._dtype.itemsize * channels
        self._layout = layout_for(channels).name
        self._rate = sample_rate
        self._pts = 0
        self._rest = b""
        self.bytes_received = 0

    async def write(self, data: bytes) -> None:
        self.bytes_received += len(data)
        data = self._rest + data
        whole = len(data) - len(data) % self._frame_bytes
        self._rest = data[whole:]
        if not whole:
            return
        raw = np.frombuffer(data[:whole], dtype=self._dtype)
        if self._dtype.kind == "f" and not np.isfinite(raw).all():
            raise undecodable_stream("pcm_f32le frame contains NaN or infinite samples")
        frame = self._av.AudioFrame.from_ndarray(raw.reshape(1, -1), format=self._format, layout=self._layout)
        frame.sample_rate = self._rate
        frame.pts = self._pts
        self._pts += frame.samples
        await self._frames.push(frame)

    async def end(self) -> None:
        await self._frames.end()

    async def aclose(self) -> None:
        pass


class ContainerInput:
    """One live container stream through ``scaigrid.audio.StreamDecoder`` (blocking calls run
    in the CPU pool). Decoder errors become ``SCAIECHO_UNDECODABLE_AUDIO`` /
    ``SCAIECHO_UNSUPPORTED_AUDIO`` / ``SCAIECHO_EMPTY_AUDIO``."""

    def __init__(self, sink: Sink, *, media_type: str | None, run_cpu: RunCpu | None = None) -> None:
        self._sink = sink
        self._run_cpu: RunCpu = run_cpu or asyncio.to_thread
        self._decoder = StreamDecoder(
            sample_rate=TARGET_RATE, channels=1, format=container_format(media_type)
        )
        self.bytes_received = 0

    async def write(self, data: bytes) -> None:
        self.bytes_received += len(data)
        await self._deliver(self._decoder.feed, data)

    async def end(self) -> None:
        await self._deliver(self._decoder.close)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._decoder.abort)

    async def _deliver(self, fn: Callable[..., np.ndarray], *args: Any) -> None:
        try:
            pcm = await self._run_cpu(fn, *args)
        except ScaigridError as err:
            raise recode_audio_error(err) from err
        pcm = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if len(pcm):
            await self._sink(pcm)


def open_input(
    sink: Sink,
    *,
    encoding: str,
    sample_rate: int,
    channels: int,
    media_type: str | None,
    run_cpu: RunCpu | None = None,
) -> AudioInput:
    """The decoder an open frame asks for (``webm``/``ogg`` encodings imply their container)."""
    if encoding in ("pcm_s16le", "pcm_f32le"):
        return PcmInput(sink, encoding=encoding, sample_rate=sample_rate, channels=channels)
    if encoding == "webm":
        media_type = media_type or "audio/webm"
    elif encoding == "ogg":
        media_type = media_type or "audio/ogg"
    return ContainerInput(sink, media_type=media_type, run_cpu=run_cpu)
