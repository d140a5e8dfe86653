"""openai_speech.py with the official ``openai`` client on a live server: every format, streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import openai
import pytest
import soundfile as sf

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX, decode_any

TEXT = "The first sentence comes out first. The second one follows it. And a third closes the clip."


@pytest.fixture(scope="module")
def client(host: Host, key: str) -> Iterator[openai.OpenAI]:
    with host.live() as base:
        yield openai.OpenAI(api_key=key, base_url=f"{base}{PREFIX}/v1", max_retries=0, timeout=120)


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_the_official_client_gets_audio_in_every_format(client: openai.OpenAI, fmt: str) -> None:
    resp = client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT, response_format=fmt)  # type: ignore[arg-type]
    data = resp.read()
    if fmt == "wav":  # streamed: the header's sizes say "unknown"; read the samples after it
        pcm = np.frombuffer(data[44:], dtype="<i2").astype(np.float32) / 32768.0
        rate = int.from_bytes(data[24:28], "little")
    else:
        pcm, rate = decode_any(data, fmt, 22050)
    assert rate in (22050, 24000, 48000) and len(pcm) / rate > 3.0


def test_streaming_response_arrives_in_pieces(client: openai.OpenAI) -> None:
    chunks: list[bytes] = []
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="preset-piper-joe", input=TEXT, response_format="pcm"
    ) as resp:
        assert resp.headers["x-scaispeak-sample-rate"] == "22050"
        chunks.extend(resp.iter_bytes())
    audio = b"".join(chunks)
    assert len(audio) / 2 / 22050 > 3.0
    assert len(chunks) >= 3  # one piece per phrase at least: the first audio did not wait for the rest


def test_errors_are_openai_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.audio.speech.create(model="tts-1", voice="nobody", input="hi")
    assert info.value.code == "SCAISPEAK_VOICE_NOT_FOUND"
    with pytest.raises(openai.BadRequestError):
        client.audio.speech.create(model="tts-1", voice="alloy", input="hi", speed=9.0)


def test_a_wav_stream_is_readable_by_soundfile_after_the_fact(client: openai.OpenAI) -> None:
    data = client.audio.speech.create(
        model="tts-1", voice="nova", input="Short one.", response_format="flac"
    ).read()
    pcm, rate = sf.read(io.BytesIO(data), dtype="float32")
    assert rate == 22050 and len(pcm) > 0
