"""Encode audio as it is produced: one muxer kept open, bytes handed out as soon as they are written.

For streamed synthesis (phrase by phrase): concatenating separately encoded mp3 or Ogg
files is not one valid stream, but one encoder fed piece by piece is. ``mp3`` (frames),
``opus`` (Ogg pages) and ``aac`` (ADTS frames) stream; ``pcm`` is raw s16le;
``wav`` starts with a header whose sizes say "unknown" (0xFFFFFFFF), as streaming servers send.
"""

from __future__ import annotations

import struct
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream

from scaigrid.audio.encode import _LOSSY, encoded_rate
from scaigrid.audio.errors import AudioEncodeError
from scaigrid.audio.pcm import float32_to_pcm_s16le
from scaigrid.audio.resample import layout_for, resample

__all__ = ["STREAMABLE", "StreamEncoder"]

STREAMABLE: frozenset[str] = frozenset({"pcm", "wav", "mp3", "opus", "aac"})


class _Sink:
    """A write-only file for the muxer: what it writes is collected until taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


class StreamEncoder:
    """``feed(pcm)`` → the bytes ready so far; ``close()`` → the rest. Mono float32 at ``sample_rate``."""

    def __init__(self, fmt: str, sample_rate: int, *, bitrate: int | None = None) -> None:
        if fmt not in STREAMABLE:
            raise AudioEncodeError(
                "UNSUPPORTED_OUTPUT_FORMAT",
                f"{fmt!r} cannot be streamed; streamable: {', '.join(sorted(STREAMABLE))}",
                details={"format": fmt, "allowed": sorted(STREAMABLE)},
            )
        self.fmt = fmt
        self.input_rate = sample_rate
        self.sample_rate = encoded_rate(fmt, sample_rate)
        self._header_sent = False
        self._pts = 0
        self._container: av.container.OutputContainer | None = None
        self._stream: AudioStream | None = None
        self._sink = _Sink()
        if fmt in _LOSSY:
            container_fmt, codec, _, _, per_channel = _LOSSY[fmt]
            self._container = av.open(self._sink, mode="w", format=container_fmt)  # type: ignore[call-overload]
            stream = self._container.add_stream(codec, rate=self.sample_rate, layout="mono")
            assert isinstance(stream, AudioStream)
            stream.bit_rate = bitrate or per_channel
            self._stream = stream

    def feed(self, pcm: npt.ArrayLike) -> bytes:
        samples = np.clip(np.asarray(pcm, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if self.fmt in ("pcm", "wav"):
            head = b""
            if self.fmt == "wav" and not self._header_sent:
                head, self._header_sent = _wav_header(self.sample_rate), True
            return head + float32_to_pcm_s16le(samples)
        assert self._container is not None and self._stream is not None
        if self.sample_rate != self.input_rate:
            samples = np.asarray(resample(samples, self.input_rate, self.sample_rate), dtype=np.float32)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="fltp", layout=layout_for(1))
        frame.sample_rate = self.sample_rate
        frame.pts = self._pts
        frame.time_base = Fraction(1, self.sample_rate)
        self._pts += samples.shape[0]
        self._container.mux(self._stream.encode(frame))
        return self._sink.take()

    def close(self) -> bytes:
        """Flush the encoder and the muxer; the last bytes of the stream."""
        if self._container is None or self._stream is None:
            return _wav_header(self.sample_rate) if self.fmt == "wav" and not self._header_sent else b""
        self._container.mux(self._stream.encode(None))
        self._container.close()
        self._container = None
        return self._sink.take()


def _wav_header(sample_rate: int) -> bytes:
    unknown = struct.pack("<I", 0xFFFFFFFF)
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
    return b"RIFF" + unknown + b"WAVEfmt " + fmt + b"data" + unknown
