"""WebRTC signalling routes: session lifecycle, validation, scoping, restart markers, availability.

The audio plane itself (a real aiortc peer sending speech) is tested in
``test_streaming_webrtc_peer.py`` against a live server.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scaiecho.plugin as scaiecho_plugin
from litestar.exceptions import WebSocketDisconnect

from tests.harness import Host

BASE = "/v1/modules/scaiecho/stream/transcribe/webrtc/sessions"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("webrtc"), plugins=[scaiecho_plugin]) as h:
        yield h


@pytest.fixture(scope="module")
def tenant(host: Host) -> str:
    return host.tenant("acme")


@pytest.fixture(scope="module")
def alice(host: Host, tenant: str) -> dict[str, str]:
    return host.headers(host.key(tenant, "alice"))


def client_offer_sdp() -> str:
    """A real offer with one audio section, from an aiortc peer (no connection is made)."""
    from aiortc import RTCPeerConnection

    async def make() -> str:
        pc = RTCPeerConnection()
        pc.addTransceiver("audio", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return str(sdp)

    return asyncio.run(make())


def create(host: Host, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = host.client.post(BASE, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


def error_code(resp: Any) -> str:
    return str(resp.json()["error"]["code"])


def test_create_returns_201_with_the_session(host: Host, alice: dict[str, str]) -> None:
    body = {
        "language_hint": "en",
        "media_type": "audio/webm",
        "backend_preference": "prefer_self_hosted",
        "chunk_seconds": 5.0,
        "sample_rate": 16000,
        "ice_servers": [
            {"urls": ["stun:stun.example.org:3478"]},
            {"urls": "turn:t.example.org", "username": "u", "credential": "p"},
        ],
    }
    data = create(host, alice, **body)
    assert data["session_id"].startswith("wrtc_")
    assert data["status"] == "created" and data["backend_used"] == "A"
    for field in ("language_hint", "media_type", "backend_preference", "chunk_seconds", "sample_rate"):
        assert data[field] == body[field]
    assert data["ice_servers"][1] == {"urls": "turn:t.example.org", "username": "u", "credential": "p"}
    assert data["control_url"] == f"{BASE}/{data['session_id']}/control"
    assert data["offer_url"] == f"{BASE}/{data['session_id']}/offer"
    assert data["expires_at"] > data["created_at"]
    defaults = create(host, alice)
    assert (defaults["media_type"], defaults["chunk_seconds"], defaults["sample_rate"]) == (
        "audio/wav",
        10.0,
        48000,
    )
    got = host.client.get(f"{BASE}/{data['session_id']}", headers=alice)
    assert got.status_code == 200 and got.json()["data"]["session_id"] == data["session_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"chunk_seconds": 0.4},
        {"chunk_seconds": 60.5},
        {"sample_rate": 7999},
        {"sample_rate": 48001},
        {"language_hint": "eng"},
        {"media_type": "not a media type"},
        {"ice_servers": [{"urls": "http://not-ice.example.org"}]},
    ],
)
def test_create_validates_ranges(host: Host, alice: dict[str, str], body: dict[str, Any]) -> None:
    resp = host.client.post(BASE, json=body, headers=alice)
    assert resp.status_code == 400, resp.text
    assert "error" in resp.json()


def test_bad_backend_preference_has_its_code(host: Host, alice: dict[str, str]) -> None:
    resp = host.client.post(BASE, json={"backend_preference": "fastest"}, headers=alice)
    assert resp.status_code == 400 and error_code(resp) == "SCAIECHO_BAD_BACKEND_PREFERENCE"


def test_permission_is_required(host: Host, tenant: str) -> None:
    enroll_only = host.headers(host.key(tenant, "eve", permissions=["scaiecho:enroll"]))
    assert host.client.post(BASE, json={}, headers=enroll_only).status_code == 403
    assert host.client.post(BASE, json={}).status_code == 401


def test_sessions_are_scoped_to_tenant_and_user(host: Host, tenant: str, alice: dict[str, str]) -> None:
    sid = create(host, alice)["session_id"]
    same_tenant_other_user = host.headers(host.key(tenant, "mallory"))
    other_tenant = host.headers(host.key(host.tenant("globex"), "gus"))
    for headers in (same_tenant_other_user, other_tenant):
        for resp in (
            host.client.get(f"{BASE}/{sid}", headers=headers),
            host.client.post(f"{BASE}/{sid}/offer", json={"sdp": "v=0", "type": "offer"}, headers=headers),
            host.client.delete(f"{BASE}/{sid}", headers=headers),
        ):
            assert resp.status_code == 404 and error_code(resp) == "SCAIECHO_WEBRTC_SESSION_NOT_FOUND"
    assert host.client.get(f"{BASE}/{sid}", headers=alice).status_code == 200


def test_unknown_session_is_404(host: Host, alice: dict[str, str]) -> None:
    resp = host.client.post(f"{BASE}/wrtc_nope/offer", json={"sdp": "v=0", "type": "offer"}, headers=alice)
    assert resp.status_code == 404 and error_code(resp) == "SCAIECHO_WEBRTC_SESSION_NOT_FOUND"
    resp = host.client.post(f"{BASE}/wrtc_nope/ice-candidates", json={"candidate": ""}, headers=alice)
    assert resp.status_code == 404


def test_offer_answer_and_ice_trickle(host: Host, alice: dict[str, str]) -> None:
    sid = create(host, alice)["session_id"]
    early = host.client.post(
        f"{BASE}/{sid}/ice-candidates",
        json={
            "candidate": "candidate:1 1 UDP 2130706431 127.0.0.1 50000 typ host",
            "sdp_mid": "0",
            "sdp_mline_index": 0,
        },
        headers=alice,
    )
    assert early.status_code == 204  # held until the offer arrives
    bad = host.client.post(
        f"{BASE}/{sid}/offer", json={"sdp": "this is no SDP", "type": "offer"}, headers=alice
    )
    assert bad.status_code == 400
    assert host.client.get(f"{BASE}/{sid}", headers=alice).json()["data"]["status"] == "created"
    resp = host.client.post(
        f"{BASE}/{sid}/offer", json={"sdp": client_offer_sdp(), "type": "offer"}, headers=alice
    )
    assert resp.status_code == 200, resp.text
    answer = resp.json()["data"]
    assert answer["type"] == "answer"
    assert "m=audio" in answer["sdp"] and "a=candidate:" in answer["sdp"]  # non-trickle: candidates included
    assert host.client.get(f"{BASE}/{sid}", headers=alice).json()["data"]["status"] in (
        "connecting",
        "connected",
    )
    trickled = host.client.post(
        f"{BASE}/{sid}/ice-candidates",
        json={"candidate": "candidate:2 1 UDP 2130706431 127.0.0.1 50001 typ host", "sdp_mline_index": 0},
        headers=alice,
    )
    assert trickled.status_code == 204
    end = host.client.post(f"{BASE}/{sid}/ice-candidates", json={"candidate": ""}, headers=alice)
    assert end.status_code == 204
    garbage = host.client.post(
        f"{BASE}/{sid}/ice-candidates", json={"candidate": "candidate:x"}, headers=alice
    )
    assert garbage.status_code == 400
    again = host.client.post(
        f"{BASE}/{sid}/offer", json={"sdp": client_offer_sdp(), "type": "offer"}, headers=alice
    )
    assert again.status_code == 409
    assert host.client.delete(f"{BASE}/{sid}", headers=alice).status_code == 204


def test_delete_is_204_then_404(host: Host, alice: dict[str, str]) -> None:
    sid = create(host, alice)["session_id"]
    assert host.client.delete(f"{BASE}/{sid}", headers=alice).status_code == 204
    assert host.client.get(f"{BASE}/{sid}", headers=alice).status_code == 404
    again = host.client.delete(f"{BASE}/{sid}", headers=alice)
    assert again.status_code == 404 and error_code(again) == "SCAIECHO_WEBRTC_SESSION_NOT_FOUND"


def control_frames(ws: Any) -> tuple[list[dict[str, Any]], int]:
    frames: list[dict[str, Any]] = []
    while True:
        try:
            frames.append(ws.receive_json())
        except WebSocketDisconnect as exc:
            return frames, int(exc.code)


def test_control_socket_close_tears_the_session_down(host: Host, tenant: str, alice: dict[str, str]) -> None:
    sid = create(host, alice)["session_id"]
    token = host.key(tenant, "alice")
    with host.client.websocket_connect(f"{BASE}/{sid}/control?token={token}") as ws:
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["backend_used"] == "A"
        with host.client.websocket_connect(f"{BASE}/{sid}/control", headers=alice) as second:
            frames, code = control_frames(second)
        assert code == 4400 and frames[-1]["code"] == "SCAIECHO_WEBRTC_CONTROL_IN_USE"
        ws.send_json({"type": "close"})
        frames, code = control_frames(ws)
    assert code == 1000
    assert frames == [{"type": "closed", "audio_bytes": 0, "audio_seconds": 0.0}]
    assert host.client.get(f"{BASE}/{sid}", headers=alice).status_code == 404


def test_control_socket_errors(host: Host, alice: dict[str, str]) -> None:
    with host.client.websocket_connect(f"{BASE}/wrtc_unknown/control", headers=alice) as ws:
        frames, code = control_frames(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_WEBRTC_SESSION_NOT_FOUND"
    sid = create(host, alice)["session_id"]
    with host.client.websocket_connect(f"{BASE}/{sid}/control") as ws:
        _, code = control_frames(ws)
    assert code == 4401
    with host.client.websocket_connect(f"{BASE}/{sid}/control", headers=alice) as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_text("garbage")
        frames, code = control_frames(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_BAD_FRAME"
    # a detached control socket leaves the session alive
    assert host.client.get(f"{BASE}/{sid}", headers=alice).json()["data"]["status"] == "created"


def test_restart_loses_state_but_not_the_marker(tmp_path: Path) -> None:
    with Host(tmp_path, plugins=[scaiecho_plugin], keep_state=True) as first:
        tenant = first.tenant("acme")
        alice = first.headers(first.key(tenant, "alice"))
        bob = first.headers(first.key(tenant, "bob"))
        sid = create(first, alice)["session_id"]
    with Host(tmp_path, plugins=[scaiecho_plugin]) as second:  # same data dir: a restart
        offer = second.client.post(f"{BASE}/{sid}/offer", json={"sdp": "v=0", "type": "offer"}, headers=alice)
        assert offer.status_code == 410 and error_code(offer) == "SCAIECHO_WEBRTC_SESSION_STATE_LOST"
        with second.client.websocket_connect(f"{BASE}/{sid}/control", headers=alice) as ws:
            frames, _ = control_frames(ws)
        assert frames[-1]["code"] == "SCAIECHO_WEBRTC_SESSION_STATE_LOST"
        assert second.client.get(f"{BASE}/{sid}", headers=bob).status_code == 404  # not bob's
        assert second.client.delete(f"{BASE}/{sid}", headers=alice).status_code == 204
        assert second.client.get(f"{BASE}/{sid}", headers=alice).status_code == 404


def test_unavailable_without_aiortc(
    host: Host, alice: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = create(host, alice)["session_id"]
    monkeypatch.setitem(sys.modules, "aiortc", None)  # import aiortc now raises ImportError
    resp = host.client.post(BASE, json={}, headers=alice)
    assert resp.status_code == 501 and error_code(resp) == "SCAIECHO_WEBRTC_UNAVAILABLE"
    resp = host.client.post(f"{BASE}/{sid}/offer", json={"sdp": "v=0", "type": "offer"}, headers=alice)
    assert resp.status_code == 501 and error_code(resp) == "SCAIECHO_WEBRTC_UNAVAILABLE"
