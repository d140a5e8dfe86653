"""The tutorial module's own tests: the real host, in-process, with only this plugin."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from scaigrid.testing import Host
from scaigrid_loudness import plugin
from scaigrid_loudness.contracts import METER, LoudnessMeter

PREFIX = "/v1/modules/loudness"


def wav(amplitude: float) -> bytes:
    t = np.arange(16000) / 16000
    buf = io.BytesIO()
    sf.write(buf, (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000, format="WAV")
    return buf.getvalue()


def wait(host: Host, url: str, key: str) -> dict[str, object]:
    for _ in range(200):
        body = host.client.get(url, headers=host.headers(key)).json()["data"]
        if body["status"] in ("completed", "failed"):
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_measure_a_file_through_a_durable_job(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[plugin]) as host:
        key = host.key(host.tenant("acme"), "alice")
        resp = host.client.post(
            f"{PREFIX}/measurements", files={"file": ("a.wav", wav(0.5))}, headers=host.headers(key)
        )
        assert resp.status_code == 202
        done = wait(host, f"{PREFIX}/measurements/{resp.json()['data']['id']}", key)
        loudness = done["loudness"]
        assert isinstance(loudness, dict)
        assert done["status"] == "completed"
        assert abs(loudness["peak_dbfs"] - -6.02) < 0.05  # half of full scale
        stats = host.client.get(f"{PREFIX}/stats", headers=host.headers(key)).json()["data"]
        assert stats == {"measured_here": 1}  # the module's state, per process


def test_another_tenant_cannot_see_it(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[plugin]) as host:
        alice = host.key(host.tenant("acme"), "alice")
        eve = host.key(host.tenant("evil"), "eve")
        created = host.client.post(
            f"{PREFIX}/measurements", files={"file": ("a.wav", wav(0.1))}, headers=host.headers(alice)
        ).json()["data"]
        resp = host.client.get(f"{PREFIX}/measurements/{created['id']}", headers=host.headers(eve))
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "LOUDNESS_NOT_FOUND"


def test_other_modules_call_the_typed_service(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[plugin]) as host:
        path = tmp_path / "quiet.wav"
        path.write_bytes(wav(0.01))
        meter = host.platform.services.get(METER, LoudnessMeter)
        assert abs(host.call(meter.measure_file, path).peak_dbfs - -40.0) < 0.05


def test_a_bad_backend_name_fails_the_module_at_start_up(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOUDNESS_BACKEND", "lufs")
    with Host(tmp_path, plugins=[plugin]) as host:
        assert "LOUDNESS_BACKEND='lufs'" in host.platform.modules.failures["loudness"].error
