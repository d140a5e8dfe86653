"""routes/global_voices.py and licensing.py: licensed platform voices, their terms enforced on synthesis."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.audio_fixtures import concat, espeak_speech, silence
from tests.harness import Host
from tests.scaispeak.conftest import PREFIX
from tests.scaispeak.test_voice_write import wait_ready, wav

REFERENCE = wav(
    concat(
        silence(0.3),
        espeak_speech(
            "Welcome to the evening news. Tonight we report on the weather, the markets and the elections.",
            "en-us+f3",
        )[0],
        silence(0.3),
    )
)


def create(host: Host, **fields: Any) -> Any:
    data = {
        "display_name": "Licensed narrator",
        "language_primary": "en",
        "licensor_name": "Narrator Ltd",
        **fields,
    }
    return host.client.post(
        f"{PREFIX}/admin/voices/global",
        data={k: str(v) for k, v in data.items() if v is not None},
        files={"reference": ("ref.wav", REFERENCE, "audio/wav")},
        headers=host.superadmin_headers,
    )


def speak(host: Host, key: str, voice_id: str, text: str) -> Any:
    return host.client.post(
        f"{PREFIX}/speak",
        json={"voice_id": voice_id, "text": text, "response_format": "pcm"},
        headers=host.headers(key),
    )


def test_a_usage_bound_voice_stops_at_its_allowance_even_under_concurrency(host: Host) -> None:
    resp = create(host, license_type="usage_bound", usage_limit_chars=100)
    assert resp.status_code == 201, resp.text
    created = resp.json()["data"]
    key = host.key(host.tenant("listener"), "l")
    voice = wait_ready(host, key, created["voice_id"])
    assert voice["scope"] == "global" and voice["license"]["license_type"] == "usage_bound"
    assert voice["matched_base_voice"] == "preset-espeak-en-us-f3"  # an espeak f3 reference finds f3
    text = "Twenty chars exactly"  # 20 characters
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: speak(host, key, created["voice_id"], text).status_code, range(8)))
    assert sorted(codes) == [200] * 5 + [403] * 3  # 5 × 20 = the allowance, never more
    over = speak(host, key, created["voice_id"], "x")
    assert over.status_code == 403 and over.json()["error"]["code"] == "SCAISPEAK_LICENSE_USAGE_EXCEEDED"


def test_validity_window_and_field_rules(host: Host) -> None:
    key = host.key(host.tenant("listener"), "l2")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    much_later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).isoformat()
    pending = create(host, license_type="time_bound", valid_from=later, valid_until=much_later).json()["data"]
    wait_ready(host, key, pending["voice_id"])
    early = speak(host, key, pending["voice_id"], "Too early.")
    assert early.status_code == 403 and early.json()["error"]["code"] == "SCAISPEAK_LICENSE_NOT_YET_VALID"
    for fields, field in (
        ({"license_type": "time_bound"}, "valid_until"),
        ({"license_type": "usage_bound"}, "usage_limit_chars"),
        ({"license_type": "perpetual", "usage_limit_chars": 10}, "usage_limit_chars"),
        ({"license_type": "perpetual", "valid_until": much_later}, "valid_until"),
        ({"license_type": "forever"}, "license_type"),
        ({"license_type": "perpetual", "licensor_name": " "}, "licensor_name"),
    ):
        resp = create(host, **fields)
        assert resp.status_code == 400, (fields, resp.text)
        assert (
            resp.json()["error"]["code"] == "SCAISPEAK_LICENSE_FIELD_INVALID"
            and resp.json()["error"]["details"]["field"] == field
        )


def test_only_a_superadmin_creates_or_revokes_and_revoking_erases(host: Host) -> None:
    admin = host.key(host.tenant("listener"), "boss", role="tenant_admin")
    denied = host.client.post(f"{PREFIX}/admin/voices/global", data={}, headers=host.headers(admin))
    assert denied.status_code == 403
    created = create(host, license_type="perpetual").json()["data"]
    wait_ready(host, admin, created["voice_id"])
    resp = host.client.request(
        "DELETE",
        f"{PREFIX}/admin/voices/global/{created['voice_id']}",
        files={"trigger": (None, "license_revoked")},
        headers=host.superadmin_headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["erased"] is True
    assert (
        host.client.get(f"{PREFIX}/voices/{created['voice_id']}", headers=host.headers(admin)).status_code
        == 404
    )
    again = host.client.delete(
        f"{PREFIX}/admin/voices/global/{created['voice_id']}", headers=host.superadmin_headers
    )
    assert again.status_code == 404 and again.json()["error"]["code"] == "SCAISPEAK_GLOBAL_VOICE_NOT_FOUND"


@pytest.mark.parametrize("trigger", ["nope"])
def test_a_bad_trigger_is_refused(host: Host, trigger: str) -> None:
    resp = host.client.delete(
        f"{PREFIX}/admin/voices/global/x?trigger={trigger}", headers=host.superadmin_headers
    )
    assert resp.status_code == 400 and resp.json()["error"]["details"]["field"] == "trigger"
