"""``POST /v1/audio/transcriptions`` (scaiecho/openai/) with the official ``openai`` client.

A real uvicorn server, real Whisper models and real piper speech: every response
format, word timestamps against the known sentence positions, ``whisper-1``
through each tenant's policy (self-hosted, another default model, the relay), and
every error in OpenAI's shape.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import numpy as np
import openai
import pytest
import scaiecho.plugin as scaiecho_plugin
import soundfile as sf
from scaiecho.openai.formatting import (
    OpenAISegment,
    OpenAIVerboseTranscription,
    compression_ratio,
    to_srt,
    to_vtt,
)
from scaiecho.openai.request import parse_options
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import noise, write_wav
from tests.fakes.openai_server import FakeOpenAI
from tests.harness import Host
from tests.scaiecho.conftest import SENTENCES, piper16k

PREFIX = "/v1/modules/scaiecho"
URL = f"{PREFIX}/v1/audio/transcriptions"
UPLOAD_LIMIT = 2_000_000
ERROR_KEYS = {"message", "type", "param", "code"}
SEGMENT_KEYS = [
    "id",
    "seek",
    "start",
    "end",
    "text",
    "tokens",
    "temperature",
    "avg_logprob",
    "compression_ratio",
    "no_speech_prob",
]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(" ".join(words(reference)), " ".join(words(hypothesis)) or "<empty>"))


# -- fixtures: one app, one live server, one relay per module ---------------------------------


@pytest.fixture(scope="module")
def relay() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, relay: FakeOpenAI) -> Iterator[Host]:
    with Host(
        tmp_path_factory.mktemp("openai"),
        plugins=[scaiecho_plugin],
        max_upload_bytes=UPLOAD_LIMIT,
        **relay.settings_overrides(),
    ) as h:
        yield h


@pytest.fixture(scope="module")
def base_url(host: Host) -> Iterator[str]:
    with host.live() as base:
        yield f"{base}{PREFIX}/v1"


def _tenant_with_policy(host: Host, name: str, **policy: str) -> str:
    tenant = host.tenant(name)
    if policy:
        admin = host.key(tenant, f"{name}-admin", permissions=["scaiecho:admin"])
        resp = host.client.patch(f"{PREFIX}/tenant-policy", json=policy, headers=host.headers(admin))
        assert resp.status_code == 200, resp.text
    return tenant


@pytest.fixture(scope="module")
def key(host: Host) -> str:
    """A member of a tenant on the tier defaults (A first, tiny.en)."""
    return host.key(_tenant_with_policy(host, "acme"), "alice")


@pytest.fixture(scope="module")
def client(base_url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[float]]:
    """About 10 s of piper speech: the WAV, its text, and when each sentence starts (seconds)."""
    pcm: list[np.ndarray] = [np.zeros(int(0.3 * 16000), dtype=np.float32)]
    starts: list[float] = []
    position = 0.3
    for sentence in SENTENCES:
        clip = piper16k(sentence)
        starts.append(position)
        pcm += [clip, np.zeros(int(0.8 * 16000), dtype=np.float32)]
        position += len(clip) / 16000 + 0.8
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    write_wav(path, np.concatenate(pcm), 16000)
    return path, " ".join(SENTENCES), starts


@pytest.fixture(scope="module")
def short_speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("short") / "short.wav"
    write_wav(path, piper16k(SENTENCES[0]), 16000)
    return path, SENTENCES[0]


def duration_of(path: Path) -> float:
    info = sf.info(str(path))
    return info.frames / info.samplerate


# -- the response formats ------------------------------------------------------------------


def test_json_is_the_default_and_recognises_the_speech(
    client: openai.OpenAI, speech: tuple[Path, str, list[float]]
) -> None:
    path, text, _ = speech
    with path.open("rb") as fh:
        raw = client.audio.transcriptions.with_raw_response.create(model="whisper-1", file=fh)
    result = raw.parse()
    assert isinstance(result, openai.types.audio.Transcription)
    assert raw.http_response.json() == {"text": result.text}
    assert wer(text, result.text) <= 0.3, result.text
    # whisper-1 = the tenant's default: tiny.en, self-hosted.
    assert raw.headers["x-scaiecho-model"] == "tiny.en"
    assert raw.headers["x-scaiecho-backend"] == "A"


def test_text_format_is_plain_text(client: openai.OpenAI, speech: tuple[Path, str, list[float]]) -> None:
    path, text, _ = speech
    with path.open("rb") as fh:
        raw = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=fh, response_format="text"
        )
    assert raw.headers["content-type"].startswith("text/plain")
    body = raw.parse()
    assert isinstance(body, str) and body.endswith("\n") and not body.startswith("{")
    assert wer(text, body) <= 0.3, body


SRT_CUE = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)\n([^\n]+)\n\n", re.S
)
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n([^\n]+)\n\n", re.S)


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _check_cues(cues: list[tuple[float, float, str]], text: str, duration: float) -> None:
    assert cues
    previous_end = 0.0
    for start, end, _ in cues:
        assert previous_end - 0.01 <= start < end <= duration + 0.5
        previous_end = end
    assert wer(text, " ".join(c[2] for c in cues)) <= 0.3


def test_srt_is_numbered_subrip(client: openai.OpenAI, speech: tuple[Path, str, list[float]]) -> None:
    path, text, _ = speech
    with path.open("rb") as fh:
        body = client.audio.transcriptions.create(model="whisper-1", file=fh, response_format="srt")
    assert isinstance(body, str)
    matches = list(SRT_CUE.finditer(body))
    assert "".join(m.group(0) for m in matches) == body, "the whole body is well-formed cues"
    assert [int(m.group(1)) for m in matches] == list(range(1, len(matches) + 1))
    cues = [(_seconds(*m.group(2, 3, 4, 5)), _seconds(*m.group(6, 7, 8, 9)), m.group(10)) for m in matches]
    _check_cues(cues, text, duration_of(path))


def test_vtt_is_webvtt(client: openai.OpenAI, speech: tuple[Path, str, list[float]]) -> None:
    path, text, _ = speech
    with path.open("rb") as fh:
        body = client.audio.transcriptions.create(model="whisper-1", file=fh, response_format="vtt")
    assert isinstance(body, str) and body.startswith("WEBVTT\n\n")
    rest = body[len("WEBVTT\n\n") :]
    matches = list(VTT_CUE.finditer(rest))
    assert "".join(m.group(0) for m in matches) == rest
    cues = [(_seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8)), m.group(9)) for m in matches]
    _check_cues(cues, text, duration_of(path))


def test_verbose_json_with_words_and_segments(
    client: openai.OpenAI, speech: tuple[Path, str, list[float]]
) -> None:
    path, text, starts = speech
    duration = duration_of(path)
    with path.open("rb") as fh:
        raw = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1",
            file=fh,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
            temperature=0.0,
        )
    body = raw.http_response.json()
    assert list(body) == ["task", "language", "duration", "text", "segments", "words"]
    result = raw.parse()
    assert isinstance(result, openai.types.audio.TranscriptionVerbose)
    assert body["task"] == "transcribe" and result.language == "english"
    assert result.duration == pytest.approx(duration, abs=0.01)
    assert wer(text, result.text) <= 0.3, result.text

    assert result.segments
    assert "".join(s.text for s in result.segments).strip() == result.text
    for i, seg in enumerate(body["segments"]):
        assert list(seg) == SEGMENT_KEYS
        assert seg["id"] == i and isinstance(seg["seek"], int) and seg["seek"] >= 0
        assert 0 <= seg["start"] < seg["end"] <= duration + 0.5
        assert seg["tokens"] and all(isinstance(t, int) for t in seg["tokens"])
        assert seg["avg_logprob"] < 0 and 0.0 <= seg["no_speech_prob"] <= 1.0
        assert 0.0 <= seg["temperature"] <= 1.0 and seg["compression_ratio"] > 0

    assert result.words
    assert all(set(w) == {"word", "start", "end"} for w in body["words"])
    assert not [w.word for w in result.words if w.word[0] in ".,!?" or w.word[-1] in ".,!?"]
    assert wer(text, " ".join(w.word for w in result.words)) <= 0.3
    previous = 0.0
    for w in result.words:
        assert previous - 0.01 <= w.start <= w.end <= duration + 0.5
        previous = w.start
    # The first word of each sentence starts where the sentence was placed.
    for sentence, start in zip(SENTENCES, starts, strict=True):
        first = words(sentence)[0]
        found = [w.start for w in result.words if words(w.word) == [first]]
        assert any(abs(s - start) < 0.6 for s in found), (first, start, found)


def test_verbose_json_granularities(client: openai.OpenAI, short_speech: tuple[Path, str]) -> None:
    path, text = short_speech
    with path.open("rb") as fh:
        plain = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=fh, response_format="verbose_json"
        )
    body = plain.http_response.json()
    assert "segments" in body and "words" not in body  # segment is the default granularity
    with path.open("rb") as fh:
        only_words = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=fh, response_format="verbose_json", timestamp_granularities=["word"]
        )
    body = only_words.http_response.json()
    assert "words" in body and "segments" not in body
    assert wer(text, " ".join(w["word"] for w in body["words"])) <= 0.3


def test_module_model_names(client: openai.OpenAI, short_speech: tuple[Path, str]) -> None:
    path, text = short_speech
    for model in ("tiny.en", "base"):
        with path.open("rb") as fh:
            raw = client.audio.transcriptions.with_raw_response.create(model=model, file=fh, language="en")
        assert raw.headers["x-scaiecho-model"] == model
        assert wer(text, raw.parse().text) <= 0.3


# -- whisper-1 follows each tenant's policy ------------------------------------------------------


def test_whisper_1_uses_the_tenant_default_model(
    host: Host, base_url: str, short_speech: tuple[Path, str]
) -> None:
    tenant = _tenant_with_policy(host, "baseco", default_model="base")
    api = openai.OpenAI(api_key=host.key(tenant, "bob"), base_url=base_url, max_retries=0, timeout=300)
    path, text = short_speech
    with path.open("rb") as fh:
        raw = api.audio.transcriptions.with_raw_response.create(model="whisper-1", file=fh)
    assert raw.headers["x-scaiecho-model"] == "base"
    assert wer(text, raw.parse().text) <= 0.3


def test_whisper_1_on_a_relay_tenant(
    host: Host, base_url: str, relay: FakeOpenAI, short_speech: tuple[Path, str]
) -> None:
    tenant = _tenant_with_policy(host, "relayco", allowed_backends="B", default_backend="B")
    api = openai.OpenAI(api_key=host.key(tenant, "carol"), base_url=base_url, max_retries=0, timeout=60)
    path, _ = short_speech
    relay.reset()
    relay.script_transcripts("relayed words here")
    with path.open("rb") as fh:
        raw = api.audio.transcriptions.with_raw_response.create(
            model="whisper-1",
            file=fh,
            response_format="verbose_json",
            prompt="Acme Corp. glossary",
            temperature=0.4,
            language="en",
        )
    assert raw.headers["x-scaiecho-backend"] == "B"
    result = raw.parse()
    assert result.text == "relayed words here" and result.language == "english"
    assert result.segments and result.segments[0].temperature == pytest.approx(0.4)
    sent = relay.requests[-1].form
    assert sent["prompt"] == ["Acme Corp. glossary"]
    assert float(sent["temperature"][0]) == pytest.approx(0.4) and sent["language"] == ["en"]

    with path.open("rb") as fh, pytest.raises(openai.BadRequestError) as caught:
        api.audio.transcriptions.create(model="tiny.en", file=fh)
    assert (caught.value.code, caught.value.param) == ("SCAIECHO_MODEL_NOT_ALLOWED", "model")


# -- errors in OpenAI's shape ----------------------------------------------------------------------


def test_auth_errors_reach_the_client_as_its_exceptions(
    host: Host, base_url: str, short_speech: tuple[Path, str]
) -> None:
    path, _ = short_speech
    tenant = host.tenant("acme")
    cases: list[tuple[str, type[openai.APIStatusError]]] = [
        ("sgk_not_a_real_key", openai.AuthenticationError),
        (host.key(tenant, "dave", permissions=["scaiecho:diarize"]), openai.PermissionDeniedError),
    ]
    for api_key, error in cases:
        api = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)
        with path.open("rb") as fh, pytest.raises(error) as caught:
            api.audio.transcriptions.create(model="whisper-1", file=fh)
        assert caught.value.message


def _post(host: Host, key: str, files: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    return host.client.post(URL, files=files, headers=host.headers(key), **kwargs)


def _error(resp: httpx.Response, status: int, code: str, param: str | None) -> None:
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert set(error) == ERROR_KEYS
    assert (error["code"], error["param"]) == (code, param)
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    assert error["message"]


def wav_bytes(seconds: float) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, noise(seconds), 16000, format="WAV")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fields", "code", "param"),
    [
        ({}, "SCAIECHO_BAD_REQUEST", "model"),
        ({"model": "gpt-9"}, "SCAIECHO_MODEL_NOT_FOUND", "model"),
        (
            {"model": "whisper-1", "response_format": "diarized_json"},
            "SCAIECHO_BAD_REQUEST",
            "response_format",
        ),
        ({"model": "whisper-1", "temperature": "1.5"}, "SCAIECHO_BAD_REQUEST", "temperature"),
        ({"model": "whisper-1", "temperature": "warm"}, "SCAIECHO_BAD_REQUEST", "temperature"),
        ({"model": "whisper-1", "language": "zz"}, "SCAIECHO_BAD_REQUEST", "language"),
        ({"model": "tiny.en", "language": "fr"}, "SCAIECHO_BAD_REQUEST", "language"),
        (
            {"model": "whisper-1", "timestamp_granularities[]": "sentence"},
            "SCAIECHO_BAD_REQUEST",
            "timestamp_granularities",
        ),
        ({"model": "whisper-1", "stream": "true"}, "SCAIECHO_BAD_REQUEST", "stream"),
    ],
)
def test_bad_fields(host: Host, key: str, fields: dict[str, str], code: str, param: str) -> None:
    files = {"file": ("a.wav", wav_bytes(0.5), "audio/wav"), **{k: (None, v) for k, v in fields.items()}}
    _error(_post(host, key, files), 400, code, param)


def test_bad_uploads(host: Host, key: str) -> None:
    model = {"model": (None, "whisper-1")}
    _error(_post(host, key, model), 400, "SCAIECHO_BAD_REQUEST", "file")
    _error(
        _post(host, key, {**model, "file": ("a.wav", b"", "audio/wav")}), 400, "SCAIECHO_EMPTY_AUDIO", "file"
    )
    garbage = {**model, "file": ("notes.txt", b"these are not audio bytes " * 40, "text/plain")}
    resp = _post(host, key, garbage)
    assert resp.status_code in (400, 415), resp.text
    _error(resp, resp.status_code, resp.json()["error"]["code"], "file")
    assert resp.json()["error"]["code"] in ("SCAIECHO_UNSUPPORTED_AUDIO", "SCAIECHO_UNDECODABLE_AUDIO")
    _error(
        host.client.post(URL, json={"model": "whisper-1"}, headers=host.headers(key)),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        None,
    )
    big = {**model, "file": ("big.wav", wav_bytes(UPLOAD_LIMIT / 32000 + 30), "audio/wav")}
    _error(_post(host, key, big), 413, "PAYLOAD_TOO_LARGE", "file")


def test_the_app_keeps_serving_after_errors(client: openai.OpenAI, short_speech: tuple[Path, str]) -> None:
    path, text = short_speech
    with path.open("rb") as fh:
        assert wer(text, client.audio.transcriptions.create(model="whisper-1", file=fh).text) <= 0.3


# -- the pure parts ---------------------------------------------------------------------------------


def _segment(i: int, start: float, end: float, text: str) -> OpenAISegment:
    return OpenAISegment(
        id=i,
        seek=0,
        start=start,
        end=end,
        text=text,
        tokens=[1],
        temperature=0.0,
        avg_logprob=-0.1,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )


def test_subtitle_timestamps_and_cue_text() -> None:
    segments = [_segment(0, 0.0, 1.5, " Hello there."), _segment(1, 3599.9996, 3723.0455, " a --> b\n\nc")]
    assert to_srt(segments) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n01:00:00,000 --> 01:02:03,046\na -> b c\n\n"
    )
    assert to_vtt(segments) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there.\n\n01:00:00.000 --> 01:02:03.046\na -> b c\n\n"
    )
    assert to_srt([]) == "" and to_vtt([]) == "WEBVTT\n\n"


def test_parse_options() -> None:
    options = parse_options(
        {
            "model": ["whisper-1"],
            "language": ["EN"],
            "temperature": ["0.2"],
            "response_format": ["verbose_json"],
            "timestamp_granularities[]": ["word", "segment"],
            "include[]": ["logprobs"],  # unknown fields are ignored, as OpenAI does
        }
    )
    assert (options.language, options.temperature, options.response_format) == ("en", 0.2, "verbose_json")
    assert options.words_wanted and options.segments_wanted
    assert not parse_options({"model": ["x"], "timestamp_granularities": ["word"]}).words_wanted  # json
    with pytest.raises(ScaigridError) as caught:
        parse_options({"model": ["whisper-1"], "temperature": ["nan"]})
    assert caught.value.extra == {"type": "invalid_request_error", "param": "temperature"}


def test_compression_ratio_flags_repetition() -> None:
    assert compression_ratio("") == 0.0
    assert compression_ratio("the the the the " * 20) > 2.4 > compression_ratio("The quick brown fox.")


def test_verbose_body_omits_granularities_not_asked_for() -> None:
    body = OpenAIVerboseTranscription(task="transcribe", language="english", duration=1.0, text="hi")
    assert msgspec.to_builtins(body) == {
        "task": "transcribe",
        "language": "english",
        "duration": 1.0,
        "text": "hi",
    }
