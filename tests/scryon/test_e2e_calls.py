"""End to end: a synthetic two-voice call through scaiecho's real models and both analysis backends.

The user speaks with the piper voice (and enrols it as their voice profile), the
other party with an espeak-ng voice. The text states action items and dates,
so the test knows what the transcript, the speaker turns, the user's identity
and the action items must be.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
import pytest
import sqlalchemy as sa
from scryon.tables import action_items, analyses, transcripts

from tests.audio_fixtures import concat, espeak_speech, noise, piper_speech, silence
from tests.fakes import FakeOpenAI
from tests.harness import Host
from tests.scryon.scryon_client import upload, wait_done, wav_bytes

USER_VOICE = "piper"
CALL = [
    (USER_VOICE, "Thanks for joining the launch review, Maria."),
    ("en-us+f3", "Happy to help. The campaign budget is still open."),
    (USER_VOICE, "I will send you the revised budget by Friday."),
    ("en-us+f3", "Great. Can you also review the agency contract tomorrow?"),
    (USER_VOICE, "Sure. We agreed to go with the smaller agency."),
    ("en-us+f3", "Let's schedule a follow up meeting next Tuesday."),
]
RECORDED_AT = "2026-05-27T15:00:00Z"  # a Wednesday: Friday = 05-29, tomorrow = 05-28, next Tuesday = 06-02
PROFILE_TEXT = "Hello, this is my own voice. I am recording a short sample so the assistant knows me."


def _voice(voice: str, text: str) -> np.ndarray:
    if voice == USER_VOICE:
        return piper_speech(text, sr=16000)[0]
    return espeak_speech(text, voice, 16000, speed=150)[0]


def _call_audio() -> np.ndarray:
    parts: list[np.ndarray] = [silence(0.3)]
    for voice, text in CALL:
        parts += [_voice(voice, text), silence(0.6)]
    return concat(*parts)


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory, openai_fake_server: FakeOpenAI) -> Iterator[Host]:
    import scaiecho.plugin
    import scryon.plugin

    host = Host(
        tmp_path_factory.mktemp("e2e"),
        plugins=[scaiecho.plugin, scryon.plugin],
        **openai_fake_server.settings_overrides(),
    )
    with host:
        yield host


@pytest.fixture(scope="module")
def call_wav() -> bytes:
    return wav_bytes(_call_audio())


@pytest.fixture(scope="module")
def alice(e2e: Host) -> dict[str, str]:
    headers = e2e.headers(e2e.key(e2e.tenant("acme"), "alice"))
    profile = wav_bytes(_voice(USER_VOICE, PROFILE_TEXT))
    resp = e2e.client.post(
        "/api/users/me/voice-profile", headers=headers, files={"audio": ("me.wav", profile, "audio/wav")}
    )
    assert resp.status_code == 201, resp.text
    return headers


@pytest.fixture(scope="module")
def analysed(e2e: Host, alice: dict[str, str], call_wav: bytes) -> dict[str, Any]:
    resp = upload(
        e2e.client, alice, call_wav, {"title": "Launch review", "recordedAt": RECORDED_AT, "numSpeakers": 2}
    )
    assert resp.status_code == 202, resp.text
    done = wait_done(e2e.client, alice, resp.json()["id"])
    assert done["status"] == "COMPLETED", done
    return done


def test_voice_profile_is_a_voice_embedding(e2e: Host, alice: dict[str, str]) -> None:
    status = e2e.client.get("/api/users/me/voice-profile/status", headers=alice).json()
    assert status["status"] == "READY" and status["method"] == "VOICE_EMBEDDING"
    assert status["sampleSeconds"] > 2
    short = wav_bytes(_voice(USER_VOICE, "Hi."))
    resp = e2e.client.post(
        "/api/users/me/voice-profile", headers=alice, files={"audio": ("s.wav", short, "audio/wav")}
    )
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "voice_sample_too_short"


def test_call_detail(analysed: dict[str, Any], call_wav: bytes) -> None:
    seconds = (len(call_wav) - 44) / 2 / 16000
    assert abs(analysed["durationSeconds"] - seconds) < 0.05
    assert 0 < analysed["speechSeconds"] < analysed["durationSeconds"]
    assert analysed["speakerCount"] == 2 and analysed["language"] == "en"
    assert analysed["analysisBackend"] == "scryon.local"
    assert analysed["completedAt"].endswith("Z")


def test_transcript_words_turns_and_user(e2e: Host, alice: dict[str, str], analysed: dict[str, Any]) -> None:
    body = e2e.client.get(f"/api/calls/{analysed['id']}/transcript", headers=alice).json()
    utts = body["utterances"]
    reference = " ".join(text for _, text in CALL)
    hypothesis = " ".join(u["text"] for u in utts)
    normalise = jiwer.Compose(
        [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()]
    )
    wer = jiwer.wer(normalise(reference), normalise(hypothesis))
    assert wer <= 0.25, (wer, hypothesis)
    turns = [speaker for speaker, _ in itertools.groupby(u["speaker"] for u in utts)]
    assert len(turns) == len(CALL) and len(set(turns)) == 2
    assert all(u["end"] > u["start"] and 0 <= u["confidence"] <= 1 for u in utts)
    # The user is the piper voice: the first speaker.
    user = analysed["userSpeaker"]
    assert user["speaker"] == utts[0]["speaker"] and user["method"] == "VOICE_EMBEDDING"
    assert user["confidence"] > 0.5 and user["similarity"] >= 0.75
    assert [u["role"] for u in utts] == ["USER" if u["speaker"] == user["speaker"] else "OTHER" for u in utts]
    assert utts[0]["role"] == "USER" and utts[1]["role"] == "OTHER"


def test_analysis_action_items_and_dates(e2e: Host, alice: dict[str, str], analysed: dict[str, Any]) -> None:
    analysis = e2e.client.get(f"/api/calls/{analysed['id']}/analysis", headers=alice).json()
    assert analysis["summary"] and analysis["backend"] == "scryon.local"
    items = {i["dueDate"]: i for i in analysis["actionItems"] if "dueDate" in i}
    assert len(set(items) & {"2026-05-29", "2026-05-28", "2026-06-02"}) >= 2, analysis["actionItems"]
    if "2026-05-29" in items:  # "I will send you the revised budget by Friday" — said by the user
        assert items["2026-05-29"]["owner"] == "USER" and items["2026-05-29"]["kind"] == "COMMITMENT"
    if "2026-05-28" in items:  # a request to the user
        assert items["2026-05-28"]["owner"] == "USER" and items["2026-05-28"]["kind"] == "REQUEST"
    assert any("agency" in d.lower() for d in analysis["decisions"])
    shares = {t["role"]: t["share"] for t in analysis["talkTime"]}
    assert set(shares) == {"USER", "OTHER"} and abs(sum(shares.values()) - 1) < 0.01
    assert {s["role"] for s in analysis["sentiment"]} == {"USER", "OTHER"}
    assert analysis["durationSeconds"] == analysed["durationSeconds"]

    listed = e2e.client.get("/api/actions", headers=alice, params={"callId": analysed["id"]}).json()["items"]
    assert {i["id"] for i in listed} == {i["id"] for i in analysis["actionItems"]}
    first = listed[0]
    e2e.client.patch(f"/api/actions/{first['id']}", headers=alice, json={"status": "DONE"})
    again = e2e.client.get(f"/api/calls/{analysed['id']}/analysis", headers=alice).json()
    assert {i["id"]: i["status"] for i in again["actionItems"]}[first["id"]] == "DONE"
    stats = e2e.client.get("/api/users/me/stats", headers=alice).json()
    assert stats["callsByStatus"]["COMPLETED"] >= 1 and stats["actionItemsDone"] >= 1
    assert 0 < stats["averageUserTalkShare"] < 1


def _relay_content(body: dict[str, Any]) -> dict[str, Any]:
    transcript = body["messages"][-1]["content"]
    speaker = transcript.split("] ", 1)[1].split(":", 1)[0]
    return {
        "summary": "Launch review with budget and contract follow-ups.",
        "keyPoints": ["Budget revision is due Friday."],
        "decisions": ["Go with the smaller agency."],
        "actionItems": [
            {
                "text": "Send the revised budget",
                "owner": speaker,
                "speaker": speaker,
                "kind": "COMMITMENT",
                "quote": "I will send you the revised budget by Friday.",
                "dueDate": "2026-05-29",
                "dueText": "by Friday",
            }
        ],
        "topics": [{"label": "launch budget", "score": 0.8}],
        "questions": [],
        "sentiment": [{"speaker": speaker, "score": 0.3, "label": "POSITIVE"}],
    }


def _rows(e2e: Host, call_id: str) -> list[int]:
    async def count() -> list[int]:
        async with e2e.platform.db.connect() as conn:
            return [
                int(
                    (
                        await conn.execute(
                            sa.select(sa.func.count()).select_from(t).where(t.c.call_id == call_id)
                        )
                    ).scalar_one()
                )
                for t in (transcripts, analyses, action_items)
            ]

    return e2e.call(count)


def test_relay_backend_under_tenant_policy_and_its_failure(
    e2e: Host, call_wav: bytes, openai_fake_server: FakeOpenAI
) -> None:
    fake = openai_fake_server
    fake.reset()
    tenant = e2e.tenant("relayco")
    headers = e2e.headers(e2e.key(tenant, "rita"))
    e2e.call(lambda: e2e.platform.policies.update(tenant, "scryon", "B", "B"))
    fake.chat_response = _relay_content
    resp = upload(e2e.client, headers, call_wav, {"recordedAt": RECORDED_AT})
    done = wait_done(e2e.client, headers, resp.json()["id"])
    assert done["status"] == "COMPLETED" and done["analysisBackend"] == "scryon.relay", done
    assert "userSpeaker" not in done  # no voice profile: not looked for
    sent = [r for r in fake.requests if r.path == "/v1/chat/completions"][-1].json
    assert sent is not None and sent["response_format"]["json_schema"]["name"] == "scryon_call_analysis"
    assert "revised budget" in sent["messages"][-1]["content"].lower()
    analysis = e2e.client.get(f"/api/calls/{done['id']}/analysis", headers=headers).json()
    assert analysis["backend"] == "scryon.relay" and analysis["model"] == "gpt-4o-mini"
    assert analysis["actionItems"][0]["dueDate"] == "2026-05-29" and analysis["actionItems"][0]["start"] > 0
    assert "role" not in analysis["talkTime"][0]

    fake.fail_next(503, times=5)
    failed = wait_done(e2e.client, headers, upload(e2e.client, headers, call_wav, {}).json()["id"])
    assert failed["status"] == "FAILED"
    assert failed["failure"]["code"] == "analysis_provider_failed"
    assert _rows(e2e, failed["id"]) == [0, 0, 0]  # nothing half-written
    resp = e2e.client.get(f"/api/calls/{failed['id']}/transcript", headers=headers)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "transcript_not_ready"

    e2e.call(lambda: e2e.platform.policies.update(tenant, "scryon", "A", "A"))
    prefer = upload(e2e.client, headers, call_wav, {"backendPreference": "PREFER_RELAY"}).json()["id"]
    assert wait_done(e2e.client, headers, prefer)["analysisBackend"] == "scryon.local"  # policy wins


def test_delete_completed_call_leaves_nothing(e2e: Host, alice: dict[str, str], call_wav: bytes) -> None:
    call_id = upload(e2e.client, alice, call_wav, {"recordedAt": RECORDED_AT}).json()["id"]
    assert wait_done(e2e.client, alice, call_id)["status"] == "COMPLETED"
    assert _rows(e2e, call_id)[0] == 1
    assert e2e.client.delete(f"/api/calls/{call_id}", headers=alice).status_code == 204
    assert _rows(e2e, call_id) == [0, 0, 0]

    async def blobs() -> list[str]:
        return [b.key async for b in e2e.platform.blobs.list(f"scryon/acme/alice/{call_id}/")]

    assert e2e.call(blobs) == []
    assert e2e.client.get(f"/api/calls/{call_id}/analysis", headers=alice).status_code == 404


def test_a_recording_without_speech_fails_at_the_vad_step(e2e: Host, alice: dict[str, str]) -> None:
    """scryon's VAD step runs on the host's ``vad`` backend (``SCRYON_VAD_BACKEND``, silero)."""
    assert e2e.platform.backends.names("vad") == ["silero"]
    quiet = wav_bytes(concat(silence(3.0), noise(3.0, amp=0.01)))
    call_id = upload(e2e.client, alice, quiet, {"recordedAt": RECORDED_AT}).json()["id"]
    done = wait_done(e2e.client, alice, call_id)
    assert done["status"] == "FAILED"
    assert done["failure"]["code"] == "no_speech_detected", done


def test_module_is_ready_with_scaiecho(e2e: Host) -> None:
    body = e2e.client.get("/api/readyz").json()
    assert body["status"] == "ready", json.dumps(body)
    assert Path(e2e.settings.data_path).exists()
