"""The reference's own client examples, unmodified, against a real server on loopback:
the curl command lines and the httpx snippet (only the base URL, key and paths filled in)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.audio_engine.engine_host import EngineClient, engine_host
from tests.audio_fixtures import concat, noise, piper_speech, silence, write_wav


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, EngineClient, Path]]:
    speech, sr = piper_speech("Reference clients must work without a single change.", sr=16000)
    signal = concat(silence(1.0), speech, silence(0.5))
    wav = write_wav(
        tmp_path_factory.mktemp("a") / "input.wav", signal + noise(len(signal) / sr, amp=0.01), sr
    )
    with engine_host(tmp_path_factory.mktemp("host"), process_pool_workers=0) as host:
        ae = EngineClient(host)
        with host.live() as base_url:
            yield base_url, ae, wav


def _curl(*args: str) -> dict:
    out = subprocess.run(["curl", "-sS", *args], capture_output=True, check=True, timeout=120)
    return json.loads(out.stdout)


def test_curl_noise_reduce(live) -> None:
    base, ae, wav = live
    body = _curl(
        "-X",
        "POST",
        f"{base}/v1/audio_engine/pipeline",
        "-H",
        f"X-API-Key: {ae.key}",
        "-F",
        'components=[{"component_id":"noise_reduce","params":{"noise_estimation_duration_sec":0.5}}]',
        "-F",
        "user_email=user@example.com",
        "-F",
        "project_name=my-project",
        "-F",
        f"files=@{wav}",
    )
    assert body["status"] == "COMPLETED"
    url = body["result"]["components"][0]["output_url"]
    assert url == body["result"]["final_output_url"]
    audio = httpx.get(url.replace("http://testserver.local", base), timeout=30)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"


def test_curl_speech_duration(live) -> None:
    base, ae, wav = live
    body = _curl(
        "-X",
        "POST",
        f"{base}/v1/audio_engine/pipeline",
        "-H",
        f"X-API-Key: {ae.key}",
        "-F",
        'components=[{"component_id":"speech_duration_measurement","params":{"threshold":0.5}}]',
        "-F",
        "user_email=user@example.com",
        "-F",
        "project_name=my-project",
        "-F",
        f"files=@{wav}",
    )
    assert body["result"]["components"][0]["metrics"]["speech_duration_seconds"] > 1.0


def test_httpx_chain_denoise_then_speech_duration(live) -> None:
    base, ae, wav = live
    pipeline_components = [
        {"component_id": "noise_reduce", "params": {"noise_estimation_duration_sec": 0.5}},
        {
            "component_id": "speech_duration_measurement",
            "params": {
                "threshold": 0.5,
                "min_speech_duration_ms": 250,
                "min_silence_duration_ms": 100,
                "speech_pad_ms": 30,
            },
        },
    ]
    with open(wav, "rb") as fh:
        files = {"files": fh}
        data = {
            "components": json.dumps(pipeline_components),
            "user_email": "user@example.com",
            "project_name": "my-project",
        }
        r = httpx.post(
            f"{base}/v1/audio_engine/pipeline",
            headers={"X-API-Key": ae.key},
            data=data,
            files=files,
            timeout=300.0,
        )
    r.raise_for_status()
    assert r.json()["result"]["components"][1]["metrics"]["speech_duration_seconds"] > 1.0


def test_curl_without_key_is_403(live) -> None:
    base, _ae, wav = live
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            f"{base}/v1/audio_engine/pipeline",
            "-F",
            "components=[]",
            "-F",
            f"files=@{wav}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert out.stdout == b"403"
