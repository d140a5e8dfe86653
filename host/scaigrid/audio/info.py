"""What an input holds — duration, rate, channels, codec, container — read from its headers."""

from __future__ import annotations

import math
from fractions import Fraction

import av.error
import msgspec

from scaigrid.audio.errors import AudioDecodeError
from scaigrid.audio.source import AudioSource, OpenedAudio, container_name, open_audio

__all__ = ["AudioInfo", "probe"]


class AudioInfo(msgspec.Struct, kw_only=True, frozen=True):
    """The first audio stream of an input, as its container describes it."""

    duration_seconds: float
    sample_rate: int
    channels: int
    codec: str
    """FFmpeg's codec name: ``pcm_s16le``, ``mp3``, ``flac``, ``opus``, ``aac``, ``vorbis``..."""
    container: str
    """``wav``, ``mp3``, ``flac``, ``ogg``, ``mp4`` (m4a), ``adts``, ``webm``, ``matroska``..."""
    frames: int | None = None
    """Samples per channel when the header states them exactly (wav, flac, aiff)."""
    bit_rate: int | None = None
    duration_exact: bool = False
    """True when the duration comes from a header that states it (not a bitrate estimate)."""


def _demuxed_seconds(opened: OpenedAudio) -> float:
    """End time of the last packet: reads the container but decodes nothing (for streams whose
    header has no duration, such as a MediaRecorder webm)."""
    end = Fraction(0)
    stream = opened.stream
    try:
        for packet in opened.container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            end = max(end, (packet.pts + (packet.duration or 0)) * packet.time_base)
    except av.error.FFmpegError as exc:
        raise AudioDecodeError.undecodable("the input is cut off or corrupt", cause=str(exc)) from None
    start = stream.start_time * stream.time_base if stream.start_time and stream.time_base else 0
    return float(end - start)


def probe(source: AudioSource) -> AudioInfo:
    """Describe the first audio stream of ``source`` without decoding it.

    Raises :class:`AudioDecodeError` like :func:`~scaigrid.audio.decode` does for inputs that
    are empty, not audio, or visibly broken (a WAV shorter than its header says).
    """
    with open_audio(source) as opened:
        ctx = opened.stream.codec_context
        seconds = opened.declared_seconds
        exact = opened.exact_length
        if seconds is None or not math.isfinite(seconds) or seconds <= 0:
            seconds, exact = _demuxed_seconds(opened), False
        rate = ctx.sample_rate or 0
        if opened.declared_frames is not None:
            seconds = opened.declared_frames / rate
        return AudioInfo(
            duration_seconds=round(seconds, 6),
            sample_rate=rate,
            channels=ctx.channels or 0,
            codec=ctx.codec.canonical_name,
            container=container_name(opened.container),
            frames=opened.declared_frames,
            bit_rate=ctx.bit_rate or opened.container.bit_rate or None,
            duration_exact=exact,
        )
