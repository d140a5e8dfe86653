"""scaiecho/routes/policy.py and scaiecho/policy.py: tenant policy, backend resolution, the relay (B)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import scaiecho.plugin
import soundfile as sf

from tests.fakes import FakeOpenAI
from tests.harness import Host, free_port
from tests.scaiecho.conftest import SENTENCES, piper16k, wer

POLICY = "/v1/modules/scaiecho/tenant-policy"
TRANSCRIBE = "/v1/modules/scaiecho/transcribe"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, openai_fake_server: FakeOpenAI) -> Iterator[Host]:
    with Host(
        tmp_path_factory.mktemp("echo-policy"),
        plugins=[scaiecho.plugin],
        **openai_fake_server.settings_overrides(),
    ) as h:
        yield h


@pytest.fixture(scope="module")
def clip() -> bytes:
    buf = io.BytesIO()
    sf.write(buf, piper16k(SENTENCES[0]), 16000, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def _admin(host: Host, tenant: str) -> dict[str, str]:
    return host.headers(host.key(host.tenant(tenant), f"{tenant}-admin", role="tenant_admin"))


def _member(host: Host, tenant: str) -> dict[str, str]:
    return host.headers(host.key(host.tenant(tenant), f"{tenant}-member"))


def _transcribe(host: Host, headers: dict[str, str], clip: bytes, **fields: str) -> Any:
    return host.client.post(
        TRANSCRIBE, files={"file": ("a.wav", clip, "audio/wav")}, data=fields, headers=headers
    )


def _code(resp: Any) -> str:
    return str(resp.json()["error"]["code"])


def test_get_creates_the_policy_from_tier_defaults(host: Host) -> None:
    resp = host.client.get(POLICY, headers=_admin(host, "t-defaults"))
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["tenant_id"] == "t-defaults"
    assert (data["allowed_backends"], data["default_backend"], data["default_model"]) == (
        "AB",
        "A",
        "tiny.en",
    )
    assert data["relay_configured"] is True and "tiny.en" in data["available_models"]
    again = host.client.get(POLICY, headers=_admin(host, "t-defaults")).json()["data"]
    assert again["created_at"] == data["created_at"]


def test_policy_needs_admin(host: Host) -> None:
    resp = host.client.get(POLICY, headers=_member(host, "t-member"))
    assert resp.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"allowed_backends": "C"},
        {"allowed_backends": "AA"},
        {"default_backend": "C"},
        {"allowed_backends": "A", "default_backend": "B"},
        {"default_model": "large-v3"},
    ],
)
def test_patch_validation(host: Host, body: dict[str, str]) -> None:
    resp = host.client.patch(POLICY, json=body, headers=_admin(host, "t-invalid"))
    assert resp.status_code == 400, resp.text
    assert _code(resp) == "SCAIECHO_TENANT_POLICY_INVALID"


def test_patch_updates_and_every_request_follows_the_policy(
    host: Host, clip: bytes, openai_fake: FakeOpenAI
) -> None:
    admin, member = _admin(host, "t-relay"), _member(host, "t-relay")
    resp = host.client.patch(POLICY, json={"allowed_backends": "BA", "default_backend": "B"}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["allowed_backends"] == "BA"
    openai_fake.script_transcripts("relayed transcript text")
    data = _transcribe(host, member, clip, language_hint="en", temperature="0.3").json()["data"]
    assert (data["backend_used"], data["text"]) == ("B", "relayed transcript text")
    sent = openai_fake.requests[-1]
    assert sent.form["language"] == ["en"] and float(sent.form["temperature"][0]) == 0.3
    assert sent.headers["authorization"] == f"Bearer {openai_fake.api_key}"
    # The caller's preference reorders within the allowed set.
    local = _transcribe(host, member, clip, backend_preference="prefer_self_hosted").json()["data"]
    assert local["backend_used"] == "A" and wer(SENTENCES[0], local["text"]) <= 0.2
    # Only B allowed: prefer_self_hosted cannot reach A.
    host.client.patch(POLICY, json={"allowed_backends": "B"}, headers=admin)
    openai_fake.script_transcripts("still relayed")
    forced = _transcribe(host, member, clip, backend_preference="prefer_self_hosted").json()["data"]
    assert forced["backend_used"] == "B"


def test_relay_failure_falls_back_or_answers_502(host: Host, clip: bytes, openai_fake: FakeOpenAI) -> None:
    admin, member = _admin(host, "t-fallback"), _member(host, "t-fallback")
    host.client.patch(POLICY, json={"allowed_backends": "BA", "default_backend": "B"}, headers=admin)
    openai_fake.fail_next(500)
    fell_back = _transcribe(host, member, clip)
    assert fell_back.status_code == 200 and fell_back.json()["data"]["backend_used"] == "A"
    host.client.patch(POLICY, json={"allowed_backends": "B"}, headers=admin)
    openai_fake.fail_next(503)
    failed = _transcribe(host, member, clip)
    assert failed.status_code == 502 and _code(failed) == "SCAIECHO_BACKEND_UNAVAILABLE"


def test_a_failed_job_reports_its_code(host: Host, clip: bytes, openai_fake: FakeOpenAI) -> None:
    import time

    admin, member = _admin(host, "t-jobfail"), _member(host, "t-jobfail")
    host.client.patch(POLICY, json={"allowed_backends": "B"}, headers=admin)
    openai_fake.fail_next(500, times=5)
    resp = _transcribe(host, member, clip, force_async="true")
    assert resp.status_code == 202, resp.text
    url = f"{TRANSCRIBE}/jobs/{resp.json()['data']['job_id']}"
    deadline = time.monotonic() + 120
    while (data := host.client.get(url, headers=member).json()["data"])["status"] not in (
        "completed",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert data["status"] == "failed" and data["transcript"] is None
    assert data["error"]["code"] == "SCAIECHO_BACKEND_UNAVAILABLE"


def test_default_model_is_per_tenant(host: Host, clip: bytes) -> None:
    admin, member = _admin(host, "t-model"), _member(host, "t-model")
    resp = host.client.patch(POLICY, json={"default_model": "hf"}, headers=admin)
    assert resp.status_code == 200 and resp.json()["data"]["default_model"] == "hf"
    data = _transcribe(host, member, clip, backend_preference="prefer_self_hosted").json()["data"]
    assert data["model"] == "hf" and wer(SENTENCES[0], data["text"]) <= 0.2
    other = _transcribe(host, _member(host, "t-other"), clip, backend_preference="prefer_self_hosted")
    assert other.json()["data"]["model"] == "tiny.en"


def test_no_relay_configured_means_no_usable_backend_for_b_only(
    tmp_path_factory: pytest.TempPathFactory, clip: bytes
) -> None:
    with Host(tmp_path_factory.mktemp("echo-norelay"), plugins=[scaiecho.plugin]) as bare:
        admin, member = _admin(bare, "t-b"), _member(bare, "t-b")
        assert bare.client.get(POLICY, headers=admin).json()["data"]["relay_configured"] is False
        bare.client.patch(POLICY, json={"allowed_backends": "B"}, headers=admin)
        resp = _transcribe(bare, member, clip)
        assert resp.status_code == 500 and _code(resp) == "SCAIECHO_NO_USABLE_BACKEND"


def test_unreachable_relay_is_unavailable(tmp_path_factory: pytest.TempPathFactory, clip: bytes) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with Host(tmp_path_factory.mktemp("echo-dead"), plugins=[scaiecho.plugin], relay_base_url=dead) as h:
        admin, member = _admin(h, "t-dead"), _member(h, "t-dead")
        h.client.patch(POLICY, json={"allowed_backends": "B"}, headers=admin)
        resp = _transcribe(h, member, clip)
        assert resp.status_code == 502 and _code(resp) == "SCAIECHO_BACKEND_UNAVAILABLE"
