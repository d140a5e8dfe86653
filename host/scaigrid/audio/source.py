"""Open an input (path, file object or bytes) as a PyAV container and pick its audio stream,
turning every way that can fail into a coded :class:`AudioDecodeError`.

``probe``, ``decode`` and ``StreamDecoder`` share this so that the same file fails the
same way whichever of them sees it first.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
import av.error
from av.audio.stream import AudioStream
from av.container import InputContainer

from scaigrid.audio.errors import AudioDecodeError
from scaigrid.audio.sniff import (
    HEAD_BYTES,
    has_mp3_length_header,
    looks_like_audio,
    ogg_ending,
    truncation_slack,
    wav_truncation,
)

__all__ = ["AudioSource", "OpenedAudio", "container_name", "open_audio"]

AudioSource = str | os.PathLike[str] | BinaryIO
"""A file path, or a binary file object positioned at the start of the data."""

# FFmpeg demuxers whose header states the stream length exactly (not estimated
# from a bitrate); only for these can a short decode be called truncation.
_EXACT_LENGTH_FORMATS = frozenset({"flac", "mov,mp4,m4a,3gp,3g2,mj2", "aiff", "caf", "wav", "w64"})
_SAMPLE_EXACT_FORMATS = frozenset({"wav", "w64", "flac", "aiff", "caf"})
_WEBM_CODECS = frozenset({"opus", "vorbis", "vp8", "vp9", "av1"})


@dataclass(frozen=True, slots=True)
class OpenedAudio:
    """An open container, its first audio stream, and what its header promises."""

    container: InputContainer
    stream: AudioStream
    declared_seconds: float | None
    """Duration from the header (or FFmpeg's estimate), None when unknown."""
    exact_length: bool
    """True when ``declared_seconds`` comes from a header that states it exactly."""
    declared_frames: int | None
    """Samples per channel when the container states them sample-exactly (wav, flac, aiff)."""


def container_name(container: InputContainer) -> str:
    """A short name for FFmpeg's demuxer name (``mov,mp4,m4a,3gp,3g2,mj2`` → ``mp4``)."""
    name = container.format.name
    if name == "mov,mp4,m4a,3gp,3g2,mj2":
        return "mp4"
    if name == "matroska,webm":
        codecs = {s.codec_context.name for s in container.streams if s.codec_context is not None}
        return "webm" if codecs <= _WEBM_CODECS else "matroska"
    if name == "aac":
        return "adts"
    return name


def _sniff(fh: BinaryIO, size: int) -> tuple[bytes, bool]:
    """First bytes of the input, and whether its header states the duration exactly where that
    depends on the bytes (an MP3 Xing/Info frame, a finalised Ogg stream); raises when a WAV or
    Ogg input is visibly cut off."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    exact = False
    truncated = wav_truncation(fh, size)
    if truncated is not None:
        declared, present, byte_rate = truncated
        missing = (declared - present) / byte_rate if byte_rate else float("inf")
        if missing > truncation_slack(declared / byte_rate if byte_rate else 0.0):
            raise AudioDecodeError.undecodable(
                "the WAV input is truncated", container="wav", declared_bytes=declared, present_bytes=present
            )
    elif head.startswith(b"OggS"):
        ending = ogg_ending(fh, size)
        if ending == "truncated":
            raise AudioDecodeError.undecodable(
                "the Ogg input is truncated: its last page is cut off", container="ogg"
            )
        exact = ending == "eos"
    elif not head.startswith((b"RIFF", b"fLaC")):
        exact = has_mp3_length_header(fh)
    fh.seek(0)
    return head, exact


def _stream_seconds(container: InputContainer, stream: AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(Fraction(container.duration, av.time_base))
    return None


@contextmanager
def open_audio(source: AudioSource) -> Iterator[OpenedAudio]:
    """Open ``source`` and yield its first audio stream; the container is closed on exit.

    Raises :class:`AudioDecodeError`: ``empty`` for zero bytes, ``unsupported`` when the
    input is not a recognised container or has no decodable audio stream, ``undecodable``
    when it looks like audio but its header is broken or it is truncated.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        size = os.stat(path).st_size
        if size == 0:
            raise AudioDecodeError.empty()
        with open(path, "rb") as fh:
            head, header_exact = _sniff(fh, size)
        target: str | BinaryIO = path
    else:
        size = source.seek(0, io.SEEK_END)
        if size == 0:
            raise AudioDecodeError.empty()
        head, header_exact = _sniff(source, size)
        target = source
    try:
        container = av.open(target, mode="r", metadata_errors="replace")
    except av.error.FFmpegError as exc:
        if looks_like_audio(head):
            raise AudioDecodeError.undecodable(
                "the input looks like audio but its header cannot be read", cause=str(exc)
            ) from None
        raise AudioDecodeError.unsupported("the input is not a recognised audio format") from None
    try:
        if not container.streams.audio:
            kinds = sorted({s.type for s in container.streams})
            raise AudioDecodeError.unsupported(
                "the input has no audio stream", container=container_name(container), streams=kinds
            )
        stream = container.streams.audio[0]
        if stream.codec_context is None:
            raise AudioDecodeError.unsupported("the audio codec has no decoder here")
        if not stream.codec_context.sample_rate:
            raise AudioDecodeError.undecodable("the audio stream's parameters cannot be read")
        fmt = container.format.name
        exact = fmt in _EXACT_LENGTH_FORMATS or (fmt in ("mp3", "ogg") and header_exact)
        # A webm/mkv Duration covers every track; trust it only for an audio-only file.
        exact = exact or (fmt == "matroska,webm" and len(container.streams) == 1)
        frames = None
        rate = stream.codec_context.sample_rate
        if (
            fmt in _SAMPLE_EXACT_FORMATS
            and stream.duration is not None
            and stream.time_base == Fraction(1, rate or 1)
        ):
            frames = int(stream.duration)
        yield OpenedAudio(container, stream, _stream_seconds(container, stream), exact, frames)
    finally:
        container.close()
