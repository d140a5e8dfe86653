"""RelayClient and the ready-made relay backends against the fake OpenAI server on loopback."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from scaigrid.backends import AnalysisRequest, BackendRegistry, SttRequest, TtsRequest
from scaigrid.backends.relay import RelayClient, stt_result_from_verbose_json
from scaigrid.backends.relay_backends import RelayAnalyzer, RelaySpeechToText, RelayTextToSpeech
from scaigrid.errors import ScaigridError
from scaigrid.records import BackendSpec
from scaigrid.settings import Settings

from tests.audio_fixtures import tone, write_wav
from tests.fakes import FakeOpenAI


@pytest.fixture
def client(openai_fake: FakeOpenAI) -> RelayClient:
    return RelayClient(openai_fake.base_url, openai_fake.api_key, timeout=10)


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "call.wav", tone(300, 1.5), 16000)


def test_transcribe_posts_multipart_and_returns_verbose_json(
    client: RelayClient, openai_fake: FakeOpenAI, wav: Path
) -> None:
    body = client.transcribe(
        wav, model="whisper-1", language="en", temperature=0.2, timestamp_granularities=("segment", "word")
    )
    size = wav.stat().st_size
    assert body["text"] == f"call.wav {size} bytes"
    assert body["duration"] == pytest.approx(1.5, abs=0.01)
    assert [w["word"] for w in body["words"]] == ["call.wav", str(size), "bytes"]
    (req,) = openai_fake.requests
    assert req.path == "/v1/audio/transcriptions"
    assert req.headers["authorization"] == f"Bearer {openai_fake.api_key}"
    assert req.file_name == "call.wav" and req.file_size == size
    assert req.form["model"] == ["whisper-1"] and req.form["language"] == ["en"]
    assert req.form["temperature"] == ["0.2"] and req.form["response_format"] == ["verbose_json"]
    assert req.form["timestamp_granularities[]"] == ["segment", "word"]


def test_transcribe_text_format_and_scripted_transcripts(
    client: RelayClient, openai_fake: FakeOpenAI, wav: Path
) -> None:
    openai_fake.script_transcripts("hello there", "second call")
    assert client.transcribe(wav, model="whisper-1", response_format="text") == "hello there"
    assert client.transcribe(wav, model="whisper-1", response_format="json") == {"text": "second call"}


def test_verbose_json_maps_onto_stt_result() -> None:
    payload = {
        "language": "english",
        "duration": 2.0,
        "text": " good morning team ",
        "segments": [
            {"start": 0.0, "end": 1.0, "text": " good morning", "avg_logprob": -0.1},
            {"start": 1.0, "end": 2.0, "text": " team", "avg_logprob": -0.7},
        ],
        "words": [
            {"word": "good", "start": 0.0, "end": 0.4},
            {"word": "morning", "start": 0.4, "end": 0.9},
            {"word": "team", "start": 1.2, "end": 1.6},
        ],
    }
    result = stt_result_from_verbose_json(payload, model="whisper-1")
    assert (result.text, result.language, result.duration_seconds) == ("good morning team", "en", 2.0)
    assert [s.text for s in result.segments] == ["good morning", "team"]
    assert result.segments[0].confidence == pytest.approx(np.exp(-0.1))
    assert [w.word for w in result.segments[0].words or []] == ["good", "morning"]
    assert [w.word for w in result.segments[1].words or []] == ["team"]


def test_chat_json_sends_the_schema_and_parses_the_object(
    client: RelayClient, openai_fake: FakeOpenAI
) -> None:
    schema = {"type": "object", "properties": {"sentiment": {"type": "string"}}, "required": ["sentiment"]}
    openai_fake.chat_response = lambda body: {
        "sentiment": "positive",
        "echo": body["messages"][-1]["content"],
    }
    data = client.chat_json(
        [{"role": "user", "content": "great call"}], schema, model="gpt-x", schema_name="call"
    )
    assert data == {"sentiment": "positive", "echo": "great call"}
    sent = openai_fake.requests[0].json
    assert sent is not None and sent["model"] == "gpt-x"
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "call", "schema": schema, "strict": True},
    }


def test_chat_json_rejects_a_non_object(client: RelayClient, openai_fake: FakeOpenAI) -> None:
    openai_fake.chat_response = lambda body: ["not", "an", "object"]  # type: ignore[assignment,return-value]
    with pytest.raises(ScaigridError) as err:
        client.chat_json([{"role": "user", "content": "x"}], {"type": "object"}, model="m")
    assert (err.value.status_code, err.value.code) == (502, "BACKEND_UNAVAILABLE")


def test_speech_returns_encoded_audio(client: RelayClient, openai_fake: FakeOpenAI) -> None:
    text = "twenty characters ok"
    audio = client.speech(text, voice="alloy", model="tts-1", format="wav")
    pcm, rate = sf.read(io.BytesIO(audio), dtype="float32")
    assert rate == 24000 and len(pcm) == int(24000 * 0.05 * len(text))
    assert openai_fake.requests[0].json == {
        "model": "tts-1",
        "input": text,
        "voice": "alloy",
        "response_format": "wav",
    }


def test_upstream_errors_become_502_with_the_upstream_status(
    client: RelayClient, openai_fake: FakeOpenAI, wav: Path
) -> None:
    openai_fake.fail_next(500)
    with pytest.raises(ScaigridError) as err:
        client.speech("hi", voice="alloy", model="tts-1")
    assert (err.value.status_code, err.value.code) == (502, "BACKEND_UNAVAILABLE")
    assert err.value.details == {"upstream_status": 500, "reason": "upstream"}
    assert "scripted failure 500" in err.value.message

    wrong_key = RelayClient(openai_fake.base_url, "sk-wrong", error_code="SCAIECHO_BACKEND_UNAVAILABLE")
    with pytest.raises(ScaigridError) as err:
        wrong_key.transcribe(wav, model="whisper-1")
    assert err.value.code == "SCAIECHO_BACKEND_UNAVAILABLE" and err.value.details["upstream_status"] == 401
    # The client recovers once the upstream does.
    assert client.speech("hi", voice="alloy", model="tts-1", format="pcm")


def test_timeouts_and_unreachable_relays(openai_fake: FakeOpenAI) -> None:
    openai_fake.delay_seconds = 5.0
    slow = RelayClient(openai_fake.base_url, openai_fake.api_key, timeout=0.2)
    with pytest.raises(ScaigridError) as err:
        slow.chat_json([{"role": "user", "content": "x"}], {"type": "object"}, model="m")
    assert err.value.code == "BACKEND_UNAVAILABLE" and err.value.details == {
        "upstream_status": None,
        "reason": "timeout",
    }

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    gone = RelayClient(f"http://127.0.0.1:{closed_port}/v1", "k", timeout=2)
    with pytest.raises(ScaigridError) as err:
        gone.speech("hi", voice="v", model="m")
    assert err.value.status_code == 502 and err.value.details["reason"] == "unreachable"


def test_an_unconfigured_relay_is_a_503() -> None:
    client = RelayClient.from_settings(Settings())
    assert not client.configured
    with pytest.raises(ScaigridError) as err:
        client.speech("hi", voice="v", model="m")
    assert (err.value.status_code, err.value.code) == (503, "BACKEND_UNAVAILABLE")


def test_base_url_with_or_without_v1_and_settings_override(openai_fake: FakeOpenAI) -> None:
    settings = Settings(relay_base_url=openai_fake.base_url + "/v1/", relay_api_key=openai_fake.api_key)
    assert RelayClient.from_settings(settings).speech("a", voice="v", model="m", format="pcm")
    elsewhere = RelayClient.from_settings(settings, base_url="http://127.0.0.1:1", api_key="x")
    assert elsewhere.base_url == "http://127.0.0.1:1"


@pytest.mark.anyio
async def test_relay_backends_serve_through_the_registry(openai_fake: FakeOpenAI) -> None:
    platform = SimpleNamespace(settings=Settings(**openai_fake.settings_overrides()))
    registry = BackendRegistry(platform=platform)
    specs = [
        ("stt", lambda p: RelaySpeechToText(RelayClient.from_settings(p.settings), model="whisper-1")),
        ("tts", lambda p: RelayTextToSpeech(RelayClient.from_settings(p.settings), model="tts-1")),
        ("analysis", lambda p: RelayAnalyzer(RelayClient.from_settings(p.settings), model="gpt-x")),
    ]
    for capability, factory in specs:
        registry.register(BackendSpec(capability=capability, name="relay", kind="B", factory=factory), "m")

    openai_fake.script_transcripts("relay says hello")
    request = SttRequest(pcm=tone(200, 1.0), sample_rate=16000, word_timestamps=True, language="en")
    stt = await registry.run("stt", "relay", "transcribe", request)
    assert stt.text == "relay says hello" and stt.language == "en"
    assert stt.duration_seconds == pytest.approx(1.0, abs=0.01)
    assert [w.word for w in stt.segments[0].words or []] == ["relay", "says", "hello"]
    assert openai_fake.requests[-1].file_name is not None and openai_fake.requests[-1].file_name.endswith(
        ".wav"
    )

    tts = await registry.run("tts", "relay", "synthesize", TtsRequest(text="ten chars!", voice="nova"))
    assert tts.sample_rate == 24000 and tts.voice == "nova" and tts.pcm.dtype == np.float32
    assert len(tts.pcm) == int(24000 * 0.5)

    openai_fake.chat_response = {"summary": "short"}
    schema = {"type": "object", "properties": {"summary": {"type": "string"}}}
    analysis = await registry.run(
        "analysis",
        "relay",
        "analyze",
        AnalysisRequest(text="call text", instructions="summarise", json_schema=schema),
    )
    assert analysis.data == {"summary": "short"} and analysis.model == "gpt-x"
    assert openai_fake.requests[-1].json is not None
    assert openai_fake.requests[-1].json["messages"][0] == {"role": "system", "content": "summarise"}
    await registry.close()
