"""Incremental decoding of a live container stream (webm/ogg/mp3 chunks from a WebSocket or
MediaRecorder) into float32 PCM at a target rate, as the bytes arrive.

FFmpeg's demuxers pull their input, so the decoder runs in its own thread reading from
a blocking in-memory pipe; :meth:`StreamDecoder.feed` pushes bytes and returns once the
thread has consumed them and waits for more, so every sample decodable from the bytes
so far is returned (minus the few the resampler's filter holds until :meth:`close`).
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

import av
import av.error
import numpy as np

from scaigrid.audio.convert import FrameConverter
from scaigrid.audio.errors import AudioDecodeError
from scaigrid.audio.resample import Pcm
from scaigrid.audio.sniff import HEAD_BYTES, looks_like_audio

__all__ = ["StreamDecoder"]

# FFmpeg probes up to 5 MB / 5 s of input before the first packet; a live stream cannot
# wait that long, and Opus/Vorbis/MP3 headers describe the stream in the first pages.
_LIVE_OPTIONS = {"probesize": "32768", "analyzeduration": "500000"}
_MAX_BAD_PACKETS = 8


class _Pipe:
    """A blocking byte pipe that PyAV reads like a non-seekable file (it has no ``seek``)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self._eof = False
        self._aborted = False
        self._waiting = False
        self._done = False
        self.head = bytearray()

    def read(self, size: int = -1) -> bytes:
        with self._cond:
            while not self._chunks and not self._eof and not self._aborted:
                self._waiting = True
                self._cond.notify_all()
                self._cond.wait()
            self._waiting = False
            # An aborted pipe reads as end of input (an exception raised here would be
            # stashed and printed by PyAV's read callback); the result is discarded.
            if self._aborted or not self._chunks:
                return b""
            chunk = self._chunks.popleft()
            if 0 < size < len(chunk):
                self._chunks.appendleft(chunk[size:])
                chunk = chunk[:size]
            return chunk

    def push(self, data: bytes) -> None:
        with self._cond:
            if len(self.head) < HEAD_BYTES:
                self.head += data[: HEAD_BYTES - len(self.head)]
            self._chunks.append(data)
            self._waiting = False
            self._cond.notify_all()

    def finish(self, *, abort: bool = False) -> None:
        with self._cond:
            self._eof = True
            self._aborted = self._aborted or abort
            self._cond.notify_all()

    @property
    def aborted(self) -> bool:
        return self._aborted

    def mark_done(self) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def wait_consumed(self) -> None:
        """Block until the reader has taken every pushed byte and waits for more (or has ended)."""
        with self._cond:
            while not self._done and not (self._waiting and not self._chunks):
                self._cond.wait()


class StreamDecoder:
    """Decode container bytes pushed in arbitrary chunks; not for concurrent use by two threads.

    ``feed`` and ``close`` block while the decoder thread works, so async callers run them
    through ``platform.run_cpu``. Errors surface as :class:`AudioDecodeError` from the
    ``feed`` or ``close`` call after the decoder hit them. ``format`` (``"webm"``, ``"ogg"``,
    ``"mp3"``...) skips format probing, which otherwise waits for the first few KiB.

    Outputs follow :data:`~scaigrid.audio.Pcm`'s shapes; with ``channels=None`` an empty
    output before the first decoded frame is ``(0,)``, the layout being unknown yet.
    """

    def __init__(
        self, *, sample_rate: int | None = 16000, channels: int | None = 1, format: str | None = None
    ):
        self.format = format
        self._converter = FrameConverter(sample_rate, channels)
        self._mono = channels == 1
        self._pipe = _Pipe()
        self._lock = threading.Lock()
        self._blocks: list[Pcm] = []
        self._error: AudioDecodeError | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._fed = 0
        self.samples_out = 0
        """Samples per channel returned so far."""

    @property
    def sample_rate(self) -> int | None:
        """The output rate (None until the first frame when constructed with ``sample_rate=None``)."""
        return self._converter.rate

    def feed(self, data: bytes) -> Pcm:
        """Push the next bytes of the stream; returns the PCM decoded since the previous call."""
        if self._closed:
            raise RuntimeError("StreamDecoder is closed")
        if data:
            self._fed += len(data)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="scaigrid-stream-decoder", daemon=True)
                self._thread.start()
            self._pipe.push(bytes(data))
            self._pipe.wait_consumed()
        return self._take()

    def close(self) -> Pcm:
        """End of input: decode what is left and return the final PCM (raises if the stream was bad)."""
        if self._closed:
            return self._take()
        self._closed = True
        if self._thread is None:
            raise AudioDecodeError.empty("the audio stream ended before any data")
        self._pipe.finish()
        self._thread.join()
        before = self.samples_out
        tail = self._take()
        if before == 0 and self.samples_out == 0:
            raise AudioDecodeError.empty("the audio stream contains no audio samples")
        return tail

    def abort(self) -> None:
        """Stop decoding without waiting for the remaining input (a client went away)."""
        self._closed = True
        self._pipe.finish(abort=True)
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> StreamDecoder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.abort()

    def _take(self) -> Pcm:
        with self._lock:
            blocks, self._blocks = self._blocks, []
            error = self._error
        if error is not None:
            raise error
        channels = self._converter.channels or 1
        if not blocks:
            return np.zeros(0 if self._mono or channels == 1 else (channels, 0), dtype=np.float32)
        out = np.concatenate(blocks, axis=1)
        self.samples_out += out.shape[1]
        return out[0] if out.shape[0] == 1 else out

    def _emit(self, blocks: list[Pcm]) -> None:
        if blocks:
            with self._lock:
                self._blocks.extend(blocks)

    def _fail(self, error: AudioDecodeError) -> None:
        with self._lock:
            self._error = error

    def _run(self) -> None:
        try:
            self._decode()
        except AudioDecodeError as exc:
            if not self._pipe.aborted:
                self._fail(exc)
        except av.error.FFmpegError as exc:
            if not self._pipe.aborted:
                self._fail(
                    AudioDecodeError.undecodable("the audio stream is cut off or corrupt", cause=str(exc))
                )
        finally:
            self._pipe.mark_done()

    def _decode(self) -> None:
        fmt = "matroska" if self.format == "webm" else self.format
        try:
            container = av.open(
                self._pipe, mode="r", format=fmt, options=_LIVE_OPTIONS, metadata_errors="replace"
            )
        except av.error.FFmpegError:
            if self._pipe.aborted:
                return
            if looks_like_audio(bytes(self._pipe.head)):
                raise AudioDecodeError.undecodable("the stream looks like audio but cannot be read") from None
            raise AudioDecodeError.unsupported("the stream is not a recognised audio format") from None
        with container:
            if not container.streams.audio:
                raise AudioDecodeError.unsupported("the stream has no audio track")
            stream = container.streams.audio[0]
            bad = 0
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    bad += 1
                    if bad > _MAX_BAD_PACKETS:
                        raise AudioDecodeError.undecodable(
                            "the audio stream is corrupt", bad_packets=bad
                        ) from None
                    continue
                for frame in frames:
                    self._emit(self._converter.convert(frame))
            self._emit(self._converter.flush())
