"""Turn decoded PyAV frames into float32 planar PCM at one target rate and channel count.

Shared by whole-file and streamed decoding so both produce the same samples. Downmix
uses libswresample's matrix normalised to unity gain (stereo → mono is the mean of the
channels, never louder than the input); mono → N channels copies the channel.
"""

from __future__ import annotations

import numpy as np
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler

from scaigrid.audio.resample import Pcm, frame_pcm, layout_for

__all__ = ["FrameConverter", "PcmBuffer"]

# Normalise the remix matrix so no output channel sums its inputs above unity
# (FFmpeg's default stereo → mono is (L + R) * 0.707, which can clip).
_SWR_OPTIONS = {"rematrix_maxval": "1.0"}


class FrameConverter:
    """Converts a sequence of frames; a change of input format, layout or rate mid-stream
    (chained Ogg, a renegotiated WebRTC track) flushes the old resampler and starts a new one.

    ``rate`` / ``channels`` of None keep the first frame's.
    """

    def __init__(self, rate: int | None, channels: int | None) -> None:
        self.rate = rate
        self.channels = channels
        self._key: tuple[str, str, int] | None = None
        self._resampler: AudioResampler | None = None
        self._tile = 1

    def convert(self, frame: AudioFrame) -> list[Pcm]:
        """PCM ``(channels, n)`` blocks for one decoded frame (possibly none yet: filter delay)."""
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        out: list[Pcm] = []
        if key != self._key:
            out.extend(self.flush())
            self._start(frame)
            self._key = key
        assert self._resampler is not None
        out.extend(self._to_pcm(f) for f in self._resampler.resample(frame))
        return out

    def flush(self) -> list[Pcm]:
        """The samples still inside the resampler's filter; the converter can go on afterwards."""
        if self._resampler is None:
            return []
        blocks = [self._to_pcm(f) for f in self._resampler.resample(None)]
        self._resampler = None
        self._key = None
        return blocks

    def _start(self, frame: AudioFrame) -> None:
        src_channels = frame.layout.nb_channels
        if self.rate is None:
            self.rate = frame.sample_rate
        if self.channels is None:
            self.channels = src_channels
        # Mono → N: resample the one channel, then copy it (swr would scale each copy by 0.707).
        self._tile = self.channels if src_channels == 1 else 1
        layout = layout_for(1 if self._tile > 1 else self.channels)
        self._resampler = AudioResampler(format="fltp", layout=layout, rate=self.rate, options=_SWR_OPTIONS)

    def _to_pcm(self, frame: AudioFrame) -> Pcm:
        block = frame_pcm(frame)
        if self._tile > 1:
            block = np.repeat(block, self._tile, axis=0)
        return block


class PcmBuffer:
    """A growable ``(channels, capacity)`` float32 buffer: decoding into a buffer sized from the
    declared duration avoids holding every block and their concatenation at once.

    The channel count is taken from the first block (a stream's header can be wrong about it,
    e.g. HE-AAC with parametric stereo).
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = max(capacity, 1024)
        self._data: Pcm | None = None
        self.length = 0

    def extend(self, blocks: list[Pcm]) -> None:
        for block in blocks:
            channels, n = block.shape
            if self._data is None:
                self._data = np.empty((channels, max(self._capacity, n)), dtype=np.float32)
            end = self.length + n
            if end > self._data.shape[1]:
                grown = np.empty((channels, max(end, int(self._data.shape[1] * 1.5))), dtype=np.float32)
                grown[:, : self.length] = self._data[:, : self.length]
                self._data = grown
            self._data[:, self.length : end] = block
            self.length = end

    def truncate(self, length: int) -> None:
        """Drop samples after ``length`` (codec padding the container says is not part of the audio)."""
        self.length = min(self.length, max(length, 0))

    def result(self, mono: bool, channels: int = 1) -> Pcm:
        """The samples so far: ``(n,)`` when ``mono`` else ``(channels, n)``; copies only when the
        buffer is much larger than its content (so the spare capacity is not kept alive)."""
        if self._data is None:
            return np.zeros(0 if mono else (channels, 0), dtype=np.float32)
        data = self._data[:, : self.length]
        if self.length < 0.9 * self._data.shape[1] or (not mono and self.length != self._data.shape[1]):
            data = data.copy()
        return data[0] if mono else data
