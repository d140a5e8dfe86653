"""scaiecho/routes/transcribe.py: POST /transcribe (inline and async) and job polling, on the real app."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import scaiecho.plugin
import soundfile as sf
from scaigrid.audio import encode

from tests.harness import Host
from tests.scaiecho.conftest import SENTENCES, piper16k, wer

URL = "/v1/modules/scaiecho/transcribe"
INLINE_MAX = 600_000


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCAIECHO_INLINE_MAX_BYTES", str(INLINE_MAX))
        with Host(tmp_path_factory.mktemp("echo-routes"), plugins=[scaiecho.plugin]) as h:
            yield h


@pytest.fixture(scope="module")
def users(host: Host) -> dict[str, dict[str, str]]:
    acme, other = host.tenant("acme"), host.tenant("globex")
    return {
        "alice": host.headers(host.key(acme, "alice")),
        "bob": host.headers(host.key(acme, "bob")),
        "eve": host.headers(host.key(other, "eve")),
        "listener": host.headers(host.key(acme, "carl", permissions=["scaiecho:transcribe"])),
        "enroller": host.headers(host.key(acme, "dora", permissions=["scaiecho:enroll"])),
    }


def _wav(pcm: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, pcm, 16000, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def _post(host: Host, headers: dict[str, str], data: bytes, name: str = "a.wav", **fields: str) -> Any:
    return host.client.post(
        URL, files={"file": (name, data, "application/octet-stream")}, data=fields, headers=headers
    )


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()["error"]
    assert body["code"] == code, body
    return body


def _wait(host: Host, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        resp = host.client.get(f"{URL}/jobs/{job_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()["data"]
        if data["status"] in ("completed", "failed"):
            return data
        assert data["status"] in ("queued", "running")
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


def test_short_upload_is_transcribed_inline(host: Host, users: Any, speech_clip: Any) -> None:
    pcm, text = speech_clip
    resp = _post(host, users["alice"], _wav(pcm), language_hint="EN", temperature="0.0")
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert wer(text, data["text"]) <= 0.15
    assert data["language"] == "en" and data["backend_used"] == "A" and data["model"] == "tiny.en"
    assert data["duration_seconds"] == pytest.approx(len(pcm) / 16000, abs=0.01)
    seg = data["segments"][0]
    assert set(seg) == {"start", "end", "text", "confidence"}  # no speaker_label, no words
    assert 0 < seg["confidence"] <= 1


def test_word_timestamps_on_request(host: Host, users: Any) -> None:
    resp = _post(host, users["alice"], _wav(piper16k(SENTENCES[0])), word_timestamps="true")
    assert resp.status_code == 200, resp.text
    words = [w for s in resp.json()["data"]["segments"] for w in s["words"]]
    assert {"start", "end", "word", "probability"} == set(words[0])
    assert "fox" in {w["word"].strip(".,").lower() for w in words}


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a"])
def test_every_reference_format_is_accepted(host: Host, users: Any, fmt: str) -> None:
    data = encode(piper16k(SENTENCES[2]), 16000, fmt)
    resp = _post(host, users["alice"], data, name=f"clip.{fmt}")
    assert resp.status_code == 200, resp.text
    assert wer(SENTENCES[2], resp.json()["data"]["text"]) <= 0.25


def test_large_upload_becomes_a_job_visible_only_to_its_owner(
    host: Host, users: Any, speech_clip: Any
) -> None:
    pcm, text = speech_clip
    big = _wav(np.concatenate([pcm, pcm]))
    assert len(big) > INLINE_MAX
    resp = _post(host, users["alice"], big)
    assert resp.status_code == 202, resp.text
    accepted = resp.json()["data"]
    assert accepted["status"] == "queued" and accepted["poll_url"].endswith(accepted["job_id"])
    for outsider in ("bob", "eve"):  # cross-user and cross-tenant: the job does not exist for them
        _error(
            host.client.get(f"{URL}/jobs/{accepted['job_id']}", headers=users[outsider]),
            404,
            "SCAIECHO_JOB_NOT_FOUND",
        )
    done = _wait(host, accepted["job_id"], users["alice"])
    assert done["status"] == "completed" and done["error"] is None and done["progress"] == 1.0
    assert wer(f"{text} {text}", done["transcript"]["text"]) <= 0.15
    assert done["completed_at"] >= done["started_at"] >= done["created_at"]
    uploads = host.call(_blob_keys, host.platform, "scaiecho/uploads/")
    assert uploads == [], "the parked upload is removed once the job is done"


async def _blob_keys(platform: Any, prefix: str) -> list[str]:
    return [info.key async for info in platform.blobs.list(prefix)]


def test_force_async_queues_a_small_upload(host: Host, users: Any) -> None:
    resp = _post(host, users["alice"], _wav(piper16k(SENTENCES[1])), force_async="1")
    assert resp.status_code == 202, resp.text
    done = _wait(host, resp.json()["data"]["job_id"], users["alice"])
    assert wer(SENTENCES[1], done["transcript"]["text"]) <= 0.2


def test_unknown_job_id_is_not_found(host: Host, users: Any) -> None:
    _error(host.client.get(f"{URL}/jobs/nope", headers=users["alice"]), 404, "SCAIECHO_JOB_NOT_FOUND")


def test_non_english_hint_switches_to_the_multilingual_model(host: Host, users: Any) -> None:
    from tests.scaiecho.conftest import espeak16k

    text = "Guten Morgen, wie geht es dir heute?"
    resp = _post(host, users["alice"], _wav(espeak16k(text, "de")), language_hint="de")
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["language"] == "de" and data["model"] == "base"
    assert wer(text, data["text"]) <= 0.5


def test_empty_file(host: Host, users: Any) -> None:
    _error(_post(host, users["alice"], b""), 400, "SCAIECHO_EMPTY_AUDIO")


def test_unsupported_and_undecodable_files(host: Host, users: Any) -> None:
    aac = encode(piper16k("hello"), 16000, "aac")  # a real audio format, but not one the API lists
    _error(_post(host, users["alice"], aac, name="a.aac"), 415, "SCAIECHO_UNSUPPORTED_AUDIO")
    _error(
        _post(host, users["alice"], b"this is not audio at all" * 50, name="a.txt"),
        415,
        "SCAIECHO_UNSUPPORTED_AUDIO",
    )
    cut = _wav(piper16k(SENTENCES[0]))
    _error(_post(host, users["alice"], cut[: len(cut) // 2]), 400, "SCAIECHO_UNDECODABLE_AUDIO")


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"backend_preference": "fastest"}, 400, "SCAIECHO_BAD_BACKEND_PREFERENCE"),
        ({"language_hint": "eng"}, 400, "SCAIECHO_BAD_REQUEST"),
        ({"temperature": "1.5"}, 400, "SCAIECHO_BAD_REQUEST"),
        ({"temperature": "warm"}, 400, "SCAIECHO_BAD_REQUEST"),
        ({"force_async": "maybe"}, 400, "SCAIECHO_BAD_REQUEST"),
        ({"num_speakers": "0"}, 400, "SCAIECHO_BAD_REQUEST"),
    ],
)
def test_invalid_fields(host: Host, users: Any, fields: dict[str, str], status: int, code: str) -> None:
    body = _error(_post(host, users["alice"], _wav(piper16k("hello")), **fields), status, code)
    if code == "SCAIECHO_BAD_REQUEST":
        assert body["details"]["field"] in fields


def test_missing_file_field(host: Host, users: Any) -> None:
    resp = host.client.post(URL, files={"other": ("a.txt", b"x", "text/plain")}, headers=users["alice"])
    assert resp.status_code == 400 and resp.json()["error"]["code"] in {
        "SCAIECHO_BAD_REQUEST",
        "UNEXPECTED_FILE",
    }


def test_diarize_needs_its_permission(host: Host, users: Any) -> None:
    resp = _post(host, users["listener"], _wav(piper16k("hello there")), diarize="true")
    _error(resp, 403, "SCAIECHO_FORBIDDEN")


def test_diarized_job_labels_speakers(host: Host, users: Any, two_speaker_call: Any) -> None:
    pcm, truth = two_speaker_call
    resp = _post(host, users["alice"], _wav(pcm), diarize="true", num_speakers="2")
    assert resp.status_code == 202, resp.text  # a 25 s WAV is above the inline threshold
    transcript = _wait(host, resp.json()["data"]["job_id"], users["alice"])["transcript"]
    labels = [s["speaker_label"] for s in transcript["segments"]]
    assert set(labels) == {"SPEAKER_00", "SPEAKER_01"}
    # Each segment's label matches the speaker who really talked at its midpoint.
    first_speaker = {truth[0][2]: "SPEAKER_00", truth[1][2]: "SPEAKER_01"}
    right = 0
    for seg in transcript["segments"]:
        mid = (seg["start"] + seg["end"]) / 2
        actual = next((spk for s, e, spk in truth if s - 0.5 <= mid <= e + 0.5), None)
        right += actual is not None and first_speaker[actual] == seg["speaker_label"]
    assert right >= 0.8 * len(transcript["segments"])
    assert all("words" not in s for s in transcript["segments"])


def test_authentication_and_permission(host: Host, users: Any) -> None:
    data = _wav(piper16k("hello"))
    _error(_post(host, {}, data), 401, "UNAUTHENTICATED")
    _error(_post(host, users["enroller"], data), 403, "PERMISSION_DENIED")
    _error(host.client.get(f"{URL}/jobs/x", headers=users["enroller"]), 403, "PERMISSION_DENIED")
