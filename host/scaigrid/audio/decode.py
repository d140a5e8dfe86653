"""Decode a whole input (wav, mp3, flac, ogg/opus, m4a/aac, webm, ...) to float32 PCM.

Sync and CPU-bound: callers on the event loop use ``await platform.run_cpu(decode, path)``.
A path is read by FFmpeg directly, so the file's bytes never pass through Python; the
output goes into one buffer sized from the declared duration.
"""

from __future__ import annotations

import io
import math

import av.error

from scaigrid.audio.convert import FrameConverter, PcmBuffer
from scaigrid.audio.errors import AudioDecodeError, AudioEncodeError
from scaigrid.audio.resample import Pcm
from scaigrid.audio.sniff import truncation_slack
from scaigrid.audio.source import AudioSource, OpenedAudio, open_audio

__all__ = ["decode", "decode_bytes", "decode_with_rate"]

# A few corrupt packets in a long file are tolerated, as FFmpeg's CLI does; more than this
# share means the input is damaged rather than blemished.
_MAX_BAD_PACKET_SHARE = 0.05
_MAX_BAD_PACKETS_ALWAYS_OK = 2
# Decoded audio at most this much longer than an exact header's duration is encoder padding.
_PADDING_TRIM_SECONDS = 0.5


def _check_target(sample_rate: int | None, channels: int | None) -> None:
    if sample_rate is not None and sample_rate <= 0:
        raise AudioEncodeError("INVALID_PCM", f"sample_rate must be positive, got {sample_rate}")
    if channels is not None and not 1 <= channels <= 64:
        raise AudioEncodeError("INVALID_PCM", f"channels must be between 1 and 64, got {channels}")


def _decode_opened(opened: OpenedAudio, sample_rate: int | None, channels: int | None) -> tuple[Pcm, int]:
    stream = opened.stream
    source_rate = stream.codec_context.sample_rate or 0
    out_rate = sample_rate or source_rate or None
    converter = FrameConverter(out_rate, channels)
    seconds = (
        opened.declared_seconds
        if opened.declared_seconds and math.isfinite(opened.declared_seconds)
        else 30.0
    )
    # 2 % spare covers codec padding; a wrong estimate only costs a regrow.
    buffer = PcmBuffer(int(min(seconds, 6 * 3600) * (out_rate or 48000) * 1.02) + 4096)
    packets = bad = 0
    demux_error: str | None = None
    demuxer = opened.container.demux(stream)
    while True:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except av.error.FFmpegError as exc:
            demux_error = str(exc)
            break
        packets += 1
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            bad += 1
            continue
        for frame in frames:
            buffer.extend(converter.convert(frame))
    buffer.extend(converter.flush())
    rate = converter.rate or out_rate or 0

    if buffer.length == 0:
        if bad or demux_error:
            raise AudioDecodeError.undecodable("no audio could be decoded", bad_packets=bad)
        raise AudioDecodeError.empty("the input contains no audio samples")
    if demux_error is not None:
        raise AudioDecodeError.undecodable("the input is cut off or corrupt", cause=demux_error)
    if bad > max(_MAX_BAD_PACKETS_ALWAYS_OK, _MAX_BAD_PACKET_SHARE * packets):
        raise AudioDecodeError.undecodable("the input is corrupt", bad_packets=bad, packets=packets)
    decoded = buffer.length / rate
    declared = opened.declared_seconds
    if opened.exact_length and declared is not None:
        if decoded < declared - truncation_slack(declared):
            raise AudioDecodeError.undecodable(
                "the input is shorter than its header states (truncated or corrupt)",
                declared_seconds=round(declared, 3),
                decoded_seconds=round(decoded, 3),
            )
        # Codec padding past the stated end (AAC's last frame in MP4) is not audio.
        excess = decoded - declared
        if 0 < excess <= _PADDING_TRIM_SECONDS:
            buffer.truncate(round(declared * rate))
    mono = channels == 1 or (channels is None and converter.channels == 1)
    return buffer.result(mono, converter.channels or 1), rate


def decode_with_rate(
    source: AudioSource, *, sample_rate: int | None = 16000, channels: int | None = 1
) -> tuple[Pcm, int]:
    """Like :func:`decode`, and also returns the output rate (the source's when ``sample_rate``
    is None)."""
    _check_target(sample_rate, channels)
    with open_audio(source) as opened:
        return _decode_opened(opened, sample_rate, channels)


def decode(source: AudioSource, *, sample_rate: int | None = 16000, channels: int | None = 1) -> Pcm:
    """Decode the first audio stream of ``source`` (a path or a binary file object) to float32 PCM.

    Returns shape ``(n,)`` when the output is mono, else ``(channels, n)``. ``sample_rate`` /
    ``channels`` of None keep the source's. Raises :class:`AudioDecodeError` (``empty``,
    ``unsupported``, ``undecodable``: truncated, corrupt, or no samples).
    """
    return decode_with_rate(source, sample_rate=sample_rate, channels=channels)[0]


def decode_bytes(data: bytes, *, sample_rate: int | None = 16000, channels: int | None = 1) -> Pcm:
    """:func:`decode` for an in-memory input (a small WebSocket message, a test vector)."""
    if not data:
        raise AudioDecodeError.empty()
    return decode(io.BytesIO(data), sample_rate=sample_rate, channels=channels)
