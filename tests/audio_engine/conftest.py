"""Fixtures for the Audio Engine tests: models loaded once per session, steps built on real files."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from audio_engine.registry import InputFile, StepInput
from audio_engine.resources import SPEAKER_EMBEDDING, VAD, local_speaker_encoder, local_vad


@pytest.fixture(scope="session")
def vad() -> Any:
    return local_vad()


@pytest.fixture(scope="session")
def speaker_encoder() -> Any:
    return local_speaker_encoder()


@pytest.fixture
def make_step(tmp_path: Path) -> Callable[..., StepInput]:
    """``make_step(working, *others, resources=...)`` → a StepInput over real files."""
    work = tmp_path / "work"
    work.mkdir()

    def factory(working: Path, *others: Path, index: int = 0, resources: dict[str, Any] | None = None) -> StepInput:
        inputs = tuple(InputFile(path=p, filename=p.name) for p in (working, *others))
        return StepInput(
            working_path=working, inputs=inputs, work_dir=work, index=index, resources=resources or {}
        )

    return factory


@pytest.fixture(scope="session")
def models(vad: Any, speaker_encoder: Any) -> dict[str, Any]:
    return {VAD: vad, SPEAKER_EMBEDDING: speaker_encoder}


class Scene:
    """Speech at known places: ``path`` and the true speech intervals in seconds."""

    def __init__(self, path: Path, intervals: list[tuple[float, float]], duration: float) -> None:
        self.path = path
        self.intervals = intervals
        self.duration = duration

    @property
    def speech_seconds(self) -> float:
        return sum(e - s for s, e in self.intervals)


def _voiced(pcm: Any, sr: int) -> tuple[float, float]:
    import numpy as np

    loud = np.flatnonzero(np.abs(pcm) > 0.01)
    return loud[0] / sr, (loud[-1] + 1) / sr


@pytest.fixture(scope="session")
def speech_scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """1 s silence, sentence A, 2 s silence, sentence B, 1 s silence (piper, 16 kHz)."""
    from tests.audio_fixtures import concat, piper_speech, silence, write_wav

    sr = 16000
    a, _ = piper_speech("The meeting starts at nine in the morning.", sr=sr)
    b, _ = piper_speech("Please bring the quarterly report with you.", sr=sr)
    parts = [silence(1.0), a, silence(2.0), b, silence(1.0)]
    offset_a = 1.0
    offset_b = 1.0 + len(a) / sr + 2.0
    va, vb = _voiced(a, sr), _voiced(b, sr)
    intervals = [(offset_a + va[0], offset_a + va[1]), (offset_b + vb[0], offset_b + vb[1])]
    signal = concat(*parts)
    path = write_wav(tmp_path_factory.mktemp("scene") / "scene.wav", signal, sr)
    return Scene(path, intervals, len(signal) / sr)


# -- HTTP ------------------------------------------------------------------------------------


@contextlib.contextmanager
def module_env(**values: Any) -> Iterator[None]:
    """``AUDIO_ENGINE_<NAME>`` variables for the hosts built inside (module settings come from env)."""
    names = {f"AUDIO_ENGINE_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}
    old = {n: os.environ.get(n) for n in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for n, v in old.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


class EngineClient:
    """A tenant, an API key allowed for one project, and helpers to call the pipeline."""

    URL = "/v1/audio_engine/pipeline"

    def __init__(self, host: Any, tenant: str = "acme", project: str = "my-project") -> None:
        self.host = host
        self.tenant = host.tenant(tenant)
        self.project = project
        self.key, self.key_id = self.new_key("alice")
        self.admin_key, _ = self.new_key("root", role="tenant_admin")
        resp = host.client.post(
            "/v1/audio_engine/admin/projects/", json={"name": project}, headers=self.admin_headers
        )
        assert resp.status_code == 201, resp.text
        self.grant(self.key_id)

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.admin_key}

    def new_key(self, user: str, role: str = "member", permissions: list[str] | None = None) -> tuple[str, str]:
        body: dict[str, Any] = {"tenant_id": self.tenant, "user_id": f"{self.tenant}-{user}", "role": role}
        if permissions is not None:
            body["permissions"] = permissions
        resp = self.host.client.post("/v1/keys/", json=body, headers=self.host.superadmin_headers)
        assert resp.status_code == 201, resp.text
        data = resp.json()["data"]
        return data["key"], data["id"]

    def grant(self, key_id: str, project: str | None = None) -> None:
        resp = self.host.client.post(
            f"/v1/audio_engine/admin/projects/{project or self.project}/keys",
            json={"api_key_id": key_id},
            headers=self.admin_headers,
        )
        assert resp.status_code == 200, resp.text

    def run(
        self,
        components: Any,
        *files: Path | tuple[str, bytes],
        key: str | None = "",
        fields: dict[str, str] | None = None,
        omit: tuple[str, ...] = (),
    ) -> Any:
        import json

        data = {
            "components": components if isinstance(components, str) else json.dumps(components),
            "user_email": "user@example.com",
            "project_name": self.project,
            **(fields or {}),
        }
        for name in omit:
            data.pop(name, None)
        parts = []
        for f in files:
            name, content = (f.name, f.read_bytes()) if isinstance(f, Path) else f
            parts.append(("files", (name, content, "application/octet-stream")))
        headers = {} if key is None else {"X-API-Key": key or self.key}
        return self.host.client.post(self.URL, data=data, files=parts or None, headers=headers)

    def download(self, url: str) -> bytes:
        resp = self.host.client.get(url)
        assert resp.status_code == 200, resp.text
        return resp.content

    def task(self, task_id: str) -> dict[str, Any]:
        resp = self.host.client.get(f"/v1/audio_engine/admin/tasks/{task_id}", headers=self.admin_headers)
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]


@contextlib.contextmanager
def engine_host(tmp: Path, plugins: list[Any] | None = None, **env: Any) -> Iterator[Any]:
    """A host with the audio_engine plugin (plus ``plugins``) and module settings from ``env``."""
    import audio_engine.plugin
    from tests.harness import Host

    with module_env(**env), Host(tmp, plugins=[audio_engine.plugin, *(plugins or [])]) as host:
        yield host
