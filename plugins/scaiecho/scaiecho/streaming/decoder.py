"""Client audio frames → 16 kHz mono float32 for the engine: raw PCM, or a container stream.

:class:`PcmInput` converts little-endian s16/f32 interleaved PCM at any rate
(PyAV's resampler keeps its filter state across frames, so chunk edges do not
click). :class:`ContainerInput` decodes one growing media stream (webm/opus,
ogg/opus, mp3, wav, flac, ...) as its bytes arrive: a thread runs PyAV's demuxer
over a blocking pipe and hands PCM back to the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import numpy as np

from scaiecho.streaming.errors import bad_open_frame, undecodable_stream
from scaigrid.errors import ScaigridError

__all__ = ["AudioInput", "ContainerInput", "PcmInput", "Sink", "container_format", "open_input"]

TARGET_RATE = 16000
Sink = Callable[[np.ndarray], Awaitable[None]]
"""Receives converted audio (16 kHz mono float32); the engine's ``feed``."""

_CONTAINERS = {
    "audio/webm": "matroska",
    "video/webm": "matroska",
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
# Probe as little as possible: the stream is live, and ffmpeg's default probing
# would wait for seconds of audio before the first sample comes out.
_LIVE_OPTIONS = {"probesize": "32", "analyzeduration": "0", "fflags": "nobuffer"}


def container_format(media_type: str | None) -> str:
    """The demuxer for a media type (parameters such as ``;codecs=opus`` are ignored)."""
    base = (media_type or "").split(";", 1)[0].strip().lower()
    fmt = _CONTAINERS.get(base)
    if fmt is None:
        raise bad_open_frame(
            f"media_type {media_type!r} cannot be streamed; use one of {', '.join(sorted(_CONTAINERS))}",
            details={"media_type": media_type},
        )
    return fmt


class AudioInput(Protocol):
    """One stream's decoder: ``write`` client bytes, ``end`` once; PCM goes to the sink."""

    bytes_received: int

    async def write(self, data: bytes) -> None: ...

    async def end(self) -> None: ...

    def close(self) -> None: ...


class _Resampler:
    """Stateful conversion of PCM at ``rate``/``channels`` to 16 kHz mono float32."""

    def __init__(self, rate: int, channels: int) -> None:
        import av

        self.rate = rate
        self.channels = channels
        self._passthrough = rate == TARGET_RATE and channels == 1
        self._resampler = None if self._passthrough else av.AudioResampler(format="flt", layout="mono", rate=TARGET_RATE)
        self._pts = 0

    def convert(self, samples: np.ndarray) -> np.ndarray:
        """``samples``: float32, interleaved, whole frames."""
        if self._passthrough or not len(samples):
            return samples
        import av

        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1), format="flt", layout="mono" if self.channels == 1 else _layout(self.channels)
        )
        frame.sample_rate = self.rate
        frame.pts = self._pts
        self._pts += len(samples) // self.channels
        return self._collect(self._resampler.resample(frame) if self._resampler else [])

    def finish(self) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, dtype=np.float32)
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames: list[Any]) -> np.ndarray:
        if not frames:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32, copy=False)


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}[channels]


class PcmInput:
    """Raw interleaved little-endian PCM; an odd trailing byte waits for the next frame."""

    def __init__(self, sink: Sink, *, encoding: str, sample_rate: int, channels: int) -> None:
        self._sink = sink
        self._dtype = np.dtype("<i2") if encoding == "pcm_s16le" else np.dtype("<f4")
        self._frame_bytes = self._dtype.itemsize * channels
        self._resampler = _Resampler(sample_rate, channels)
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
        if self._dtype.kind == "i":
            samples = raw.astype(np.float32) / 32768.0
        else:
            samples = raw.astype(np.float32)
            if not np.isfinite(samples).all():
                raise undecodable_stream("pcm_f32le frame contains NaN or infinite samples")
        pcm = self._resampler.convert(samples)
        if len(pcm):
            await self._sink(pcm)

    async def end(self) -> None:
        tail = self._resampler.finish()
        if len(tail):
            await self._sink(tail)

    def close(self) -> None:
        pass


