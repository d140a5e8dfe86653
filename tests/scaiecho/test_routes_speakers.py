"""scaiecho/routes/speakers.py and scaiecho/speakers/: enrollment, visibility, erasure, warming."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import scaiecho.plugin
import soundfile as sf
import sqlalchemy as sa
from scaiecho.tables import speakers
from scaigrid.tables import audit_log

from tests.audio_fixtures import concat, silence
from tests.harness import Host
from tests.scaiecho.conftest import piper16k

URL = "/v1/modules/scaiecho/speakers"
CONSENT_TEXT = "I agree that my voice is recorded and used to recognise me in meetings."
REFERENCE_TEXT = (
    "Good morning, this is my reference recording. I speak in my normal voice, "
    "at my normal pace, so that the system can learn how I sound."
)


def _wav(pcm: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, pcm, 16000, subtype="PCM_16", format="WAV")
    return buf.getvalue()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("echo-speakers"), plugins=[scaiecho.plugin]) as h:
        yield h


@pytest.fixture(scope="module")
def audio() -> dict[str, bytes]:
    return {
        "reference": _wav(piper16k(REFERENCE_TEXT)),
        "consent": _wav(piper16k(CONSENT_TEXT)),
        "wrong_consent": _wav(piper16k("The weather is lovely today and I am going for a walk in the park.")),
        "short": _wav(piper16k("Hi.")),
        "silent": _wav(concat(silence(5.0), piper16k("Hello."), silence(5.0))),
    }


@pytest.fixture(scope="module")
def users(host: Host) -> dict[str, dict[str, str]]:
    acme, other = host.tenant("acme"), host.tenant("globex")
    return {
        "alice": host.headers(host.key(acme, "alice")),
        "bob": host.headers(host.key(acme, "bob")),
        "admin": host.headers(host.key(acme, "ada", role="tenant_admin")),
        "eve": host.headers(host.key(other, "eve")),
        "root": host.superadmin_headers,
        "listener": host.headers(host.key(acme, "carl", permissions=["scaiecho:transcribe"])),
    }


def _enroll(
    host: Host,
    headers: dict[str, str],
    audio: dict[str, bytes],
    *,
    reference: str = "reference",
    consent: str | None = "consent",
    **fields: str,
) -> Any:
    data = {
        "display_name": "Joe Example",
        "language_primary": "en",
        "description": "support agent",
        "consent_user_full_name": "Joseph Example",
        "consent_stated_purpose": "Label my turns in support call transcripts.",
        "consent_text": CONSENT_TEXT,
        **fields,
    }
    files = {"reference": ("ref.wav", audio[reference], "audio/wav")}
    if consent is not None:
        files["consent"] = ("consent.wav", audio[consent], "audio/wav")
    return host.client.post(URL, data=data, files=files, headers=headers)


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()["error"]
    assert body["code"] == code, body
    return body


@pytest.fixture(scope="module")
def alice_speaker(host: Host, users: Any, audio: Any) -> dict[str, Any]:
    resp = _enroll(host, users["alice"], audio)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


def test_enrollment_returns_profile_preflight_and_nodes(host: Host, alice_speaker: dict[str, Any]) -> None:
    s = alice_speaker
    assert (s["scope"], s["owner_user_id"], s["enrollment_status"]) == ("user", "alice", "ready")
    assert s["display_name"] == "Joe Example" and s["has_reference"] and s["has_embedding"]
    assert s["preflight"]["passed"] is True and {c["name"] for c in s["preflight"]["checks"]} >= {
        "duration",
        "speech_ratio",
    }
    assert s["consent"]["user_full_name"] == "Joseph Example" and s["consent"]["word_error_rate"] <= 0.3
    assert s["enrolled_on"] == [host.platform.node_id]
    assert "embedding" not in s


def test_preflight_failures_carry_the_measurements(host: Host, users: Any, audio: Any) -> None:
    body = _error(
        _enroll(host, users["alice"], audio, reference="short"), 400, "SCAIECHO_SPEAKER_PREFLIGHT_FAILED"
    )
    failed = {c["name"] for c in body["preflight"]["checks"] if not c["passed"]}
    assert "duration" in failed and body["preflight"]["passed"] is False
    body = _error(
        _enroll(host, users["alice"], audio, reference="silent"), 400, "SCAIECHO_SPEAKER_PREFLIGHT_FAILED"
    )
    assert body["preflight"]["speech_ratio"] < 0.5


def test_consent_is_required_and_must_match(host: Host, users: Any, audio: Any) -> None:
    _error(_enroll(host, users["alice"], audio, consent=None), 400, "SCAIECHO_CONSENT_INVALID")
    small = {**audio, "tiny": audio["consent"][:4000]}
    _error(_enroll(host, users["alice"], small, consent="tiny"), 400, "SCAIECHO_CONSENT_INVALID")
    body = _error(
        _enroll(host, users["alice"], audio, consent="wrong_consent"), 400, "SCAIECHO_CONSENT_INVALID"
    )
    assert (
        body["details"]["word_error_rate"] > 0.5
        and "weather" in body["details"]["consent_transcript"].lower()
    )
    body = _error(_enroll(host, users["alice"], audio, consent_text=" "), 400, "SCAIECHO_CONSENT_INVALID")
    assert body["details"]["missing"] == ["consent_text"]


def test_other_field_errors(host: Host, users: Any, audio: Any) -> None:
    _error(_enroll(host, users["alice"], audio, display_name=""), 400, "SCAIECHO_BAD_REQUEST")
    _error(_enroll(host, users["alice"], audio, language_primary="english"), 400, "SCAIECHO_BAD_REQUEST")
    _error(_enroll(host, users["alice"], audio, scope="planet"), 400, "SCAIECHO_BAD_REQUEST")
    _error(
        _enroll(host, users["alice"], {**audio, "empty": b""}, reference="empty"), 400, "SCAIECHO_EMPTY_AUDIO"
    )
    _error(_enroll(host, users["alice"], audio, scope="global"), 403, "SCAIECHO_SPEAKER_ACCESS_DENIED")
    assert _enroll(host, users["listener"], audio).status_code == 403


def test_user_scope_visibility(host: Host, users: Any, alice_speaker: dict[str, Any]) -> None:
    sid = alice_speaker["id"]
    assert host.client.get(f"{URL}/{sid}", headers=users["alice"]).status_code == 200
    assert host.client.get(f"{URL}/{sid}", headers=users["admin"]).status_code == 200
    for outsider in ("bob", "eve"):
        _error(host.client.get(f"{URL}/{sid}", headers=users[outsider]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")
        _error(host.client.delete(f"{URL}/{sid}", headers=users[outsider]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")
    assert sid not in [s["id"] for s in host.client.get(URL, headers=users["bob"]).json()["data"]]


def test_tenant_and_global_scopes(host: Host, users: Any, audio: Any) -> None:
    tenant = _enroll(host, users["alice"], audio, scope="tenant", display_name="Team Voice")
    assert tenant.status_code == 201, tenant.text
    tid = tenant.json()["data"]["id"]
    assert host.client.get(f"{URL}/{tid}", headers=users["bob"]).status_code == 200
    _error(
        host.client.patch(f"{URL}/{tid}", json={"display_name": "Mine"}, headers=users["bob"]),
        403,
        "SCAIECHO_SPEAKER_ACCESS_DENIED",
    )
    _error(host.client.get(f"{URL}/{tid}", headers=users["eve"]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")
    glob = _enroll(host, users["root"], audio, scope="global", display_name="Announcer")
    assert glob.status_code == 201, glob.text
    gid = glob.json()["data"]["id"]
    assert glob.json()["data"]["tenant_id"] is None
    assert host.client.get(f"{URL}/{gid}", headers=users["eve"]).status_code == 200
    _error(host.client.delete(f"{URL}/{gid}", headers=users["admin"]), 403, "SCAIECHO_SPEAKER_ACCESS_DENIED")
    listed = host.client.get(URL, params={"scope": "global"}, headers=users["eve"]).json()["data"]
    assert [s["id"] for s in listed] == [gid]


def test_list_filters_and_limits(host: Host, users: Any, alice_speaker: dict[str, Any]) -> None:
    mine = host.client.get(
        URL, params={"scope": "user", "language": "en", "enrollment_status": "ready"}, headers=users["alice"]
    )
    assert alice_speaker["id"] in [s["id"] for s in mine.json()["data"]]
    assert host.client.get(URL, params={"language": "de"}, headers=users["alice"]).json()["data"] == []
    assert len(host.client.get(URL, params={"limit": "1"}, headers=users["alice"]).json()["data"]) == 1
    for params in (
        {"limit": "0"},
        {"limit": "201"},
        {"scope": "world"},
        {"enrollment_status": "gone"},
        {"language": "xyz"},
    ):
        _error(host.client.get(URL, params=params, headers=users["alice"]), 400, "SCAIECHO_BAD_REQUEST")


def test_patch_changes_only_mutable_fields(host: Host, users: Any, alice_speaker: dict[str, Any]) -> None:
    sid = alice_speaker["id"]
    resp = host.client.patch(
        f"{URL}/{sid}", json={"display_name": "Joe E.", "description": "team lead"}, headers=users["alice"]
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert (data["display_name"], data["description"], data["scope"]) == ("Joe E.", "team lead", "user")
    assert (
        host.client.patch(f"{URL}/{sid}", json={"scope": "global"}, headers=users["alice"]).status_code == 400
    )


def test_enrolled_speaker_is_named_in_diarized_transcripts(
    host: Host, users: Any, alice_speaker: dict[str, Any], two_speaker_call: Any
) -> None:
    pcm, truth = two_speaker_call
    first = truth[0][1]  # the agent's first turn: a short inline request
    clip = _wav(pcm[: int((truth[1][1] + 0.2) * 16000)])
    resp = host.client.post(
        "/v1/modules/scaiecho/transcribe",
        files={"file": ("call.wav", clip, "audio/wav")},
        data={"diarize": "true", "word_timestamps": "true"},
        headers=users["alice"],
    )
    assert resp.status_code == 200, resp.text
    segments = resp.json()["data"]["segments"]
    display = host.client.get(f"{URL}/{alice_speaker['id']}", headers=users["alice"]).json()["data"][
        "display_name"
    ]
    # Every profile enrolled here has the agent's (piper) voice: any of Alice's visible ones may win.
    visible = {s["display_name"] for s in host.client.get(URL, headers=users["alice"]).json()["data"]}
    agent = [s["speaker_label"] for s in segments if s["end"] <= first + 0.3]
    caller = [s["speaker_label"] for s in segments if s["start"] >= first]
    assert agent and len(set(agent)) == 1 and agent[0] in visible
    assert caller and set(caller) == {"SPEAKER_00"}
    assert all(s["words"] for s in segments)
    # Bob cannot see Alice's user-scoped profile, so his transcript does not name it.
    bob = host.client.post(
        "/v1/modules/scaiecho/transcribe",
        files={"file": ("call.wav", clip, "audio/wav")},
        data={"diarize": "1"},
        headers=users["bob"],
    ).json()["data"]
    assert display not in {s["speaker_label"] for s in bob["segments"]}


def test_warm_status_and_fan_out(host: Host, users: Any, alice_speaker: dict[str, Any]) -> None:
    sid, node = alice_speaker["id"], host.platform.node_id
    status = host.client.get(f"{URL}/{sid}/warm", headers=users["alice"]).json()["data"]
    assert status["warm_on"] == [node] and status["candidates"] == [node] and status["cold_on"] == []
    resp = host.client.post(
        f"{URL}/{sid}/warm", json={"node_ids": [node, "ghost-node"]}, headers=users["alice"]
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert [o["node_id"] for o in data["outcomes"] if o["ok"]] == [node]
    assert data["skipped_not_candidate"] == ["ghost-node"]
    assert host.client.post(f"{URL}/{sid}/warm", headers=users["alice"]).json()["data"]["outcomes"][0]["ok"]


def test_warm_conflicts(host: Host, users: Any, audio: Any) -> None:
    sid = _enroll(host, users["alice"], audio, display_name="Conflicted").json()["data"]["id"]

    async def set_row(platform: Any, values: dict[str, Any]) -> None:
        async with platform.db.begin() as conn:
            await conn.execute(sa.update(speakers).where(speakers.c.id == sid).values(**values))

    host.call(set_row, host.platform, {"reference_blob_key": None})
    _error(
        host.client.post(f"{URL}/{sid}/warm", headers=users["alice"]), 409, "SCAIECHO_SPEAKER_NO_REFERENCE"
    )
    host.call(set_row, host.platform, {"enrollment_status": "failed"})
    _error(
        host.client.post(f"{URL}/{sid}/warm", headers=users["alice"]),
        409,
        "SCAIECHO_SPEAKER_NOT_READY_FOR_WARMING",
    )


def test_erasure_deletes_blobs_audits_tombstones_and_evicts(host: Host, users: Any, audio: Any) -> None:
    created = _enroll(host, users["alice"], audio, display_name="To Be Forgotten").json()["data"]
    sid = created["id"]

    async def blob_keys(platform: Any) -> list[str]:
        return [i.key async for i in platform.blobs.list(f"scaiecho/speakers/{sid}/")]

    assert len(host.call(blob_keys, host.platform)) == 2
    resp = host.client.delete(f"{URL}/{sid}", headers=users["alice"])
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert (
        data["erased"] is True
        and data["blobs_deleted"] == 2
        and data["evicted_from"] == [host.platform.node_id]
    )
    assert host.call(blob_keys, host.platform) == []
    _error(host.client.get(f"{URL}/{sid}", headers=users["alice"]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")
    _error(host.client.delete(f"{URL}/{sid}", headers=users["alice"]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")

    async def rows(platform: Any) -> tuple[Any, list[Any]]:
        async with platform.db.connect() as conn:
            row = (await conn.execute(sa.select(speakers).where(speakers.c.id == sid))).one()
            audits = (await conn.execute(sa.select(audit_log).where(audit_log.c.target == sid))).all()
        return row, audits

    row, audits = host.call(rows, host.platform)
    assert row.deleted_at is not None and row.embedding is None and row.consent_user_full_name is None
    assert row.display_name == "[erased]" and row.enrollment_status == "evicted"
    assert [a.action for a in audits] == ["scaiecho.speaker.enroll", "scaiecho.speaker.erase"]
    _error(host.client.get(f"{URL}/{sid}/warm", headers=users["alice"]), 404, "SCAIECHO_SPEAKER_NOT_FOUND")
    assert host.call(host.platform.nodes.warm_nodes, "scaiecho.speaker", sid) == []
