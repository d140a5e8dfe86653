"""scaiecho/vad.py: speech regions through the host's VAD backend, packed into Whisper-sized windows."""

from __future__ import annotations

from typing import Any

from scaiecho.vad import pack_chunks, speech_ratio, speech_regions

from tests.audio_fixtures import concat, noise, silence
from tests.scaiecho.conftest import piper16k


def test_speech_regions_find_the_speech_between_silences(vad: Any) -> None:
    speech = piper16k("This sentence sits between two long silences.")
    pcm = concat(silence(2.0), speech, silence(2.0))
    regions = speech_regions(vad, pcm)
    assert regions, "speech was not detected"
    start, end = regions[0][0], regions[-1][1]
    spoken = len(speech) / 16000
    assert abs(start - 2.0) < 0.3
    assert abs(end - (2.0 + spoken)) < 0.4
    total = len(pcm) / 16000
    assert abs(speech_ratio(regions, total) - spoken / total) < 0.1


def test_silence_and_noise_have_no_speech(vad: Any) -> None:
    assert speech_regions(vad, silence(3.0)) == []
    assert speech_regions(vad, noise(3.0, amp=0.02)) == []
    assert speech_regions(vad, silence(0.05)) == []
    assert speech_ratio([], 0.0) == 0.0


def test_pack_chunks_groups_regions_up_to_the_window() -> None:
    regions = [(0.0, 10.0), (11.0, 20.0), (21.0, 29.0), (31.0, 40.0)]
    chunks = pack_chunks(regions, max_seconds=30.0, pad=0.0, duration=45.0)
    assert chunks == [(0.0, 29.0), (31.0, 40.0)]
    assert all(e - s <= 30.0 for s, e in chunks)


def test_pack_chunks_cuts_a_long_region_and_pads_within_the_audio() -> None:
    chunks = pack_chunks([(0.1, 70.0)], max_seconds=30.0, pad=0.2, duration=70.1)
    assert chunks[0][0] == 0.0
    assert chunks[-1][1] == 70.1
    assert all(e - s <= 30.0 + 1e-9 for s, e in chunks)
    covered = sum(e - s for s, e in chunks)
    assert abs(covered - 70.1) < 1e-6