class _Pipe:
    """A blocking byte pipe: the event loop writes, PyAV's demuxer thread reads."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._cv = threading.Condition()
        self._closed = False

    def feed(self, data: bytes) -> None:
        with self._cv:
            self._buf += data
            self._cv.notify_all()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def abort(self) -> None:
        """Close and drop unread bytes, so the demuxer stops at once."""
        with self._cv:
            self._buf.clear()
            self._closed = True
            self._cv.notify_all()

    def read(self, size: int = -1) -> bytes:
        with self._cv:
            while not self._buf and not self._closed:
                self._cv.wait()
            if size is None or size < 0:
                size = len(self._buf)
            out = bytes(self._buf[:size])
            del self._buf[:size]
            return out


_DONE = object()


class ContainerInput:
    """A live container stream decoded in a thread; PCM reaches the sink in order.

    Decoding errors surface on the next ``write`` or on ``end`` as a coded 400
    (``SCAIECHO_UNDECODABLE_AUDIO``); errors the sink raises (flood) the same way.
    """

    def __init__(self, sink: Sink, *, media_type: str | None) -> None:
        self._format = container_format(media_type)
        self._sink = sink
        self._pipe = _Pipe()
        self._loop = asyncio.get_running_loop()
        self._out: asyncio.Queue[Any] = asyncio.Queue()
        self.bytes_received = 0
        self.error: ScaigridError | None = None
        self._thread = threading.Thread(target=self._decode, name="scaiecho-stream-decode", daemon=True)
        self._thread.start()
        self._pump_task = asyncio.create_task(self._pump(), name="scaiecho-stream-decode-pump")

    async def write(self, data: bytes) -> None:
        self._raise()
        self.bytes_received += len(data)
        self._pipe.feed(data)

    async def end(self) -> None:
        self._pipe.close()
        await asyncio.shield(self._pump_task)
        self._raise()

    def close(self) -> None:
        self._pipe.abort()
        self._pump_task.cancel()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _emit(self, item: Any) -> None:
        self._loop.call_soon_threadsafe(self._out.put_nowait, item)

    def _decode(self) -> None:
        try:
            import av

            with av.open(self._pipe, mode="r", format=self._format, options=_LIVE_OPTIONS) as container:
                if not container.streams.audio:
                    raise undecodable_stream("the stream has no audio track")
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_RATE)
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        self._emit(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
                for out in resampler.resample(None):
                    self._emit(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except ScaigridError as err:
            self._emit(err)
        except Exception as exc:  # PyAV raises its own error family (av.error.*)
            self._emit(undecodable_stream(f"cannot decode the {self._format} stream: {exc}"))
        finally:
            self._pipe.close()
            self._emit(_DONE)

    async def _pump(self) -> None:
        while True:
            item = await self._out.get()
            if item is _DONE:
                return
            if isinstance(item, ScaigridError):
                self.error = self.error or item
                continue
            if self.error is None:
                try:
                    await self._sink(item)
                except ScaigridError as err:
                    self.error = err
                    self._pipe.abort()


def open_input(
    sink: Sink, *, encoding: str, sample_rate: int, channels: int, media_type: str | None
) -> AudioInput:
    """The decoder an open frame asks for (``webm``/``ogg`` encodings imply their container)."""
    if encoding in ("pcm_s16le", "pcm_f32le"):
        return PcmInput(sink, encoding=encoding, sample_rate=sample_rate, channels=channels)
    if encoding == "webm":
        media_type = media_type or "audio/webm"
    elif encoding == "ogg":
        media_type = media_type or "audio/ogg"
    return ContainerInput(sink, media_type=media_type)
