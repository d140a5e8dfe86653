"""Recognise audio containers from their first bytes, and check the lengths their headers declare.

FFmpeg answers "Invalid data" both for a text file and for an m4a whose index is cut
off; the magic bytes tell those apart (415 versus 400). FFmpeg also hides a truncated
WAV (it re-derives the length from the file size) and a cut-off Ogg page, so the RIFF
chunk sizes and the last Ogg page are read here.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Literal

__all__ = [
    "HEAD_BYTES",
    "has_mp3_length_header",
    "looks_like_audio",
    "ogg_ending",
    "truncation_slack",
    "wav_truncation",
]

HEAD_BYTES = 4096
"""How much of the start of an input is read for sniffing."""

# A decode shorter than an exact header's duration by more than this is truncation;
# less is tolerated (encoders and editors are sloppy about the last fraction of a second).
_SLACK_SECONDS = 0.25
_SLACK_SHARE = 0.02

_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"RIFF"),
    (0, b"RIFX"),
    (0, b"RF64"),
    (0, b"fLaC"),
    (0, b"OggS"),
    (0, b"ID3"),
    (0, b"\x1a\x45\xdf\xa3"),  # EBML: matroska / webm
    (4, b"ftyp"),  # ISO-BMFF: mp4 / m4a / mov / 3gp
    (0, b"FORM"),  # AIFF
    (0, b"#!AMR"),
    (0, b"caff"),
    (0, b"wvpk"),
    (0, b"MAC "),
    (0, b".snd"),
)

# MPEG audio bit rates (kb/s) by (MPEG-1?, layer) and the rates by version bits.
_BITRATES = {
    (True, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def truncation_slack(declared_seconds: float) -> float:
    """How much shorter than ``declared_seconds`` audio may be before it counts as truncated."""
    return max(_SLACK_SECONDS, _SLACK_SHARE * declared_seconds)


def _mpeg_frame_length(h: bytes) -> int | None:
    """Length of the MPEG audio frame whose 4-byte header is ``h``, None if not a valid header."""
    if len(h) < 4 or h[0] != 0xFF or h[1] & 0xE0 != 0xE0:
        return None
    version, layer = (h[1] >> 3) & 3, (h[1] >> 1) & 3  # layer bits: 3 = I, 2 = II, 1 = III
    bitrate_index, rate_index, padding = h[2] >> 4, (h[2] >> 2) & 3, (h[2] >> 1) & 1
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MPEG_RATES[version][rate_index]
    if layer == 3:
        return (12 * bitrate // rate + padding) * 4
    if layer == 1 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def _adts_frame_length(h: bytes) -> int | None:
    if len(h) < 7 or h[0] != 0xFF or h[1] & 0xF6 != 0xF0:
        return None
    length = ((h[3] & 0x03) << 11) | (h[4] << 3) | (h[5] >> 5)
    return length if length >= 7 else None


def looks_like_audio(head: bytes) -> bool:
    """True when ``head`` starts like an audio container, or with two consecutive MPEG audio
    or ADTS frames (one frame sync alone turns up in random bytes too often)."""
    if any(head[offset : offset + len(magic)] == magic for offset, magic in _MAGIC):
        return True
    for frame_length in (_mpeg_frame_length, _adts_frame_length):
        first = frame_length(head)
        if first is not None and frame_length(head[first : first + 7]) is not None:
            return True
    return False


def has_mp3_length_header(fh: BinaryIO) -> bool:
    """True when an MP3 carries a Xing/Info/VBRI frame, i.e. its duration is exact rather than
    estimated from the first frame's bitrate (only then can a short decode mean truncation)."""
    fh.seek(0)
    head = fh.read(10)
    start = 0
    if head[:3] == b"ID3" and len(head) == 10:
        # ID3v2 size: four 7-bit "syncsafe" bytes, plus the 10-byte header (and footer flag).
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        start = 10 + size + (10 if head[5] & 0x10 else 0)
    fh.seek(start)
    frame = fh.read(HEAD_BYTES)
    return any(tag in frame for tag in (b"Xing", b"Info", b"VBRI"))


def wav_truncation(fh: BinaryIO, size: int) -> tuple[int, int, int] | None:
    """For a RIFF/WAVE input of ``size`` bytes, ``(declared, present, byte_rate)`` of the
    ``data`` chunk when it claims more bytes than the file holds; None when complete or
    not a WAV.

    A ``data`` size of 0 or 0xFFFFFFFF is what streaming writers leave when they cannot
    seek back; that means "until the end", not truncation.
    """
    fh.seek(0)
    riff = fh.read(12)
    if len(riff) < 12 or riff[:4] not in (b"RIFF", b"RIFX") or riff[8:12] != b"WAVE":
        return None
    endian = "<" if riff[:4] == b"RIFF" else ">"
    pos, byte_rate = 12, 0
    # Chunks before "data" (fmt, LIST, bext, ...) are few; bound the walk anyway.
    for _ in range(64):
        fh.seek(pos)
        header = fh.read(20)
        if len(header) < 8:
            return None
        chunk_id = header[:4]
        (chunk_size,) = struct.unpack(endian + "I", header[4:8])
        if chunk_id == b"fmt " and len(header) == 20:
            # fmt: format tag, channels, sample rate, then the byte rate.
            (byte_rate,) = struct.unpack(endian + "I", header[16:20])
        if chunk_id == b"data":
            if chunk_size in (0, 0xFFFFFFFF):
                return None
            present = size - (pos + 8)
            return (chunk_size, present, byte_rate) if present < chunk_size else None
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def _ogg_page_length(data: bytes, at: int) -> int | None:
    """Length of the Ogg page starting at ``at`` (None when its header is not all there)."""
    if len(data) < at + 27 or data[at + 4] != 0:
        return None
    segments = data[at + 26]
    if len(data) < at + 27 + segments:
        return None
    return 27 + segments + sum(data[at + 27 : at + 27 + segments])


def ogg_ending(fh: BinaryIO, size: int) -> Literal["eos", "open", "truncated"] | None:
    """How an Ogg input ends: ``eos`` (a complete end-of-stream page, so the granule-based
    duration is exact), ``open`` (a complete page without the flag: a stream cut at a page
    boundary or never finalised), ``truncated`` (the last page is cut off), None if unclear.
    """
    tail_start = max(0, size - 2 * 65536)  # two maximal pages
    fh.seek(tail_start)
    tail = fh.read()
    starts = []
    at = tail.find(b"OggS")
    while at != -1:
        starts.append(at)
        at = tail.find(b"OggS", at + 1)
    # Walk back from the last capture pattern. A valid page that ends exactly at the end of
    # the input is the last page. A page cut off by the end counts only when the page before
    # it ends where it starts (a pattern inside packet data would not be chained).
    for last in reversed(starts):
        length = _ogg_page_length(tail, last)
        if length is not None and last + length == len(tail):
            return "eos" if tail[last + 5] & 0x04 else "open"
        if (last == 0 and tail_start == 0) or any(
            _ogg_page_length(tail, prev) == last - prev for prev in starts if prev < last
        ):
            # A chained page that overruns the end is cut off; one that stops short of it
            # leaves trailing bytes that are not ours to judge.
            return "truncated" if length is None or last + length > len(tail) else None
    return None
