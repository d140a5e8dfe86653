"""normalise_input: readable files pass as they are, others are decoded once, junk is a coded error."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
from audio_engine.inputs import normalise_input
from scaigrid.audio import encode
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import stereo, tone, write_wav


def test_wav_and_flac_are_used_as_uploaded(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "a.wav", tone(300, 0.5), 16000)
    assert normalise_input(wav, 0, "a.wav", tmp_path) == wav
    flac = tmp_path / "a.flac"
    sf.write(flac, tone(300, 0.5), 16000, format="FLAC")
    assert normalise_input(flac, 1, "a.flac", tmp_path) == flac


def test_m4a_is_decoded_keeping_rate_and_channels(tmp_path: Path) -> None:
    m4a = tmp_path / "upload"
    encode(stereo(tone(300, 1.0, sr=44100), tone(500, 1.0, sr=44100)), 44100, "m4a", m4a)
    out = normalise_input(m4a, 2, "voice.m4a", tmp_path)
    info = sf.info(out)
    assert out.parent == tmp_path and out.name == "input02.wav"
    assert (info.samplerate, info.channels) == (44100, 2)
    assert info.frames / 44100 == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "AUDIO_ENGINE_EMPTY_AUDIO"),
        (b"hello, not audio" * 40, 415, "AUDIO_ENGINE_UNSUPPORTED_AUDIO"),
    ],
)
def test_bad_input_is_recoded(tmp_path: Path, content: bytes, status: int, code: str) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(content)
    with pytest.raises(ScaigridError) as info:
        normalise_input(path, 3, "x.bin", tmp_path)
    assert (info.value.status_code, info.value.code) == (status, code)
    assert info.value.details == {"index": 3, "filename": "x.bin"}
