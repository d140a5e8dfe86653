"""scaigrid.audio.sniff: telling audio from non-audio by its first bytes, and cut-off headers."""

from __future__ import annotations

import io
import struct

import numpy as np
from scaigrid.audio import encode
from scaigrid.audio.sniff import has_mp3_length_header, looks_like_audio, ogg_ending, wav_truncation

from tests.audio_fixtures import tone

SR = 16000


def test_container_magic_is_audio() -> None:
    for fmt in ("wav", "flac", "opus", "m4a", "aac", "mp3"):
        assert looks_like_audio(encode(tone(440, 0.5, SR), SR, fmt)[:4096]), fmt
    assert not looks_like_audio(b"%PDF-1.7\n" + bytes(100))
    assert not looks_like_audio(b"")


def test_one_frame_sync_is_not_enough() -> None:
    """Random bytes begin with an MPEG frame sync about once in 800 inputs; it takes a
    second frame where the first one's length says to convince us."""
    data = encode(tone(440, 0.5, SR), SR, "mp3")
    start = data.index(b"\xff\xf3")  # first audio frame after the Xing/Info frame
    assert looks_like_audio(data[start:])
    lone_sync = b"\xff\xe4" + np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes()[2:]
    assert not looks_like_audio(lone_sync)


def test_mp3_length_header() -> None:
    data = encode(tone(440, 0.5, SR), SR, "mp3")
    assert has_mp3_length_header(io.BytesIO(data))
    assert not has_mp3_length_header(io.BytesIO(data[data.index(b"\xff\xf3", 100) :]))


def test_wav_truncation() -> None:
    data = encode(tone(440, 1.0, SR), SR, "wav")
    assert wav_truncation(io.BytesIO(data), len(data)) is None
    assert wav_truncation(io.BytesIO(data[:1000]), 1000) == (32000, 1000 - 44, 32000)
    unknown = data[:40] + struct.pack("<I", 0) + data[44:1000]
    assert wav_truncation(io.BytesIO(unknown), len(unknown)) is None


def test_ogg_ending() -> None:
    data = encode(tone(440, 1.0, SR), SR, "opus")
    assert ogg_ending(io.BytesIO(data), len(data)) == "eos"
    cut = data[: len(data) - 10]
    assert ogg_ending(io.BytesIO(cut), len(cut)) == "truncated"
    # Cut exactly before the last page: a complete stream that was never finalised.
    last = data.rindex(b"OggS")
    assert ogg_ending(io.BytesIO(data[:last]), last) == "open"
