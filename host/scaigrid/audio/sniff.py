"""Recognise audio containers from their first bytes and check the lengths their headers declare.

FFmpeg answers "Invalid data" both for a text file and for an m4a whose index is
cut off; the magic bytes tell those apart (415 versus 400). FFmpeg also hides a
truncated WAV (it re-derives the length from the file size), so the RIFF chunk
sizes are read here.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

__all__ = ["HEAD_BYTES", "has_mp3_length_header", "looks_like_audio", "wav_truncation"]

HEAD_BYTES = 4096
"""How much of the start of an input is read for sniffing."""

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


def looks_like_audio(head: bytes) -> bool:
    """True when ``head`` starts like an audio container or an MPEG/ADTS audio frame."""
    if any(head[offset : offset + len(magic)] == magic for offset, magic in _MAGIC):
        return True
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # Frame sync: layer bits 01-11 are MPEG layer III-I; 00 with a 12-bit sync is ADTS AAC.
        return (head[1] >> 1) & 0x03 != 0 or head[1] & 0xF0 == 0xF0
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


def wav_truncation(fh: BinaryIO, size: int) -> tuple[int, int] | None:
    """For a RIFF/WAVE input of ``size`` bytes, ``(declared, present)`` data bytes when the
    ``data`` chunk claims more bytes than the file holds; None when complete or not a WAV.

    A ``data`` size of 0 or 0xFFFFFFFF is what streaming writers leave when they cannot
    seek back; that means "until the end", not truncation.
    """
    fh.seek(0)
    riff = fh.read(12)
    if len(riff) < 12 or riff[:4] not in (b"RIFF", b"RIFX") or riff[8:12] != b"WAVE":
        return None
    endian = "<" if riff[:4] == b"RIFF" else ">"
    pos = 12
    # Chunks before "data" (fmt, LIST, bext, ...) are few; bound the walk anyway.
    for _ in range(64):
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            return None
        chunk_id = header[:4]
        (chunk_size,) = struct.unpack(endian + "I", header[4:])
        if chunk_id == b"data":
            if chunk_size in (0, 0xFFFFFFFF):
                return None
            present = size - (pos + 8)
            return (chunk_size, present) if present < chunk_size else None
        pos += 8 + chunk_size + (chunk_size & 1)
    return None
